"""Calendar invitations: every .ics parses as a calendar app reads it, and the invitations
about one appointment share a UID and a rising SEQUENCE, so the patient's calendar
moves or removes its one entry instead of keeping the old one beside the new."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import EmailMessage
from dashboard.models.base import utcnow
from dashboard.notify.outbox import calendar_attachment
from dashboard.notify.samples import sample_context
from dashboard.services import appointments, reminders
from tests.factories import make_patient, make_slot, practitioner_of

AUCKLAND = ZoneInfo("Pacific/Auckland")
SENDER = "Ōtautahi Clinic <bookings@clinic.example.org>"


@pytest.fixture
def clinic_sender(app):
    app.config["MAIL_DEFAULT_SENDER"] = SENDER
    return app


def parse(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def invite(kind: str = "appointment_confirmation", **appointment) -> bytes:
    context = sample_context(kind)
    for name, value in appointment.items():
        setattr(context["appointment"], name, value)
    return calendar_attachment(kind, context).data


def test_a_confirmation_is_a_request_with_everything_a_calendar_needs(app, clinic_sender):
    context = sample_context("appointment_confirmation")
    attachment = calendar_attachment("appointment_confirmation", context)
    assert attachment.filename == "appointment.ics"
    assert attachment.content_type == "text/calendar; method=REQUEST; charset=utf-8"
    calendar, event = parse(attachment.data)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0" and "PRODID" in calendar

    # A sample has no id: its UID comes from its start; the domain is the sender's.
    assert event["UID"] == "appointment-20260303T2030@clinic.example.org"
    assert event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTAMP").tzinfo is not None
    organizer = event["ORGANIZER"]
    assert organizer == "mailto:bookings@clinic.example.org" and organizer.params["CN"] == app.config["CLINIC_NAME"]
    [attendee] = event.attendees
    assert attendee.email == context["patient"].email
    assert attendee.params["CN"] == "Aroha Ngata"
    assert attendee.params["RSVP"] == "FALSE" and attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert str(event["SUMMARY"]) == "Appointment with Dr Hannah Wilson"
    assert str(event["LOCATION"]) == f"{app.config['CLINIC_NAME']}, {app.config['CLINIC_ADDRESS']}"
    assert "Follow-up on blood test results" in event["DESCRIPTION"]
    assert app.config["CLINIC_PHONE"] in event["DESCRIPTION"]

    [alarm] = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY" and "Dr Hannah Wilson" in alarm["DESCRIPTION"]
    assert alarm.decoded("TRIGGER") == timedelta(hours=-1)
    assert b"\r\n" in attachment.data and b"\n" not in attachment.data.replace(b"\r\n", b"")


def test_a_cancellation_is_a_cancel_of_the_same_event_without_an_alarm(app, clinic_sender):
    attachment = calendar_attachment("appointment_cancelled", sample_context("appointment_cancelled"))
    assert attachment.content_type == "text/calendar; method=CANCEL; charset=utf-8"
    calendar, event = parse(attachment.data)
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert event["UID"] == parse(invite())[1]["UID"]
    assert "ORGANIZER" in event and len(event.attendees) == 1 and "SEQUENCE" in event
    assert event.walk("VALARM") == []


@pytest.mark.parametrize(
    "local_start,local_end,utc_start,utc_end",
    [
        # Saturday 3 April 2027: daylight time, UTC+13.
        ((2027, 4, 3, 9, 30), (2027, 4, 3, 10, 0), (2027, 4, 2, 20, 30), (2027, 4, 2, 21, 0)),
        # Monday 5 April 2027: standard time, UTC+12, after the clocks went back at 03:00 on the 4th.
        ((2027, 4, 5, 9, 30), (2027, 4, 5, 10, 0), (2027, 4, 4, 21, 30), (2027, 4, 4, 22, 0)),
        # 01:30 to 03:30 on the night itself: three real hours, not two.
        ((2027, 4, 4, 1, 30), (2027, 4, 4, 3, 30), (2027, 4, 3, 12, 30), (2027, 4, 3, 15, 30)),
    ],
)
def test_times_are_utc_across_new_zealands_daylight_saving_change(app, local_start, local_end, utc_start, utc_end):
    data = invite(
        starts_at=datetime(*local_start, tzinfo=AUCKLAND).astimezone(UTC),
        ends_at=datetime(*local_end, tzinfo=AUCKLAND).astimezone(UTC),
    )
    _, event = parse(data)
    assert event.decoded("DTSTART") == datetime(*utc_start, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(*utc_end, tzinfo=UTC)
    assert datetime(*utc_start).strftime("DTSTART:%Y%m%dT%H%M%SZ").encode() in data.split(b"\r\n")


def test_naive_times_are_taken_as_utc(app):
    _, event = parse(invite(starts_at=datetime(2026, 7, 1, 21, 0), ends_at=datetime(2026, 7, 1, 21, 30)))
    assert event.decoded("DTSTART") == datetime(2026, 7, 1, 21, 0, tzinfo=UTC)


def test_commas_semicolons_line_breaks_macrons_and_emoji_round_trip_in_folded_lines(app):
    app.config.update(CLINIC_NAME="Te Whare Hauora o Ōtautahi, Mere Pōmare; 🌿", CLINIC_ADDRESS="1 Kāinga St, Ōtautahi")
    reason = "Bring: referral, x-rays; and the form\\signed.\nSecond line — ēnei kupu Māori 🌿 " + "ā🌿" * 40
    context = sample_context("appointment_confirmation")
    context["appointment"].reason = reason
    context["appointment"].practitioner_name = "Dr Zoë Müller, Siobhán O'Brien; 🌿"
    context["patient"] = SimpleNamespace(name='Aroha Ngātiwai "Ro", 🌿; x', email="aroha@patients.example.org")
    data = calendar_attachment("appointment_confirmation", context).data

    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # folding never splits a character between two lines
    assert any(line.startswith(b" ") for line in lines)  # long lines were folded
    _, event = parse(data)
    assert event["DESCRIPTION"].startswith(f"Reason: {reason}\n")
    assert str(event["SUMMARY"]) == "Appointment with Dr Zoë Müller, Siobhán O'Brien; 🌿"
    assert str(event["LOCATION"]) == "Te Whare Hauora o Ōtautahi, Mere Pōmare; 🌿, 1 Kāinga St, Ōtautahi"
    assert event["ORGANIZER"].params["CN"] == "Te Whare Hauora o Ōtautahi, Mere Pōmare; 🌿"
    assert event.attendees[0].params["CN"] == 'Aroha Ngātiwai "Ro", 🌿; x'


def test_every_calendar_kind_in_the_gallery_parses(app):
    from dashboard.notify.kinds import KINDS

    methods = {kind.name: kind.calendar for kind in KINDS.values() if kind.calendar}
    assert methods == {
        "appointment_confirmation": "REQUEST",
        "appointment_reminder": "REQUEST",
        "reschedule_approved": "REQUEST",
        "appointment_cancelled": "CANCEL",
    }
    for kind, method in methods.items():
        calendar, _ = parse(calendar_attachment(kind, sample_context(kind)).data)
        assert calendar["METHOD"] == method


def test_the_emails_say_what_their_invitation_does(app):
    from dashboard.notify.render import render_email

    moved = render_email("reschedule_approved", sample_context("reschedule_approved"))
    cancelled = render_email("appointment_cancelled", sample_context("appointment_cancelled"))
    for body in (moved.text, moved.html):
        assert "it moves the entry in your calendar to the new time" in body and "please remove it" not in body
    for body in (cancelled.text, cancelled.html):
        assert "The attached calendar update removes the appointment from your calendar" in body


# ------------------------------------------------------------------ one appointment's invitations


@pytest.fixture
def booked(app, people, clinic_sender):
    """An appointment booked 20 hours ahead (as if booked days ago), and a later free slot."""
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Mere", "Pōmare", email="mere@patients.example.org")
    slot = make_slot(practitioner, starts_in=timedelta(hours=20))
    later = make_slot(practitioner, starts_in=timedelta(hours=30))
    appointment = appointments.book(
        patient_id=patient.id, slot_id=slot.id, by_user=people["staff"], reason="Check-up, x-rays; 🌿"
    ).appointment
    appointment.scheduled_at = utcnow() - timedelta(days=3)
    db.session.commit()
    return SimpleNamespace(appointment=appointment, later=later, staff=people["staff"])


def invitations(appointment_id: int) -> list[tuple[str, icalendar.Calendar, icalendar.Event]]:
    """(kind, calendar, event) for every email about the appointment with an .ics, oldest first,
    read back from the outbox's attachment rows."""
    db.session.expire_all()
    rows = db.session.scalars(
        select(EmailMessage).where(EmailMessage.appointment_id == appointment_id).order_by(EmailMessage.id)
    )
    found = []
    for message in rows:
        for attachment in message.attachments:
            if attachment.content_type.startswith("text/calendar"):
                calendar, event = parse(attachment.data)
                assert attachment.content_type == f"text/calendar; method={calendar['METHOD']}; charset=utf-8"
                found.append((message.kind, calendar, event))
    return found


