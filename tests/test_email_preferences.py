"""Which bell notifications also come by email: each user's choice, or their role's default.

The default is computed, not stored: a staff member who keeps the stock gets the
new-appointment notice under the bell only, unless they tick it; everyone else
gets it by email too, as do practitioners for their own appointments.
"""

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import EmailMessage, Notification, NotificationPreference, Role
from dashboard.services import appointments, inventory
from dashboard.services.users import create_user
from tests.conftest import PASSWORD
from tests.factories import make_patient, make_slot, practitioner_of


def keeper(app):
    user = create_user(
        username="lee", email="lee@clinic.example.org", full_name="Lee Chen", role=Role.STAFF, password=PASSWORD
    )
    inventory.set_keeper(user.id, True)
    return user


def book(people):
    practitioner = practitioner_of(people["practitioner"])
    return appointments.book(
        patient_id=make_patient("Mere", "Pōmare").id, slot_id=make_slot(practitioner).id, by_user=people["staff"]
    ).appointment


def notice_emails() -> set[str]:
    db.session.expire_all()
    rows = db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "new_appointment_notice"))
    return {row.to_addrs for row in rows}


def test_the_stock_keeper_gets_the_new_appointment_bell_but_no_email(app, people):
    lee = keeper(app)
    book(people)
    bells = db.session.scalars(select(Notification.user_id).where(Notification.kind == "new_appointment_notice"))
    assert set(bells) == {lee.id, people["owner"].id, people["staff"].id, people["practitioner"].id}
    assert notice_emails() == {
        "olive@clinic.example.org",
        "sam@clinic.example.org",
        "drwho@clinic.example.org",  # their own appointment
    }


def test_an_owner_who_keeps_the_stock_still_gets_the_email(app, people):
    inventory.set_keeper(people["owner"].id, True)
    book(people)
    assert "olive@clinic.example.org" in notice_emails()


def test_the_preferences_page_shows_each_users_default(client, auth, people, app):
    keeper(app)
    auth.login("lee")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="new_appointment_notice">' in page  # not ticked
    assert "Default for you: the bell only, as you keep the stock" in page
    assert 'value="low_stock_alert" checked' in page
    auth.logout()

    auth.login("sam")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="new_appointment_notice" checked' in page
    assert "the bell only" not in page and page.count("Default for you: by email too") == 3


def test_a_keeper_who_ticks_it_gets_it_and_saving_the_defaults_stores_nothing(client, auth, people, app):
    lee = keeper(app)
    auth.login("lee")
    everything = {"email": ["low_stock_alert", "new_appointment_notice", "delivery_failed"]}
    auth.post("/notifications/preferences", everything, form_page="/notifications/preferences")
    saved = db.session.execute(select(NotificationPreference.kind, NotificationPreference.email)).all()
    assert saved == [("new_appointment_notice", True)]  # only what differs from the default
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="new_appointment_notice" checked' in page and "you changed this" in page
    book(people)
    assert "lee@clinic.example.org" in notice_emails()

    # Back to the default: the choice is forgotten, and the role decides again.
    defaults = {"email": ["low_stock_alert", "delivery_failed"]}
    auth.post("/notifications/preferences", defaults, form_page="/notifications/preferences")
    db.session.expire_all()
    assert db.session.scalars(select(NotificationPreference).filter_by(user_id=lee.id)).all() == []
