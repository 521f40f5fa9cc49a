"""Calendar invitations: what we write by hand parses as the calendar apps will read it."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar

from dashboard.notify import ics


def invite(**overrides) -> bytes:
    fields = {
        "uid": "appointment-42@harbourside-clinic",
        "starts_at": datetime(2026, 3, 4, 9, 30, tzinfo=ZoneInfo("Pacific/Auckland")),
        "ends_at": datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("Pacific/Auckland")),
        "summary": "Appointment with Dr Hannah Wilson",
        "description": "Follow-up on blood test results",
    }
    fields.update(overrides)
    return ics.appointment_invite(**fields)


def only_event(data: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return event


def test_the_invitation_parses_with_times_in_utc(app):
    data = invite()
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["METHOD"] == "PUBLISH" and calendar["VERSION"] == "2.0"
    event = only_event(data)
    assert event["UID"] == "appointment-42@harbourside-clinic"
    # 09:30 in Auckland in March (daylight time, UTC+13) is 20:30 UTC the day before.
    assert event.decoded("DTSTART") == datetime(2026, 3, 3, 20, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 3, 3, 21, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Appointment with Dr Hannah Wilson"
    assert str(event["LOCATION"]) == f"{app.config['CLINIC_NAME']}, {app.config['CLINIC_ADDRESS']}"
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_naive_times_are_taken_as_utc(app):
    event = only_event(invite(starts_at=datetime(2026, 7, 1, 21, 0), ends_at=datetime(2026, 7, 1, 21, 30)))
    assert event.decoded("DTSTART") == datetime(2026, 7, 1, 21, 0, tzinfo=UTC)


def test_special_characters_and_long_lines_survive(app):
    description = "Bring: referral, x-rays; and the form\\signed.\nSecond line — ēnei kupu Māori " + "ā" * 80
    data = invite(description=description, summary="Check-up, follow-up; Dr Ōkafor")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    data.decode("utf-8")  # folding never splits a character
    event = only_event(data)
    assert str(event["DESCRIPTION"]) == description
    assert str(event["SUMMARY"]) == "Check-up, follow-up; Dr Ōkafor"


def test_no_description_no_property(app):
    assert b"DESCRIPTION" not in invite(description="")
