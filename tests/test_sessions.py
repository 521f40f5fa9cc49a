"""Sessions that end: logging out, a password change or reset and a deactivation end every
session and remember-me cookie made before (the user's session version), on the server."""

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

import pytest
from flask_login import login_user

from dashboard.extensions import db
from dashboard.models import User
from tests.conftest import PASSWORD, AuthActions, csrf_token
from tests.session_helpers import FreshUserClient
from tests.test_app_factory import production

NEW_PASSWORD = "Ngātiwai-kōrero-2026"


@pytest.fixture(autouse=True)
def _fresh_user_each_request(app):
    app.test_client_class = FreshUserClient


def cookie(client, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, f"no {name} cookie"
    return found.value


def set_cookie_header(response, name: str) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    return header


def login_remembered(client, username: str = "sam", password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"username": username, "password": password, "remember": "y", "csrf_token": token}
    )


def test_the_old_session_cookie_is_refused_after_logout(client, auth, people):
    auth.login("sam")
    assert client.get("/patients/").status_code == 200
    stolen = cookie(client, "session")

    auth.logout()
    client.set_cookie("session", stolen)
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_old_remember_cookie_alone_is_refused_after_logout(app, client, people):
    assert login_remembered(client).status_code == 302
    remembered = cookie(client, "remember_token")

    # Before the logout, the cookie alone opens the pages (so the refusal below is the logout's doing).
    elsewhere = app.test_client()
    elsewhere.set_cookie("remember_token", remembered)
    assert elsewhere.get("/patients/").status_code == 200

    AuthActions(client).logout()
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered)
    response = replay.get("/patients/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    # The other browser that came in with it is logged out too.
    assert elsewhere.get("/patients/").status_code == 302


def test_deactivation_ends_every_session_for_good(app, client, auth, people):
    sam = app.test_client()
    assert login_remembered(sam).status_code == 302
    remembered = cookie(sam, "remember_token")

    auth.login("olive")
    staff = people["staff"]
    auth.post(f"/admin/users/{staff.id}/active", {"active": "0"}, form_page="/admin/users")
    assert sam.get("/home").status_code == 302
    # Reactivated: the sessions from before stay ended; Sam logs in afresh.
    auth.post(f"/admin/users/{staff.id}/active", {"active": "1"}, form_page="/admin/users")
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered)
    assert replay.get("/home").status_code == 302
    assert sam.get("/home").status_code == 302
    assert AuthActions(sam).login("sam").status_code == 302
    assert sam.get("/home").status_code == 200


def test_a_session_from_before_the_session_version_is_refused(client, people):
    """A session made before the upgrade carries a bare id: it no longer loads."""
    with client.session_transaction() as session:
        session["_user_id"] = str(people["staff"].id)
        session["_fresh"] = True
    assert client.get("/home").status_code == 302


