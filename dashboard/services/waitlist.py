"""Practitioners' waiting lists: who is waiting, in what order, until when.

Order is urgent first, then the desk's order (`position`), which starts as
the order people were added, so by default the longest waiting comes first.
An entry ends when the patient books with that practitioner, on its expiry
date, or when the desk removes it.

What the desk and the patients' links call owns its transaction (`unit_of_work`); `booked`
writes in its caller's. A duplicate entry is refused inside a savepoint, so it never rolls
back a caller's work.
"""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import Patient, User, WaitlistEntry
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, practitioners, unit_of_work

PREFERENCES_LENGTH = 200


def entries(practitioner_id: int) -> list[WaitlistEntry]:
    """The open entries, in the order offers go out."""
    expire()
    return list(
        db.session.scalars(
            select(WaitlistEntry)
            .options(joinedload(WaitlistEntry.patient))
            .where(WaitlistEntry.practitioner_id == practitioner_id, WaitlistEntry.ended_at.is_(None))
            .order_by(WaitlistEntry.urgent.desc(), WaitlistEntry.position, WaitlistEntry.id)
        )
    )


@unit_of_work()
def add(
    practitioner_id: int,
    patient_id: int,
    *,
    by_user: User,
    urgent: bool = False,
    preferences: str = "",
    expires_on: date | None = None,
) -> WaitlistEntry:
    practitioners.practitioner_for(by_user, practitioner_id)
    if db.session.get(Patient, patient_id) is None:
        raise ServiceError("Choose a patient.")
    if expires_on is not None and expires_on < clinic_today():
        raise ServiceError("The end date is in the past.")
    entry = WaitlistEntry(
        practitioner_id=practitioner_id,
        patient_id=patient_id,
        urgent=urgent,
        preferences=(preferences or "").strip()[:PREFERENCES_LENGTH],
        expires_on=expires_on,
        position=_next_position(practitioner_id),
        created_by_id=by_user.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise ServiceError("That patient is already on this waiting list.") from None
    return entry


@unit_of_work()
def keep(patient_id: int, practitioner_id: int) -> tuple[WaitlistEntry, bool]:
    """The patient's own "keep me on the waiting list" (from an offer they couldn't book): their
    open entry with the practitioner, or a new one at the end of the line. True if it is new."""
    expire()  # an entry past its end date doesn't count: they get a new one
    entry = _open_for(patient_id, practitioner_id)
    if entry is not None:
        return entry, False
    entry = WaitlistEntry(
        practitioner_id=practitioner_id, patient_id=patient_id, position=_next_position(practitioner_id)
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # the same button, pressed twice at once: the other press added it
        added = _open_for(patient_id, practitioner_id)
        if added is None:  # and it ended in between
            raise ServiceError("That patient is already on this waiting list.") from None
        return added, False
    return entry, True


def _open_for(patient_id: int, practitioner_id: int) -> WaitlistEntry | None:
    return db.session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.patient_id == patient_id,
            WaitlistEntry.practitioner_id == practitioner_id,
            WaitlistEntry.ended_at.is_(None),
        )
    )


def _next_position(practitioner_id: int) -> int:
    last = db.session.scalar(
        select(func.max(WaitlistEntry.position)).where(WaitlistEntry.practitioner_id == practitioner_id)
    )
    return (last or 0) + 1


def _open_entry(entry_id: int, by_user: User) -> WaitlistEntry:
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.ended_at is not None:
        raise ServiceError("That patient is no longer on the waiting list.")
    practitioners.practitioner_for(by_user, entry.practitioner_id)
    return entry


@unit_of_work()
def move(entry_id: int, direction: int, *, by_user: User) -> WaitlistEntry:
    """Swap an entry with its neighbour above (direction -1) or below (+1) among the same urgency."""
    entry = _open_entry(entry_id, by_user)
    group = [e for e in entries(entry.practitioner_id) if e.urgent == entry.urgent]
    index = next((i for i, e in enumerate(group) if e.id == entry.id), None)
    if index is None:  # it ended (reached its end date) as the list was read
        raise ServiceError("That patient is no longer on the waiting list.")
    other_index = index + (1 if direction > 0 else -1)
    if not 0 <= other_index < len(group):
        return entry
    other = group[other_index]
    entry.position, other.position = other.position, entry.position
    if entry.position == other.position:  # equal positions (never reordered): make them distinct
        entry.position += 1 if direction > 0 else -1
    return entry


@unit_of_work()
def set_urgent(entry_id: int, urgent: bool, *, by_user: User) -> WaitlistEntry:
    entry = _open_entry(entry_id, by_user)
    entry.urgent = urgent
    return entry


@unit_of_work()
def remove(entry_id: int, *, by_user: User) -> WaitlistEntry:
    entry = _open_entry(entry_id, by_user)
    _end([entry.id], "removed")
    return entry


def booked(patient_id: int, practitioner_id: int) -> None:
    """The patient booked with the practitioner: their entry ends (in the caller's transaction)."""
    ids = db.session.scalars(
        select(WaitlistEntry.id).where(
            WaitlistEntry.patient_id == patient_id,
            WaitlistEntry.practitioner_id == practitioner_id,
            WaitlistEntry.ended_at.is_(None),
        )
    ).all()
    _end(ids, "booked")


@unit_of_work()
def expire() -> int:
    """Entries past their end date end; returns how many."""
    ids = db.session.scalars(
        select(WaitlistEntry.id).where(WaitlistEntry.ended_at.is_(None), WaitlistEntry.expires_on < clinic_today())
    ).all()
    _end(ids, "expired")
    return len(ids)


def _end(ids: Sequence[int], reason: str) -> None:
    if ids:
        db.session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id.in_(ids), WaitlistEntry.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
            .execution_options(synchronize_session=False)
        )