def summary(found) -> list[tuple[str, str, int, datetime]]:
    return [(kind, str(c["METHOD"]), int(e["SEQUENCE"]), e.decoded("DTSTART")) for kind, c, e in found]


def test_one_appointments_invitations_share_a_uid_and_count_its_changes(booked):
    appointment, staff = booked.appointment, booked.staff
    first_start = appointment.starts_at
    assert reminders.send_appointment_reminders(24) == 1  # nothing changed: the same sequence

    request = appointments.request_reschedule(appointment.id, note="Later, please", by_user=staff)
    appointments.approve_reschedule(request.id, booked.later.id, staff)
    new_start = booked.later.starts_at
    appointment.scheduled_at = utcnow() - timedelta(days=3)
    db.session.commit()
    assert reminders.send_appointment_reminders(48) == 1  # the reminder for the new time repeats 1

    appointments.cancel(appointment.id, by_user=staff, reason="Dr Who is unwell.")

    found = invitations(appointment.id)
    assert summary(found) == [
        ("appointment_confirmation", "REQUEST", 0, first_start),
        ("appointment_reminder", "REQUEST", 0, first_start),
        ("reschedule_approved", "REQUEST", 1, new_start),
        ("appointment_reminder", "REQUEST", 1, new_start),
        ("appointment_cancelled", "CANCEL", 2, new_start),
    ]
    assert {str(e["UID"]) for _, _, e in found} == {f"appointment-{appointment.id}@clinic.example.org"}
    assert all(e.attendees[0].email == "mere@patients.example.org" for _, _, e in found)
    assert found[-1][2]["STATUS"] == "CANCELLED"
    assert appointment.calendar_sequence == 2


