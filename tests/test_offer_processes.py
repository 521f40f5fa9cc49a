"""New availability end to end: slots added in a request, the fan-out job and delivery
in a real worker, the emails at an SMTP server on loopback, and their links used."""

import re
from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from dashboard import queues
from dashboard.clinic_time import clinic_zone
from dashboard.extensions import db
from dashboard.models import Appointment, AppointmentStatus, EmailMessage, EmailStatus
from dashboard.models.base import utcnow
from dashboard.services import appointments, slots, waitlist
from tests.factories import make_patient, make_slot, practitioner_of
from tests.helpers import wait_for

pytestmark = pytest.mark.slow

BOOK_LINK = re.compile(r"http://clinic\.test(/p/book/[\w.-]+/\d+)")


@pytest.mark.config(OFFER_COALESCE_SECONDS=0)  # no window: each add is offered at once
def test_added_slots_reach_each_waiting_patient_once_with_working_links(app, smtp, start_process, people, client):
    practitioner = practitioner_of(people["practitioner"])
    patients = [make_patient(name, email=f"{name.lower()}@patients.example.org") for name in ("Ana", "Ben", "Cleo")]
    for patient in patients:
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    start_process()

    day = (utcnow() + timedelta(days=3)).astimezone(clinic_zone()).date()
    slots.add_slot(practitioner.id, day, slots.time(9), slots.time(9, 30), by_user_id=people["staff"].id)
    slots.add_slot(practitioner.id, day, slots.time(10), slots.time(10, 30), by_user_id=people["staff"].id)

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


WINDOW = 5  # seconds: long enough for thirteen cancellations on a busy machine, short for a test


def availability_rows() -> list[EmailMessage]:
    db.session.expire_all()
    rows = db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "new_availability")).all()
    db.session.commit()
    return list(rows)


def nothing_coming() -> bool:
    """No fan-out waiting in RQ (scheduled or queued) and every offer email sent."""
    default = queues.get_queue("default")
    pending = ScheduledJobRegistry(queue=default).count + default.count
    return not pending and all(row.status == EmailStatus.SENT for row in availability_rows())


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW)
def test_cancellations_in_one_window_arrive_as_one_email_per_patient(app, smtp, start_process, people, client):
    practitioner = practitioner_of(people["practitioner"])
    waiting = [
        make_patient(first, last, email=f"{address}@patients.example.org")
        for first, last, address in (
            ("Aroha", "Ngātiwai", "aroha"),
            ("Zoë", "Müller", "zoe"),
            ("Siobhán", "O'Brien", "siobhan"),
        )
    ]
    for patient in waiting:
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    mere = make_patient("Mere", "Pōmare")
    booked = [
        appointments.book(
            patient_id=mere.id,
            slot_id=make_slot(practitioner, starts_in=timedelta(days=3, hours=h)).id,
            by_user=people["staff"],
        ).appointment
        for h in range(14)
    ]
    start_process()  # a long-running worker, with RQ's scheduler, as in production

    first_cancelled = utcnow()
    for appointment in booked[:13]:  # one request each, one after another
        appointments.cancel(appointment.id, by_user=people["staff"], reason="Dr Who is at a conference 🌿")
    assert utcnow() - first_cancelled < timedelta(seconds=WINDOW), "the cancellations outlasted the window"

    def offers_received() -> dict[str, list]:
        found: dict[str, list] = {}
        for received in smtp.received:
            if "has new times available" in received.message["Subject"]:
                found.setdefault(received.rcpt_tos[0], []).append(received.message)
        return found

    wait_for(lambda: len(offers_received()) == 3, timeout=WINDOW + 30, message="an offer email to each patient")
    wait_for(nothing_coming, timeout=30, message="the fan-out to finish and its emails to be sent")
    assert set(offers_received()) == {p.email for p in waiting}
    assert all(len(messages) == 1 for messages in offers_received().values())  # one each, not thirteen
    assert all(row.created_at >= first_cancelled + timedelta(seconds=WINDOW - 1) for row in availability_rows())

    email = offers_received()["aroha@patients.example.org"][0]
    text = email.get_body(("plain",)).get_content()
    assert "Hello Aroha" in text and practitioner.name in text
    links = BOOK_LINK.findall(text)
    first_five = [a.slot_id for a in sorted(booked[:13], key=lambda a: a.starts_at)[:5]]
    assert [int(link.rsplit("/", 1)[1]) for link in links] == first_five

    page = client.get(links[1])
    assert page.status_code == 200 and "Book this time" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post(links[1], data={"csrf_token": token}).status_code in (200, 302)
    db.session.expire_all()
    [mine] = db.session.scalars(select(Appointment).where(Appointment.patient_id == waiting[0].id)).all()
    assert mine.slot_id == first_five[1] and mine.status == AppointmentStatus.CONFIRMED

    # A later cancellation opens a window of its own: one more email each to those still waiting
    # (Aroha booked, so her place on the list ended), with that time first.
    appointments.cancel(booked[13].id, by_user=people["staff"], reason="Dr Who is at a conference 🌿")
    still_waiting = {"zoe@patients.example.org", "siobhan@patients.example.org"}
    wait_for(
        lambda: all(len(offers_received().get(address, [])) == 2 for address in still_waiting),
        timeout=WINDOW + 30,
        message="the second window's email to each patient still waiting",
    )
    wait_for(nothing_coming, timeout=30, message="the second fan-out to finish")
    assert {address: len(messages) for address, messages in offers_received().items()} == {
        "aroha@patients.example.org": 1,
        "zoe@patients.example.org": 2,
        "siobhan@patients.example.org": 2,
    }
    second = offers_received()["zoe@patients.example.org"][1].get_body(("plain",)).get_content()
    assert int(BOOK_LINK.findall(second)[0].rsplit("/", 1)[1]) == booked[13].slot_id
