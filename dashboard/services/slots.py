"""Practitioners' slots: adding, blocking, unblocking and removing them, and the open ones ahead.

Times come in as the clinic's wall-clock times (a date plus "09:00") and are
stored in UTC, converted day by day, so "every Tuesday at 09:00" stays at
09:00 on both sides of a daylight-saving change.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from dashboard import events
from dashboard.clinic_time import (
    SkippedTime,
    clinic_hour,
    describe,
    describe_time,
    local_to_utc,
)
from dashboard.extensions import db
from dashboard.models import Appointment, Offer, Slot, SlotStatus, User
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, rows_changed, unit_of_work
from dashboard.services.practitioners import lock_practitioner, practitioner_for

MAX_SLOTS_AT_ONCE = 500
MIN_SLOT_MINUTES = 5


# ------------------------------------------------------------------ adding slots


@dataclass(frozen=True)
class Span:
    starts_at: datetime
    ends_at: datetime


def add_slot(practitioner_id: int, day: date, start: time, end: time, *, by_user_id: int | None) -> Slot:
    [slot] = add_slots(practitioner_id, [span_on(day, start, end)], by_user_id=by_user_id)
    return slot


def recurring_spans(
    *, first_day: date, weeks: int, weekdays: set[int], start: time, end: time, minutes: int
) -> list[Span]:
    """Slots of `minutes` from `start` to `end` on the given weekdays (Monday = 0) for `weeks` weeks."""
    if not weekdays:
        raise ServiceError("Choose at least one day of the week.")
    if not 1 <= weeks <= 52:
        raise ServiceError("Repeat for between 1 and 52 weeks.")
    if minutes < MIN_SLOT_MINUTES:
        raise ServiceError(f"Slots must be at least {MIN_SLOT_MINUTES} minutes long.")
    if end <= start:
        raise ServiceError("The end time must be after the start time.")
    spans = []
    for offset in range(weeks * 7):
        day = first_day + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        begin = datetime.combine(day, start)
        while begin + timedelta(minutes=minutes) <= datetime.combine(day, end):
            finish = begin + timedelta(minutes=minutes)
            spans.append(span_on(day, begin.time(), finish.time()))
            begin = finish
    if not spans:
        raise ServiceError(f"No {minutes}-minute slot fits between {clinic_hour(start)} and {clinic_hour(end)}.")
    return spans


def add_recurring(
    practitioner_id: int,
    *,
    first_day: date,
    weeks: int,
    weekdays: set[int],
    start: time,
    end: time,
    minutes: int,
    by_user_id: int | None,
) -> list[Slot]:
    """The slots of `recurring_spans`, added all or none."""
    spans = recurring_spans(first_day=first_day, weeks=weeks, weekdays=weekdays, start=start, end=end, minutes=minutes)
    return add_slots(practitioner_id, spans, by_user_id=by_user_id)


@unit_of_work()
def add_slots(practitioner_id: int, spans: list[Span], *, by_user_id: int | None) -> list[Slot]:
    """Add open slots, all or none: any in the past or overlapping another refuses the lot."""
    if len(spans) > MAX_SLOTS_AT_ONCE:
        raise ServiceError(f"That is {len(spans)} slots; add at most {MAX_SLOTS_AT_ONCE} at once.")
    now = utcnow()
    spans = sorted(spans, key=lambda s: s.starts_at)
    for span in spans:
        if span.ends_at <= span.starts_at:
            raise ServiceError("The end time must be after the start time.")
        if span.starts_at <= now:
            raise ServiceError(f"{describe(span.starts_at)} is in the past; slots must start in the future.")
    for earlier, later in zip(spans, spans[1:], strict=False):
        if later.starts_at < earlier.ends_at:
            raise ServiceError(f"{describe(later.starts_at)} overlaps {describe(earlier.starts_at)}.")

    lock_practitioner(practitioner_id)
    clash = first_clash(practitioner_id, spans)
    if clash is not None:
        span, slot = clash
        raise ServiceError(
            f"{describe(span.starts_at)}–{describe_time(span.ends_at)} overlaps a slot that already exists "
            f"({describe(slot.starts_at)}–{describe_time(slot.ends_at)}). Nothing was added."
        )
    slots = [
        Slot(
            practitioner_id=practitioner_id,
            starts_at=span.starts_at,
            ends_at=span.ends_at,
            status=SlotStatus.OPEN,
            created_by_id=by_user_id,
        )
        for span in spans
    ]
    db.session.add_all(slots)
    db.session.flush()
    events.slots_opened.send(practitioner_id, slot_ids=[slot.id for slot in slots])
    return slots


def first_clash(practitioner_id: int, spans: list[Span]) -> tuple[Span, Slot] | None:
    """The first of `spans` that overlaps an existing slot of the practitioner, and that slot (one query)."""
    if not spans:
        return None
    lo, hi = min(s.starts_at for s in spans), max(s.ends_at for s in spans)
    existing = db.session.scalars(
        select(Slot)
        .where(Slot.practitioner_id == practitioner_id, Slot.starts_at < hi, Slot.ends_at > lo)
        .order_by(Slot.starts_at)
    ).all()
    for span in spans:
        for slot in existing:
            if slot.starts_at < span.ends_at and slot.ends_at > span.starts_at:
                return span, slot
    return None


def span_on(day: date, start: time, end: time) -> Span:
    if end <= start:
        raise ServiceError("The end time must be after the start time.")
    try:
        return Span(local_to_utc(day, start), local_to_utc(day, end))
    except SkippedTime as skipped:
        raise ServiceError(str(skipped)) from None


# ------------------------------------------------------------------ blocking and removing


def _managed_slot(slot_id: int, user: User) -> Slot:
    slot = db.session.get(Slot, slot_id)
    if slot is None:
        raise ServiceError("That slot no longer exists.")
    practitioner_for(user, slot.practitioner_id)  # refuses another practitioner's slot
    return slot


@unit_of_work()
def block_slot(slot_id: int, user: User) -> Slot:
    slot = _managed_slot(slot_id, user)
    if slot.starts_at <= utcnow():
        raise ServiceError("That slot has already started.")
    changed = rows_changed(
        update(Slot).where(Slot.id == slot_id, Slot.status == SlotStatus.OPEN).values(status=SlotStatus.BLOCKED)
    )
    if changed:
        events.slots_closed.send(slot.practitioner_id, slot_ids=[slot_id])
    if not changed:
        raise ServiceError(_why_not_open(slot))
    return slot


@unit_of_work()
def unblock_slot(slot_id: int, user: User) -> Slot:
    slot = _managed_slot(slot_id, user)
    if slot.starts_at <= utcnow():
        raise ServiceError("That slot has already started.")
    changed = rows_changed(
        update(Slot)
        .where(Slot.id == slot_id, Slot.status == SlotStatus.BLOCKED)
        .values(status=SlotStatus.OPEN, opened_at=utcnow(), offered_at=None)
    )
    if changed:
        events.slots_opened.send(slot.practitioner_id, slot_ids=[slot_id])
    if not changed:
        raise ServiceError("That slot is not blocked.")
    return slot


@unit_of_work()
def remove_slot(slot_id: int, user: User) -> None:
    """Delete an open or blocked slot; a booked one must be cancelled first. Past ones stay as history."""
    slot = _managed_slot(slot_id, user)
    if slot.starts_at <= utcnow():
        raise ServiceError("That slot is in the past; it stays as a record.")
    if slot.status == SlotStatus.BOOKED:
        raise ServiceError("That slot is booked; cancel its appointment first.")
    if db.session.scalar(select(Appointment.id).where(Appointment.slot_id == slot_id).limit(1)):
        raise ServiceError("That slot has a cancelled appointment on record; block it instead of removing it.")
    if db.session.scalar(select(Offer.id).where(Offer.slot_id == slot_id).limit(1)):
        raise ServiceError("That slot was offered to patients, and the record of it stays; block it instead.")
    deleted = rows_changed(
        Slot.__table__.delete().where(
            Slot.__table__.c.id == slot_id, Slot.__table__.c.status.in_([SlotStatus.OPEN, SlotStatus.BLOCKED])
        )
    )
    if not deleted:
        raise ServiceError(_why_not_open(slot))


def _why_not_open(slot: Slot) -> str:
    db.session.refresh(slot)
    if slot.status == SlotStatus.BOOKED:
        return "That slot is booked; cancel its appointment first."
    if slot.status == SlotStatus.BLOCKED:
        return "That slot is already blocked."
    return "That slot can't be changed."


# ------------------------------------------------------------------ reading


def open_slots(practitioner_id: int, *, limit: int = 20, after: datetime | None = None) -> list[Slot]:
    return list(
        db.session.scalars(
            select(Slot)
            .where(
                Slot.practitioner_id == practitioner_id,
                Slot.status == SlotStatus.OPEN,
                Slot.starts_at > (after or utcnow()),
            )
            .order_by(Slot.starts_at)
            .limit(limit)
        )
    )
