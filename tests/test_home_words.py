"""The home page's words: practitioners greeted by title and name, and "Needs you" listing what
needs a person (not what the clinic did: that is the notifications')."""

import re
from datetime import time, timedelta

import pytest

from dashboard import notify
from dashboard.clinic_time import clinic_today, local_to_utc
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus, Notification, Role
from dashboard.models.base import utcnow
from dashboard.notify.samples import sample_context
from dashboard.services import appointments
from dashboard.services.inventory import create_item
from dashboard.services.users import create_user
from dashboard.wording import greeting_name
from tests.conftest import PASSWORD
from tests.factories import make_patient, make_slot, practitioner_of


@pytest.mark.parametrize(
    "name,greeting",
    [
        ("Dr Hannah Wilson", "Dr Wilson"),
        ("Dr. Mikaere Tāne", "Dr. Tāne"),
        ("Prof Aroha Whāiti-Pōmare", "Prof Whāiti-Pōmare"),
        ("Sam Patel", "Sam"),
        ("Dr", "Dr"),
        ("  ", ""),
        ("Siobhán O'Brien 🌿", "Siobhán"),
    ],
)
def test_greeting_names(name, greeting):
    assert greeting_name(name) == greeting


def needs_you(html: str) -> list[str]:
    panel = html[html.index("Needs you") :]
    panel = panel[: panel.index("</section>")]
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r'needs-you-item">\s*<span>(.*?)</span>', panel, re.S)]


def tomorrow_at(hour: int) -> timedelta:
    return local_to_utc(clinic_today() + timedelta(days=1), time(hour)) - utcnow()


def test_a_practitioner_is_greeted_by_title_and_surname(client, auth, people):
    create_user(
        username="dr.wilson",
        email="wilson@clinic.example.org",
        full_name="Dr Hannah Wilson",
        role=Role.PRACTITIONER,
        password=PASSWORD,
        specialty="General dentistry",
    )
    auth.login("dr.wilson")
    home = client.get("/home").get_data(as_text=True)
    assert re.search(r"<h1[^>]*>Good (morning|afternoon|evening), Dr Wilson</h1>", home)


def test_needs_you_lists_what_needs_a_person(client, auth, people):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Mere", "Pōmare")
    for hour in (10, 11):  # two unconfirmed tomorrow, one confirmed
        slot = make_slot(practitioner, starts_in=tomorrow_at(hour))
        appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"], confirmed=False)
    slot = make_slot(practitioner, starts_in=tomorrow_at(12))
    appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"])
    later = make_slot(practitioner, starts_in=timedelta(days=5))
    moving = appointments.book(patient_id=patient.id, slot_id=later.id, by_user=people["staff"]).appointment
    appointments.request_reschedule(moving.id, note="Any afternoon", by_user=people["staff"])
    create_item(name="Gloves", sku="GLV-1", quantity=1, minimum_level=2, by_user=people["staff"])
    failed_id = notify.email("invoice", to="ana@patients.example.org", context=sample_context("invoice"))
    db.session.commit()
    db.session.get(EmailMessage, failed_id).status = EmailStatus.FAILED
    for user in people.values():  # a bell summary: what the clinic did, not what needs anyone
        db.session.add(Notification(user_id=user.id, kind="offers", title="Offered 5 new times with Dr Who"))
    db.session.commit()

    auth.login("olive")
    home = client.get("/home").get_data(as_text=True)
    assert needs_you(home) == [
        "1 patient asks to move an appointment",
        "2 appointments tomorrow not confirmed yet",
        "1 email could not be delivered",
        "1 item is low on stock",
    ]
    assert "Offered 5 new times" not in home[home.index("Needs you") :]
    assert "/admin/outbox?status=failed" in home

    auth.logout()
    auth.login("sam")
    assert "1 email could not be delivered" not in needs_you(client.get("/home").get_data(as_text=True))

    auth.logout()
    auth.login("drwho")
    home = client.get("/home").get_data(as_text=True)
    assert needs_you(home) == ["2 appointments tomorrow not confirmed yet"]
    assert "Offered 5 new times" not in home


def test_nothing_needs_you(client, auth, people):
    auth.login("sam")
    assert "Nothing needs you right now." in client.get("/home").get_data(as_text=True)
