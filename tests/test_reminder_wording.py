"""The reminder says when, from the moment it is written, in the clinic's time zone.

"tomorrow at 9:30 am", "in 2 hours, at 10:00 am", "in 45 minutes": never "in about
24 hours" whatever the real lead time. Times here are wall-clock times in Auckland,
pinned with time-machine, so the tests pass at any hour and across New Zealand's
daylight-saving change (clocks go back an hour at 03:00 on Sunday 4 April 2027).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from dashboard.clinic_time import clinic_when
from dashboard.extensions import db
from dashboard.models import EmailMessage
from dashboard.services import appointments, reminders, slots
from tests.factories import make_patient, practitioner_of

NZ = ZoneInfo("Pacific/Auckland")


def nz(*args) -> datetime:
    return datetime(*args, tzinfo=NZ)


@pytest.mark.parametrize(
    "now,starts,words",
    [
        (nz(2026, 12, 10, 9, 5), nz(2026, 12, 11, 9, 30), "tomorrow at 9:30 am"),
        (nz(2026, 12, 10, 8, 5), nz(2026, 12, 10, 14, 0), "today at 2:00 pm"),
        (nz(2026, 12, 10, 8, 5), nz(2026, 12, 10, 10, 0), "in 2 hours, at 10:00 am"),
        (nz(2026, 12, 10, 12, 0), nz(2026, 12, 10, 13, 0), "in 1 hour, at 1:00 pm"),
        (nz(2026, 12, 10, 8, 45), nz(2026, 12, 10, 9, 30), "in 45 minutes"),
        (nz(2026, 12, 10, 9, 29), nz(2026, 12, 10, 9, 30), "in 1 minute"),
        (nz(2026, 12, 8, 9, 5), nz(2026, 12, 11, 9, 30), "on Friday 11 December at 9:30 am"),
        (nz(2026, 12, 30, 9, 5), nz(2027, 1, 4, 9, 30), "on Monday 4 January 2027 at 9:30 am"),
        # Across the clinic's midnight.
        (nz(2026, 12, 10, 23, 30), nz(2026, 12, 11, 0, 15), "in 45 minutes"),
        (nz(2026, 12, 10, 22, 5), nz(2026, 12, 11, 0, 30), "in 2 hours, at 12:30 am"),
        (nz(2026, 12, 10, 20, 0), nz(2026, 12, 11, 8, 0), "tomorrow at 8:00 am"),
        # Across UTC's midnight: 2:00 pm Thursday and 9:30 am Friday in Auckland are the same UTC day.
        (nz(2026, 12, 10, 14, 0), nz(2026, 12, 11, 9, 30), "tomorrow at 9:30 am"),
        # Across the daylight-saving change: Saturday is NZDT (+13), Sunday NZST (+12).
        (nz(2027, 4, 3, 11, 5), nz(2027, 4, 4, 9, 30), "tomorrow at 9:30 am"),
        # 1:00 am daylight time to 3:00 am standard time is three real hours, not two.
        (nz(2027, 4, 4, 1, 0), nz(2027, 4, 4, 3, 0), "today at 3:00 am"),
        (nz(2027, 4, 4, 1, 0), nz(2027, 4, 4, 2, 30, 0), "in 2 hours, at 2:30 am"),
    ],
)
def test_when_is_said_from_now_in_the_clinics_zone(app, now, starts, words):
    assert clinic_when(starts, now) == words


def test_without_a_moment_it_gives_the_whole_date(app):
    assert clinic_when(nz(2026, 3, 4, 9, 30)) == "on Wednesday 4 March 2026 at 9:30 am"


# ------------------------------------------------------------------ the reminders the scan writes


@pytest.fixture
def patient(app):
    return make_patient("Aroha", "Ngātiwai")


def book_at(people, patient, starts: datetime):
    """An appointment at `starts`, booked a week before (so every reminder is due)."""
    practitioner = practitioner_of(people["practitioner"])
    with time_machine.travel(starts - timedelta(days=7), tick=False):
        [slot] = slots.add_slots(practitioner.id, [slots.Span(starts, starts + timedelta(minutes=30))], by_user_id=None)
        return appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"]).appointment


def reminder(hours: int, at: datetime) -> EmailMessage:
    with time_machine.travel(at, tick=False):
        assert reminders.send_appointment_reminders(hours) == 1
    db.session.expire_all()
    [email] = db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "appointment_reminder")).all()
    return email


def test_the_24_hour_reminder_says_tomorrow_at_9_30(people, patient):
    book_at(people, patient, nz(2026, 12, 11, 9, 30))
    with time_machine.travel(nz(2026, 12, 10, 9, 5), tick=False):
        assert reminders.send_appointment_reminders(24) == 0  # 24 h 25 min ahead: the next scan's
    email = reminder(24, nz(2026, 12, 10, 10, 5))
    assert "your appointment at Harbourside Clinic is tomorrow at 9:30 am." in email.text
    assert "is tomorrow at 9:30 am.</p>" in email.html
    assert "See you tomorrow at 9:30 am with" in email.html  # the preview line agrees
    assert "hour" not in email.text.split("When:")[0]  # no "in about 24 hours"
    assert "Friday 11 December 2026, 9:30 am" in email.text  # the When row and subject keep the date
    assert email.subject == "Reminder: Drwho Person, Friday 11 December 2026, 9:30 am"


def test_the_2_hour_reminder_says_in_2_hours(people, patient):
    book_at(people, patient, nz(2026, 12, 11, 10, 0))
    email = reminder(2, nz(2026, 12, 11, 8, 5))
    assert "is in 2 hours, at 10:00 am." in email.text
    assert "tomorrow" not in email.text and "today" not in email.text


def test_a_reminder_written_the_evening_before_an_early_appointment(people, patient):
    book_at(people, patient, nz(2026, 12, 11, 8, 0))
    email = reminder(24, nz(2026, 12, 10, 20, 5))
    assert "is tomorrow at 8:00 am." in email.text


def test_a_reminder_across_the_daylight_saving_change(people, patient):
    # Booked for Sunday 9:30 am (standard time); the scan runs on Saturday at 11:05 am (daylight time).
    book_at(people, patient, nz(2027, 4, 4, 9, 30))
    email = reminder(24, nz(2027, 4, 3, 11, 5))
    assert "is tomorrow at 9:30 am." in email.text
    assert "Sunday 4 April 2027, 9:30 am" in email.text
