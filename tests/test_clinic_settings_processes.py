"""A settings change reaches a running worker without a restart: the worker renders its next
job's email with the owner's new clinic name (its copy is dropped on the version bump in
Redis; the TTL would catch it a few seconds later at worst)."""

from datetime import timedelta

import pytest

from dashboard.extensions import db
from dashboard.models.base import utcnow
from dashboard.queues import enqueue
from dashboard.services import appointments
from tests.factories import make_patient, make_slot, practitioner_of
from tests.helpers import wait_for

pytestmark = pytest.mark.slow


def _reminders_to(smtp, address: str) -> list:
    return [r.message for r in smtp.received if r.rcpt_tos == [address] and "reminder" in r.message["Subject"].lower()]


def _book_to_remind(practitioner, patient, desk, hours: int) -> None:
    slot = make_slot(practitioner, starts_in=timedelta(hours=hours))
    booked = appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=desk).appointment
    booked.scheduled_at = utcnow() - timedelta(days=3)  # booked long enough ago to be reminded
    db.session.commit()


def test_the_next_email_a_worker_writes_has_the_new_clinic_name(app, smtp, start_process, people, auth):
    worker = start_process()
    practitioner = practitioner_of(people["practitioner"])
    first = make_patient("Aroha", "Ngātiwai", email="aroha@patients.example.org")
    _book_to_remind(practitioner, first, people["staff"], 20)

    enqueue("dashboard.jobs.appointments.send_reminders")  # the worker reads (and keeps) the settings
    wait_for(lambda: _reminders_to(smtp, first.email), timeout=30, message="the first reminder")
    [before] = _reminders_to(smtp, first.email)
    assert "Harbourside Clinic" in before.get_body(("plain",)).get_content()

    auth.login(people["owner"].username)
    new_name = "Te Whare Hauora o Ngātiwai 🌿"
    response = auth.post("/admin/settings", data={"clinic_name": new_name}, form_page="/admin/settings")
    assert response.status_code == 302
    second = make_patient("Siobhán", "O'Brien", email="siobhan@patients.example.org")
    _book_to_remind(practitioner, second, people["staff"], 21)

    enqueue("dashboard.jobs.appointments.send_reminders")
    wait_for(lambda: _reminders_to(smtp, second.email), timeout=30, message="the second reminder")
    [after] = _reminders_to(smtp, second.email)
    body = after.get_body(("plain",)).get_content()
    assert new_name in body and "Harbourside Clinic" not in body
    assert new_name in after.get_body(("html",)).get_content()
    assert worker.poll() is None  # the same worker, never restarted
