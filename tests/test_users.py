"""The owner adds and deactivates users; the CLI does the same by hand."""

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Patient, Practitioner, User
from tests.conftest import PASSWORD


def new_user_form(**overrides):
    data = {
        "full_name": "Dana Scully",
        "username": "dana",
        "email": "dana@clinic.example.org",
        "role": "practitioner",
        "password": "long-enough-pw",
        "specialty": "Pathology",
        "consultation_fee": "95.50",
    }
    data.update(overrides)
    return data


def test_owner_adds_a_practitioner_who_can_log_in(client, auth, people):
    auth.login("olive")
    response = auth.post("/admin/users/new", new_user_form(), form_page="/admin/users/new")
    assert response.status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Dana Scully can now log in as dana." in page

    profile = db.session.scalar(select(Practitioner).join(User).where(User.username == "dana"))
    assert profile.specialty == "Pathology"
    assert str(profile.consultation_fee) == "95.50"

    auth.logout()
    assert auth.login("dana", "long-enough-pw").status_code == 302


def test_duplicate_username_is_refused_clearly(client, auth, people):
    auth.login("olive")
    response = auth.post("/admin/users/new", new_user_form(username="SAM"), form_page="/admin/users/new")
    assert response.status_code == 400
    assert "The username &#39;sam&#39; is already taken." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 3


def test_bad_fields_are_explained_and_nothing_is_saved(auth, people):
    auth.login("olive")
    form = new_user_form(email="not-an-email", password="short", role="wizard", consultation_fee="-3")
    response = auth.post("/admin/users/new", form, form_page="/admin/users/new")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Invalid email address." in page
    assert "Field must be between 8 and 256 characters long." in page
    assert "Not a valid choice." in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 3


def test_names_are_escaped_when_rendered(client, auth, people):
    auth.login("olive")
    auth.post("/admin/users/new", new_user_form(full_name="<script>alert(1)</script>"), form_page="/admin/users/new")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_owner_deactivates_and_reactivates_a_user(client, auth, people):
    staff = people["staff"]
    auth.login("olive")
    auth.post(f"/admin/users/{staff.id}/active", {"active": "0"}, form_page="/admin/users")
    db.session.refresh(staff)
    assert staff.active is False
    assert "Sam Person is now deactivated." in client.get("/admin/users").get_data(as_text=True)

    auth.post(f"/admin/users/{staff.id}/active", {"active": "1"}, form_page="/admin/users")
    db.session.refresh(staff)
    assert staff.active is True


def test_deactivating_a_practitioner_hides_their_profile(auth, people):
    practitioner = people["practitioner"]
    auth.login("olive")
    auth.post(f"/admin/users/{practitioner.id}/active", {"active": "0"}, form_page="/admin/users")
    profile = db.session.scalar(select(Practitioner).where(Practitioner.user_id == practitioner.id))
    db.session.refresh(profile)
    assert profile.active is False


def test_owner_cannot_deactivate_themselves(client, auth, people):
    owner = people["owner"]
    auth.login("olive")
    auth.post(f"/admin/users/{owner.id}/active", {"active": "0"}, form_page="/admin/users")
    assert "You cannot deactivate your own account." in client.get("/admin/users").get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.active


def test_unknown_user_id_is_a_clear_message(client, auth, people):
    auth.login("olive")
    auth.post("/admin/users/99999/active", {"active": "0"}, form_page="/admin/users")
    assert "No such user." in client.get("/admin/users").get_data(as_text=True)


def test_cli_create_user(runner):
    result = runner.invoke(
        args=["create-user", "--username", "Boss", "--email", "boss@clinic.example.org", "--name", "The Boss",
              "--role", "owner", "--password", "a-very-long-one"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created owner 'boss'" in result.output
    user = db.session.scalar(select(User).where(User.username == "boss"))
    assert user.check_password("a-very-long-one")


def test_cli_create_user_refuses_bad_input(runner, people):
    result = runner.invoke(
        args=["create-user", "--username", "sam", "--email", "x@clinic.example.org", "--name", "X",
              "--password", PASSWORD],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "already taken" in result.output
    result = runner.invoke(
        args=["create-user", "--username", "fee", "--email", "f@clinic.example.org", "--name", "F",
              "--role", "practitioner", "--fee", "lots", "--password", PASSWORD],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "must be a number" in result.output


def test_seed_demo_fills_a_believable_clinic_once(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles == {"owner": 1, "staff": 2, "practitioner": 3}
    assert db.session.scalar(select(func.count()).select_from(Patient)) == 50
    specialties = set(db.session.scalars(select(Practitioner.specialty)))
    assert len(specialties) == 3

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 1
    assert "already has users" in again.output
    quiet = runner.invoke(args=["seed-demo", "--if-empty"])
    assert quiet.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Patient)) == 50


def test_demo_logins_work(runner, auth, app):
    runner.invoke(args=["seed-demo"])
    for username in ["owner", "frontdesk", "dr.wilson"]:
        assert auth.login(username, app.config["DEMO_PASSWORD"]).status_code == 302
        auth.logout()


def test_a_practitioner_made_a_stock_keeper_is_a_message_not_a_500(client, auth, people):
    auth.login("olive")
    drwho = people["practitioner"]
    response = auth.post(f"/admin/users/{drwho.id}/keeper", {"keeper": "1"}, form_page="/admin/users")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    page = client.get("/admin/users").get_data(as_text=True)
    assert "a practitioner can&#39;t keep stock" in page
    assert not db.session.get(User, drwho.id).inventory_keeper
