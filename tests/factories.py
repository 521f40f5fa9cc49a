"""Rows the schedule tests need, made through the services where there is one."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Patient, Practitioner, Slot, SlotStatus, User
from dashboard.models.base import utcnow

_numbers = count(1)


def practitioner_of(user: User) -> Practitioner:
    return db.session.scalar(select(Practitioner).where(Practitioner.user_id == user.id))


def make_patient(first_name: str = "Aroha", last_name: str | None = None, email: str | None = "") -> Patient:
    n = next(_numbers)
    patient = Patient(
        first_name=first_name,
        last_name=last_name or f"Patient{n}",
        email=f"patient{n}@patients.example.org" if email == "" else email,
        phone="+64 21 555 0100",
    )
    db.session.add(patient)
    db.session.commit()
    return patient


def make_slot(
    practitioner: Practitioner, *, starts_in: timedelta = timedelta(days=2), minutes: int = 30, status=SlotStatus.OPEN
) -> Slot:
    """A slot written directly (so tests can put one anywhere, even in the past)."""
    start = (utcnow() + starts_in).replace(second=0, microsecond=0)
    slot = Slot(
        practitioner_id=practitioner.id, starts_at=start, ends_at=start + timedelta(minutes=minutes), status=status
    )
    db.session.add(slot)
    db.session.commit()
    return slot


def next_weekday(weekday: int, zone: str = "Pacific/Auckland") -> date:
    """The next date (after today in `zone`) that falls on `weekday` (Monday = 0)."""
    today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


__all__ = ["make_patient", "make_slot", "next_weekday", "practitioner_of", "time"]
