"""Calendar invitations for appointment emails: iCalendar (RFC 5545) sent as
iTIP over email (RFC 5546), built with the icalendar library.

Every email about one appointment carries the same UID, so the patient's
calendar keeps one entry for it: a REQUEST adds the entry or, with a higher
SEQUENCE, moves it; a CANCEL with a higher SEQUENCE removes it. The sequence
is the appointment's `calendar_sequence`, which the appointment services
raise with each change to an invitation the patient already holds (a move, a
cancellation); a reminder repeats it, because nothing changed.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import STATUS as EVENT_STATUS
from icalendar import Alarm, Calendar, Event, vCalAddress

from dashboard.models.base import utcnow
from dashboard.notify import mime
from dashboard.settings import setting

REQUEST = "REQUEST"
CANCEL = "CANCEL"
STATUS = {REQUEST: EVENT_STATUS.CONFIRMED, CANCEL: EVENT_STATUS.CANCELLED}
FILENAME = "appointment.ics"
ALARM_BEFORE = timedelta(hours=1)


def content_type(method: str) -> str:
    """What the attachment is labelled: mail clients read the method here, not in the file."""
    return f"text/calendar; method={method}; charset=utf-8"


def uid(appointment) -> str:
    """The same for every email about one appointment. A sample (no id, in previews) is named by its start."""
    part = getattr(appointment, "id", None) or _utc(appointment.starts_at).strftime("%Y%m%dT%H%M")
    return f"appointment-{part}@{mime.message_id_domain()}"


def invitation(method: str, appointment, *, attendee: str, attendee_name: str = "") -> bytes:
    """The .ics for `appointment` (an Appointment, or a sample with the same attributes) sent to
    the address `attendee`: calendars match that address to the mailbox the invitation is in."""
    return invitations(method, appointment, [(attendee, attendee_name)])[0]


def invitations(method: str, appointment, attendees: Sequence[tuple[str, str]]) -> list[bytes]:
    """The invitation to each (address, name) in `attendees`. The calendar is built and
    serialized once, and only its ATTENDEE line, which icalendar writes for each, differs:
    a batch that tells many people of one appointment pays for one invitation."""
    calendar, event = _calendar(method, appointment)
    if len(attendees) == 1:
        address, name = attendees[0]
        event.add("attendee", _attendee(address, name))
        return [calendar.to_ical()]
    event.add("attendee", _attendee(PLACEHOLDER, ""))
    data = calendar.to_ical()
    placeholder = _attendee_line(event, PLACEHOLDER, "")
    if data.count(placeholder) != 1:  # never expected: then build each in full
        return [invitation(method, appointment, attendee=a, attendee_name=n) for a, n in attendees]
    return [data.replace(placeholder, _attendee_line(event, address, name)) for address, name in attendees]


PLACEHOLDER = "attendee@attendee.invalid"


def _attendee(address: str, name: str) -> vCalAddress:
    return vCalAddress.new(address, cn=name or None, role="REQ-PARTICIPANT", rsvp=False)


def _attendee_line(event: Event, address: str, name: str) -> bytes:
    """The ATTENDEE content line as icalendar writes it (escaped and folded), with its line end."""
    return event.content_line("ATTENDEE", _attendee(address, name)).to_ical() + b"\r\n"


def _calendar(method: str, appointment) -> tuple[Calendar, Event]:
    if method not in STATUS:
        raise ValueError(f"unknown calendar method {method!r}")
    clinic = setting("CLINIC_NAME")
    summary = f"Appointment with {appointment.practitioner_name}"
    reason = getattr(appointment, "reason", "") or ""
    call = "To book again" if method == CANCEL else "To change or cancel"
    description = (f"Reason: {reason}\n\n" if reason else "") + f"{call}, call {clinic} on {setting('CLINIC_PHONE')}."
    event = Event.new(
        uid=uid(appointment),
        sequence=appointment.calendar_sequence,
        stamp=utcnow(),
        start=_utc(appointment.starts_at),
        end=_utc(appointment.ends_at),
        summary=summary,
        location=f"{clinic}, {setting('CLINIC_ADDRESS')}",
        description=description,
        status=STATUS[method],
        organizer=vCalAddress.new(mime.sender_address(), cn=clinic),
    )
    if method == REQUEST:  # a cancelled appointment needs no reminder
        event.add_component(Alarm.new_display(f"{summary} at {clinic} in one hour", -ALARM_BEFORE))
    calendar = Calendar.new(method=method, prodid=f"-//{clinic}//Clinic dashboard//EN", subcomponents=[event])
    calendar.uid = None  # Calendar.new names the calendar with a random UID; the event's is the one that matters
    return calendar, event


def _utc(value: datetime) -> datetime:
    """Naive values are taken as UTC, as the database stores them."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
