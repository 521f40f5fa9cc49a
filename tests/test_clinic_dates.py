"""One date style for the clinic, without leading zeros, in pages and emails alike."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from flask import g
from sqlalchemy import select

from dashboard import clinic_time
from dashboard.clinic_time import describe, describe_time
from dashboard.extensions import db
from dashboard.models import EmailMessage, Slot
from dashboard.services import appointments, slots
from tests.conftest import PASSWORD, AuthActions
from tests.factories import make_patient, practitioner_of

NZ = ZoneInfo("Pacific/Auckland")
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# "04 March", "Fri 04 Dec", "09:05 am": a day or an hour with a leading zero, as a person would read it.
LEADING_ZERO = re.compile(rf"\b0[1-9] (?:{MONTHS})|\b0[1-9]:[0-5][0-9] ?[ap]m|(?:{MONTHS})[a-z]* 0[1-9]\b")


def test_the_style_is_the_emails_and_its_short_forms_come_from_the_same_module(app):
    friday = datetime(2026, 12, 4, 9, 30, tzinfo=NZ)
    assert clinic_time.clinic_datetime(friday) == "Friday 4 December 2026, 9:30 am"
    assert clinic_time.clinic_date(friday) == "Friday 4 December 2026"
    assert clinic_time.clinic_date(friday.date(), weekday=False) == "4 December 2026"
    assert clinic_time.clinic_hour(friday) == "9:30 am"
    assert clinic_time.clinic_hour(time(0, 5)) == "12:05 am"
    assert clinic_time.clinic_time(friday) == "Fri 4 Dec 2026, 9:30 am"
    assert clinic_time.clinic_time(friday, year=False) == "Fri 4 Dec, 9:30 am"
    assert clinic_time.clinic_short_date(friday.date(), weekday=False) == "4 Dec 2026"
    assert describe(friday) == "Fri 4 Dec at 9:30 am"
    assert describe_time(friday + timedelta(minutes=30)) == "10:00 am"
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=NZ), tick=False):
        assert clinic_time.clinic_today() == date(2026, 12, 2)
    with time_machine.travel(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), tick=False):
        assert clinic_time.clinic_today() == date(2026, 12, 2)  # already the 2nd in Auckland


def test_a_clock_change_refusal_names_the_day_in_the_same_style(app):
    # Clocks go forward at 2:00 am on Sunday 26 September 2027: 2:30 am does not exist that night.
    try:
        slots.span_on(date(2027, 9, 26), time(2, 30), time(3, 0))
    except slots.ServiceError as refused:
        assert str(refused) == "2:30 am does not exist on Sunday 26 September 2027: the clocks change that night."
    else:
        raise AssertionError("2:30 am on the night the clocks go forward was accepted")


def test_days_one_to_nine_have_no_leading_zero_in_pages_and_emails(app, people):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Ngaire", "Pōmare")
    starts = [datetime(2027, 3, day, 9, 5, tzinfo=NZ) for day in range(1, 10)]  # Monday 1 to Tuesday 9 March
    with time_machine.travel(datetime(2027, 2, 26, 8, 0, tzinfo=NZ), tick=False) as clock:
        for start in starts:
            db.session.add(Slot(practitioner_id=practitioner.id, starts_at=start, ends_at=start + timedelta(minutes=5)))
        db.session.commit()
        slots = db.session.scalars(select(Slot).order_by(Slot.starts_at)).all()
        booked = [appointments.book(patient_id=patient.id, slot_id=s.id, by_user=people["staff"]) for s in slots]

        for start, made in zip(starts, booked, strict=True):
            clock.move_to(start - timedelta(hours=2))  # 7:05 am that day in Auckland
            for kept in ("_login_user", "csrf_token"):  # requests share this test's app context, and its `g`
                g.pop(kept, None)
            client = app.test_client()  # a new browser each morning (yesterday's session has expired)
            AuthActions(client).login("sam", PASSWORD)
            home = client.get("/home").get_data(as_text=True)
            assert f"{start:%A} {start.day} March 2027" in home
            detail = client.get(f"/appointments/{made.appointment.id}").get_data(as_text=True)
            assert f"{start:%A} {start.day} March 2027, 9:05 am" in detail
            assert "Booked Fri 26 Feb 2027, 8:00 am" in detail  # the short form, a table's
            for page in (home, detail):
                assert not LEADING_ZERO.search(page), LEADING_ZERO.search(page).group(0)

    emails = db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "appointment_confirmation")).all()
    assert len(emails) == 9
    for start, email in zip(starts, sorted(emails, key=lambda e: e.id), strict=True):
        assert f"{start:%A} {start.day} March 2027, 9:05 am" in email.text
        for part in (email.subject, email.text, email.html):
            assert not LEADING_ZERO.search(part), LEADING_ZERO.search(part).group(0)
