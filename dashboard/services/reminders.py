"""Appointment reminders: every confirmed appointment starting within the next
N hours gets one reminder per lead time, however often the scan runs.

The dedupe key names the appointment, the lead time and the start time, so a
second scan (or a second machine) writes nothing new, and an appointment that
is moved gets a reminder for its new time. An appointment booked (or moved)
after its reminder moment had passed gets none: its confirmation was sent
moments before. Hours are real elapsed hours (times are UTC), so a reminder
24 hours ahead is right across a daylight-saving change. The email words the
time from the moment it is written, in the clinic's zone ("tomorrow at
9:30 am", "in 2 hours, at 2:00 pm"), never from the lead time.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dashboard import notify, patient_links
from dashboard.extensions import db
from dashboard.models import Appointment, AppointmentStatus
from dashboard.models.base import utcnow
from dashboard.services import unit_of_work
from dashboard.settings import setting

log = logging.getLogger(__name__)

BATCH = 1000


def lead_times() -> list[int]:
    """REMINDER_HOURS as whole hours, e.g. "24,2" → [24, 2]."""
    hours = []
    for part in str(setting("REMINDER_HOURS")).split(","):
        if part.strip():
            value = int(part)
            if value <= 0:
                raise ValueError(f"REMINDER_HOURS must be positive hours, not {part!r}")
            hours.append(value)
    return hours


def reminder_key(appointment: Appointment, hours: int) -> str:
    return f"appointment:{appointment.id}:reminder:{hours}h:{appointment.starts_at:%Y%m%dT%H%MZ}"


def send_appointment_reminders(hours: int, *, now: datetime | None = None) -> int:
    """Write the reminders due for confirmed appointments starting within `hours`; returns how many."""
    if hours <= 0:
        raise ValueError("hours must be positive")
    now = now or utcnow()
    with unit_of_work():
        due = db.session.scalars(
            select(Appointment)
            .options(joinedload(Appointment.patient), joinedload(Appointment.practitioner))
            .where(
                Appointment.status == AppointmentStatus.CONFIRMED,
                Appointment.starts_at > now,
                Appointment.starts_at <= now + timedelta(hours=hours),
            )
            .order_by(Appointment.starts_at)
        ).all()
        lead = timedelta(hours=hours)
        messages = [
            notify.Message(
                to=appointment.patient.email,
                context={
                    "patient": appointment.patient,
                    "appointment": appointment,
                    "written_at": now,  # the email says "tomorrow at 9:30 am" from this moment
                    **patient_links.for_appointment(appointment.id, appointment.patient_id),
                    **patient_links.for_optional_email("appointment_reminder", appointment.patient_id),
                },
                dedupe_key=reminder_key(appointment, hours),
                patient_id=appointment.patient_id,
                appointment_id=appointment.id,
            )
            for appointment in due
            if appointment.scheduled_at <= appointment.starts_at - lead  # booked in time for this reminder
        ]
        written = 0
        for start in range(0, len(messages), BATCH):
            written += len(notify.emails("appointment_reminder", messages[start : start + BATCH]))
    log.info("reminders %sh ahead: %d due, %d written", hours, len(messages), written)
    return written
