"""Appointments end to end: the booking's emails through a real worker to an SMTP
server on loopback, and the reminder command run twice as a separate process."""

import re
import subprocess
import sys
from datetime import timedelta

import icalendar
import pytest

from dashboard import patient_links
from dashboard.extensions import db
from dashboard.models.base import utcnow
from dashboard.services import appointments
from tests.conftest import ROOT, process_env
from tests.factories import make_patient, make_slot, practitioner_of
from tests.helpers import wait_for

pytestmark = pytest.mark.slow


def test_a_booking_reaches_the_patient_and_the_desk(app, smtp, start_process, people):
    start_process()
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Aroha", "Ngata", email="aroha@patients.example.org")
    slot = make_slot(practitioner, starts_in=timedelta(days=2))
    appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"], reason="Check-up")

    wait_for(lambda: len(smtp.received) >= 4, timeout=30, message="confirmation and three staff notices")
    by_recipient = {r.rcpt_tos[0]: r.message for r in smtp.received}
    assert set(by_recipient) == {patient.email, *(p.email for p in people.values())}

    confirmation = by_recipient[patient.email]
    assert confirmation["Subject"].startswith("Your appointment with")
    assert "Check-up" in confirmation.get_body(("plain",)).get_content()
    [invitation] = [p for p in confirmation.iter_attachments() if p.get_filename() == "appointment.ics"]
    assert invitation.get_content_type() == "text/calendar" and invitation.get_param("method") == "REQUEST"
    assert icalendar.Calendar.from_ical(invitation.get_content())["METHOD"] == "REQUEST"
    notice = by_recipient[people["owner"].email]
    assert "Aroha Ngata" in notice.get_body(("plain",)).get_content()


def test_a_cancellation_reaches_the_patient_with_a_calendar_cancel(app, smtp, start_process, people):
    start_process()
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Siobhán", "O'Brien", email="siobhan@patients.example.org")
    slot = make_slot(practitioner, starts_in=timedelta(days=2))
    booked = appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"]).appointment
    appointments.cancel(booked.id, by_user=people["staff"], reason="Dr Who is unwell; sorry 🌿")

    def to_patient():
        return [r.message for r in smtp.received if r.rcpt_tos == [patient.email]]

    wait_for(lambda: len(to_patient()) >= 2, timeout=30, message="confirmation and cancellation")
    by_subject = {m["Subject"]: m for m in to_patient()}
    [cancellation] = [m for subject, m in by_subject.items() if "cancelled" in subject]
    [confirmation] = [m for subject, m in by_subject.items() if subject.startswith("Your appointment with")]
    [part] = [p for p in cancellation.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "CANCEL" and part.get_filename() == "appointment.ics"
    assert "removes the appointment from your calendar" in cancellation.get_body(("plain",)).get_content()
    [cancelled] = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
    [invitation] = [p for p in confirmation.iter_attachments() if p.get_content_type() == "text/calendar"]
    [original] = icalendar.Calendar.from_ical(invitation.get_content()).walk("VEVENT")
    assert cancelled["UID"] == original["UID"] and cancelled["SEQUENCE"] > original["SEQUENCE"]
    assert cancelled["STATUS"] == "CANCELLED"


def test_the_reminder_command_run_twice_sends_one_reminder(app, smtp, backend, people):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Ben", "Pōmare", email="ben@patients.example.org")
    slot = make_slot(practitioner, starts_in=timedelta(hours=20))
    booked = appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"]).appointment
    booked.scheduled_at = utcnow() - timedelta(days=5)
    db.session.commit()

    command = [sys.executable, "-m", "flask", "--app", "wsgi", "send-appointment-reminders", "--hours", "24"]
    outputs = [
        subprocess.run(command, cwd=ROOT, env=process_env(app, backend), capture_output=True, text=True, timeout=60)
        for _ in range(2)
    ]
    assert [o.returncode for o in outputs] == [0, 0], outputs
    assert "1 reminder written" in outputs[0].stdout and "0 reminders written" in outputs[1].stdout

    worker = subprocess.run(
        [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=process_env(app, backend), timeout=60
    )
    assert worker.returncode == 0
    wait_for(lambda: any(r.rcpt_tos == [patient.email] for r in smtp.received), timeout=20, message="reminder")
    reminders = [r for r in smtp.received if "reminder" in r.message["Subject"].lower()]
    assert len(reminders) == 1 and reminders[0].rcpt_tos == [patient.email]
    # It asks the patient to say they're coming: a GET link to their page, where a POST says it.
    body = reminders[0].message.get_body(("plain",)).get_content()
    [token] = re.findall(r"Let us know you're coming: \S+/p/appointment/([^/\s]+)\s", body)
    assert patient_links.read("appointment", token) == {"a": booked.id, "p": patient.id}
    html = reminders[0].message.get_body(("html",)).get_content()
    assert re.search(rf'href="[^"]*/p/appointment/{re.escape(token)}"[^>]*>Let us know you.re coming<', html)
