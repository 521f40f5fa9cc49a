"""New availability end to end: slots added in a request, the fan-out job and delivery
in a real worker, the emails at an SMTP server on loopback, and their links used."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Appointment
from dashboard.models.base import utcnow
from dashboard.services import schedule, waitlist
from tests.factories import make_patient, practitioner_of
from tests.helpers import wait_for

pytestmark = pytest.mark.slow

BOOK_LINK = re.compile(r"http://clinic\.test(/p/book/[\w.-]+/\d+)")


def test_added_slots_reach_each_waiting_patient_once_with_working_links(app, smtp, start_process, people, client):
    practitioner = practitioner_of(people["practitioner"])
    patients = [make_patient(name, email=f"{name.lower()}@patients.example.org") for name in ("Ana", "Ben", "Cleo")]
    for patient in patients:
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    start_process()

    day = (utcnow() + timedelta(days=3)).astimezone(schedule.clinic_zone()).date()
    schedule.add_slot(practitioner.id, day, schedule.time(9), schedule.time(9, 30), by_user_id=people["staff"].id)
    schedule.add_slot(practitioner.id, day, schedule.time(10), schedule.time(10, 30), by_user_id=people["staff"].id)

    wait_for(lambda: len(smtp.received) >= 6, timeout=30, message="one email per patient per fan-out")
    by_patient: dict[str, list] = {}
    for received in smtp.received:
        by_patient.setdefault(received.rcpt_tos[0], []).append(received.message)
    assert set(by_patient) == {p.email for p in patients}
    assert all(len(messages) == 2 for messages in by_patient.values())  # one per add, no duplicates

    email = by_patient["ana@patients.example.org"][-1]
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = email.get_body(("plain",)).get_content()
    assert practitioner.name in text
    links = BOOK_LINK.findall(text)
    assert len(links) == 2

    page = client.get(links[0])
    assert page.status_code == 200 and "Book this time" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    booked = client.post(links[0], data={"csrf_token": token})
    assert booked.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
