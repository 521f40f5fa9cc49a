"""A practitioner's week at a glance: their slots Monday to Sunday, in the clinic's days, with who booked what."""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from dashboard.clinic_time import clinic_today, clinic_zone, local_to_utc
from dashboard.extensions import db
from dashboard.models import ACTIVE, Appointment, AppointmentStatus, Practitioner, Slot


@dataclass
class Day:
    day: date
    slots: list[Slot] = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.day == clinic_today()


@dataclass
class Week:
    practitioner: Practitioner
    monday: date
    days: list[Day]
    appointments: dict[int, Appointment]  # by slot id, the live ones

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)

    def count(self, status: str) -> int:
        return sum(1 for d in self.days for s in d.slots if s.status == status)


def week(practitioner: Practitioner, any_day: date) -> Week:
    """The practitioner's slots Monday to Sunday of the week holding `any_day`, with who booked what."""
    monday = any_day - timedelta(days=any_day.weekday())
    start = local_to_utc(monday, time(0))
    end = local_to_utc(monday + timedelta(days=7), time(0))
    slots = db.session.scalars(
        select(Slot)
        .where(Slot.practitioner_id == practitioner.id, Slot.starts_at >= start, Slot.starts_at < end)
        .order_by(Slot.starts_at)
    ).all()
    appointments = db.session.scalars(
        select(Appointment)
        .options(joinedload(Appointment.patient))
        .where(
            and_(
                Appointment.slot_id.in_([s.id for s in slots]),
                Appointment.status.in_([*ACTIVE, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW]),
            )
        )
    ).all()
    zone = clinic_zone()
    days = [Day(monday + timedelta(days=i)) for i in range(7)]
    for slot in slots:
        days[(slot.starts_at.astimezone(zone).date() - monday).days].slots.append(slot)
    return Week(practitioner, monday, days, {a.slot_id: a for a in appointments if a.slot_id is not None})
