"""Calendar invitations (.ics) for appointment emails."""

from datetime import datetime

from flask import current_app
from icalendar import Calendar, Event

from dashboard.models.base import utcnow


def appointment_invite(
    *, uid: str, starts_at: datetime, ends_at: datetime, summary: str, description: str = ""
) -> bytes:
    config = current_app.config
    calendar = Calendar()
    calendar.add("prodid", f"-//{config['CLINIC_NAME']}//Clinic dashboard//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("location", f"{config['CLINIC_NAME']}, {config['CLINIC_ADDRESS']}")
    if description:
        event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical()