def test_a_request_confirmed_later_first_reaches_the_patient_as_sequence_0(booked, people):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Zoë", "Müller")
    pending = appointments.book(
        patient_id=patient.id,
        slot_id=make_slot(practitioner, starts_in=timedelta(days=4)).id,
        by_user=booked.staff,
        confirmed=False,
    ).appointment
    assert invitations(pending.id) == []  # a request is not in anyone's calendar yet

    # Moved before anyone confirmed it: the move is the first invitation, so still 0.
    request = appointments.request_reschedule(pending.id, note="", by_user=booked.staff)
    appointments.approve_reschedule(request.id, make_slot(practitioner, starts_in=timedelta(days=5)).id, booked.staff)
    assert [(kind, seq) for kind, _, seq, _ in summary(invitations(pending.id))] == [("reschedule_approved", 0)]

    other = appointments.book(
        patient_id=patient.id,
        slot_id=make_slot(practitioner, starts_in=timedelta(days=6)).id,
        by_user=booked.staff,
        confirmed=False,
    ).appointment
    appointments.confirm(other.id, by_user=booked.staff)
    appointments.cancel(other.id, by_user=booked.staff, reason="Not needed after all.")
    assert [(kind, method, seq) for kind, method, seq, _ in summary(invitations(other.id))] == [
        ("appointment_confirmation", "REQUEST", 0),
        ("appointment_cancelled", "CANCEL", 1),
    ]


def test_a_move_into_an_offered_earlier_time_updates_the_same_entry(booked, people):
    from dashboard.services import offers

    appointment = booked.appointment
    appointment.wants_earlier = True
    db.session.commit()
    sooner = make_slot(practitioner_of(people["practitioner"]), starts_in=timedelta(hours=10))
    assert offers.fan_out(appointment.practitioner_id, [sooner.id])["patients"] == 1
    offers.book(appointment.patient_id, sooner.id)

    (_, _, first), (kind, calendar, moved) = invitations(appointment.id)
    assert kind == "reschedule_approved" and calendar["METHOD"] == "REQUEST"
    assert moved["UID"] == first["UID"] and (first["SEQUENCE"], moved["SEQUENCE"]) == (0, 1)
    assert moved.decoded("DTSTART") == sooner.starts_at


def test_a_batch_builds_an_appointments_invitation_once_and_addresses_it_to_each(app):
    from dashboard.notify import ics
    from dashboard.notify.samples import sample_context

    appointment = sample_context("appointment_confirmation")["appointment"]
    people = [("aroha@patients.example.org", "Aroha Ngātiwai"), ("zoe@patients.example.org", 'Zoë "Z"; Müller, 🌿'),
              ("long." + "x" * 60 + "@patients.example.org", "Te Rangihīroa " * 6)]  # fmt: skip
    batch = ics.invitations("REQUEST", appointment, people)

    def without_stamp(data: bytes) -> bytes:
        return b"\r\n".join(line for line in data.split(b"\r\n") if not line.startswith(b"DTSTAMP"))

    for (address, name), data in zip(people, batch, strict=True):
        alone = ics.invitation("REQUEST", appointment, attendee=address, attendee_name=name)
        assert without_stamp(data) == without_stamp(alone)
        event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
        assert str(event["ATTENDEE"]) == f"mailto:{address}" and event["ATTENDEE"].params["CN"] == name