def test_the_remember_cookie_lasts_remember_days_and_is_same_site_lax(client, people):
    before = datetime.now(UTC)
    response = login_remembered(client)
    header = SimpleCookie(set_cookie_header(response, "remember_token"))["remember_token"]
    expires = datetime.strptime(header["expires"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert before + timedelta(days=14) - timedelta(seconds=5) <= expires <= datetime.now(UTC) + timedelta(days=14)
    assert header["samesite"] == "Lax"
    assert header["httponly"] is True
    assert not header["secure"]  # plain http in tests and development


def test_remember_days_is_a_setting(backend, _schema):
    from tests.conftest import make_app

    app = make_app(backend, REMEMBER_DAYS=3)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=3)


def test_the_remember_cookie_is_secure_in_production(backend, people):
    app = production(backend)
    user = db.session.get(User, people["staff"].id)
    with app.test_request_context("/login", method="POST", base_url="https://dashboard.harbourside.co.nz"):
        login_user(user, remember=True)
        response = app.process_response(app.make_response("ok"))
    header = SimpleCookie(set_cookie_header(response, "remember_token"))["remember_token"]
    assert header["secure"] is True
    assert header["samesite"] == "Lax"
    assert header["httponly"] is True


# ------------------------------------------------------------- own password


def change(auth, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    data = {"current_password": current, "new_password": new, "confirm": new if confirm is None else confirm}
    return auth.post("/account/password", data, form_page="/account/password")


def test_changing_ones_password_keeps_this_browser_and_ends_the_others(app, client, auth, people):
    other = app.test_client()
    assert AuthActions(other).login("sam").status_code == 302
    remembered_client = app.test_client()
    assert login_remembered(remembered_client).status_code == 302
    remembered = cookie(remembered_client, "remember_token")

    assert login_remembered(client).status_code == 302
    response = change(auth)
    assert response.status_code == 302
    page = client.get("/home")
    assert page.status_code == 200
    assert "Your password has been changed" in page.get_data(as_text=True)
    # This browser's remember cookie is renewed with the new version: it alone still logs in.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie(client, "remember_token"))
    assert fresh.get("/home").status_code == 200

    assert other.get("/home").status_code == 302
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered)
    assert replay.get("/home").status_code == 302

    auth.logout()
    assert auth.login("sam").status_code == 401
    assert auth.login("sam", NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing(client, auth, people):
    auth.login("sam")
    response = change(auth, current="not-my-password")
    assert response.status_code == 400
    assert "The current password is not right." in response.get_data(as_text=True)
    assert client.get("/home").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, people["staff"].id).check_password(PASSWORD)


def test_the_new_password_is_checked(auth, people):
    auth.login("sam")
    differ = change(auth, confirm="something-else-entirely")
    assert differ.status_code == 400
    assert "The passwords differ." in differ.get_data(as_text=True)
    short = change(auth, new="short")
    assert short.status_code == 400
    assert "Field must be between 8 and 256 characters long." in short.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, people["staff"].id).check_password(PASSWORD)


def test_the_password_change_needs_the_csrf_token(client, auth, people):
    auth.login("sam")
    page = client.get("/account/password").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, people["staff"].id).check_password(PASSWORD)


# ----------------------------------------------------------- owner's reset


def reset(auth, user_id, new=NEW_PASSWORD):
    path = f"/admin/users/{user_id}/password"
    return auth.post(path, {"new_password": new, "confirm": new}, form_page=path)


def test_the_owner_resets_a_password_and_the_users_sessions_end(app, client, auth, people):
    sam = app.test_client()
    assert AuthActions(sam).login("sam").status_code == 302
    assert sam.get("/home").status_code == 200

    auth.login("olive")
    assert f'href="/admin/users/{people["staff"].id}/password"' in client.get("/admin/users").get_data(as_text=True)
    response = reset(auth, people["staff"].id)
    assert response.status_code == 302
    assert "Sam Person&#39;s password has been reset" in client.get("/admin/users").get_data(as_text=True)

    assert sam.get("/home").status_code == 302
    assert AuthActions(sam).login("sam").status_code == 401
    assert AuthActions(sam).login("sam", NEW_PASSWORD).status_code == 302
    assert client.get("/admin/users").status_code == 200  # the owner's own session goes on


def test_the_owner_resetting_their_own_password_stays_logged_in(client, auth, people):
    auth.login("olive")
    assert reset(auth, people["owner"].id).status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_only_the_owner_resets_passwords(app, auth, people):
    auth.login("sam")
    path = f"/admin/users/{people['practitioner'].id}/password"
    response = auth.post(path, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, people["practitioner"].id).check_password(PASSWORD)


def test_the_reset_needs_the_csrf_token(client, auth, people):
    auth.login("olive")
    path = f"/admin/users/{people['staff'].id}/password"
    assert 'name="csrf_token"' in client.get(path).get_data(as_text=True)
    response = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, people["staff"].id).check_password(PASSWORD)


def test_resetting_a_user_who_doesnt_exist_is_a_404(client, auth, people):
    auth.login("olive")
    assert client.get("/admin/users/999999/password").status_code == 404
