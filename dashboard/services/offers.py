"""New availability, offered to the patients waiting for it.

When slots open (added, or freed by a cancellation, a move or an unblock),
the change records them on the session and, after it commits, the
practitioner's fan-out is scheduled: the request returns at once. Openings
are coalesced: the first one for a practitioner opens a window of
OFFER_COALESCE_SECONDS and schedules one job at its end; later ones while it
is open only find that job coming. So a morning of cancellations reaches each
patient as one email per window, not one per cancellation (0: one job per
commit, queued at once). The job (`fan_out`) takes every slot of theirs still
owed an offer, finds who is interested (their waiting list, pending requests
with them, confirmed appointments marked "earlier, please"; never someone who
unsubscribed from these emails) and, in the clinic's OFFER_MODE:

- "everyone" (the default, first come first served): every interested
  patient gets one email with up to five open times and a booking link for
  each, and a message on their own page;
- "one_at_a_time": each new slot is held for the top of the list (urgent
  first, then the desk's order, by default the longest waiting) for
  OFFER_HOLD_MINUTES; when a hold runs out or is declined, `advance` (on the
  cron every minute) offers the slot to the next person.

Every offer is a row: who was offered which slot, when, in what order, and
how it ended. A slot whose offers were never sent (Redis was down, a worker
died) has `offered_at` NULL and the cron sends them late rather than never,
once its window (and a margin) has passed.
"""

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import event, func, insert, null, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from dashboard import notify, patient_links, queues
from dashboard.clinic_time import clinic_today, describe
from dashboard.extensions import db
from dashboard.models import (
    OPEN_OFFERS,
    Appointment,
    AppointmentStatus,
    InterestReason,
    Offer,
    OfferStatus,
    Patient,
    PatientEmailPreference,
    PatientMessage,
    Practitioner,
    Slot,
    SlotStatus,
    WaitlistEntry,
)
from dashboard.models.base import utcnow
from dashboard.navigation import path_for
from dashboard.services import ServiceError, appointments, unit_of_work, waitlist
from dashboard.services import schedule as slots
from dashboard.wording import plural

log = logging.getLogger(__name__)

EVERYONE, ONE_AT_A_TIME = "everyone", "one_at_a_time"
MODES = (EVERYONE, ONE_AT_A_TIME)
SHOWN = 5  # open times per email
BATCH = 1000  # patients per transaction in a fan-out
OPENED = "slots_opened"  # session.info key: (practitioner_id, slot_id) to offer after commit
FAN_OUT_JOB = "dashboard.jobs.offers.fan_out"
# A window's job that runs this late still ends its own window (the Redis key outlives the
# window by this much), and the cron leaves an opening alone until its window and this have
# passed: by then the job has run, or it never will.
CATCH_UP_MARGIN = timedelta(minutes=1)


def mode() -> str:
    value = current_app.config["OFFER_MODE"]
    return value if value in MODES else EVERYONE


# ------------------------------------------------------------------ slots opening


def opened(practitioner_id: int, slot_ids: list[int]) -> None:
    """Call in the transaction that opens these slots: their offers are queued once it commits."""
    db.session.info.setdefault(OPENED, set()).update((practitioner_id, slot_id) for slot_id in slot_ids)


def coalesce_seconds() -> int:
    return max(0, current_app.config["OFFER_COALESCE_SECONDS"])


def window_key(practitioner_id: int) -> str:
    """The Redis key that says a practitioner's fan-out is already coming."""
    return f"dashboard:offers:window:{practitioner_id}"


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session: Session) -> None:
    pending = session.info.pop(OPENED, None)
    if not pending:
        return
    by_practitioner: dict[int, list[int]] = defaultdict(list)
    for practitioner_id, slot_id in pending:
        by_practitioner[practitioner_id].append(slot_id)
    window = coalesce_seconds()
    for practitioner_id, slot_ids in by_practitioner.items():
        if not window:
            queues.enqueue(FAN_OUT_JOB, practitioner_id, sorted(slot_ids), queue="default")
            continue
        # The job takes every slot still owed an offer, so an opening in an open window
        # needs nothing more: its slot's `offered_at` is NULL, and the job reads that.
        ttl = window + CATCH_UP_MARGIN.total_seconds()
        queues.open_window(window_key(practitioner_id), window, FAN_OUT_JOB, practitioner_id, ttl=ttl)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(OPENED, None)


# ------------------------------------------------------------------ who is interested


@dataclass(frozen=True)
class Person:
    """What an offer needs of a patient, copied out of the ORM: a fan-out commits every
    batch, and ORM objects would then be reloaded one by one (thousands of SELECTs)."""

    id: int
    first_name: str
    last_name: str
    email: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @classmethod
    def of(cls, patient: Patient) -> "Person":
        return cls(patient.id, patient.first_name, patient.last_name, patient.email)


@dataclass
class Interest:
    patient: Person
    reason: str
    source_id: int
    urgent: bool = False
    order: int = 0  # within urgency: requests first, then the waiting list in the desk's order, then "earlier"
    since: datetime | None = None
    before: datetime | None = None  # "earlier, please": only times before their appointment

    def wants(self, slot: Slot) -> bool:
        return self.before is None or slot.starts_at < self.before


def interested(practitioner_id: int, *, now: datetime | None = None) -> list[Interest]:
    """Everyone waiting for this practitioner, once each, best reason first, in offer order (3 queries)."""
    now = now or utcnow()
    today = clinic_today()
    found: list[Interest] = []
    for appointment in db.session.scalars(
        select(Appointment)
        .options(joinedload(Appointment.patient))
        .where(
            Appointment.practitioner_id == practitioner_id,
            Appointment.starts_at > now,
            (Appointment.status == AppointmentStatus.PENDING)
            | ((Appointment.status == AppointmentStatus.CONFIRMED) & Appointment.wants_earlier.is_(True)),
        )
    ):
        pending = appointment.status == AppointmentStatus.PENDING
        found.append(
            Interest(
                Person.of(appointment.patient),
                InterestReason.REQUEST if pending else InterestReason.EARLIER,
                appointment.id,
                order=0 if pending else 10**9,
                since=appointment.created_at,
                before=None if pending else appointment.starts_at,
            )
        )
    # Columns, not ORM rows: a waiting list can be thousands long.
    for entry in db.session.execute(
        select(
            WaitlistEntry.id,
            WaitlistEntry.urgent,
            WaitlistEntry.position,
            WaitlistEntry.created_at,
            Patient.id.label("patient_id"),
            Patient.first_name,
            Patient.last_name,
            Patient.email,
        )
        .join(Patient, Patient.id == WaitlistEntry.patient_id)
        .where(
            WaitlistEntry.practitioner_id == practitioner_id,
            WaitlistEntry.ended_at.is_(None),
            (WaitlistEntry.expires_on.is_(None)) | (WaitlistEntry.expires_on >= today),
        )
    ):
        found.append(
            Interest(
                Person(entry.patient_id, entry.first_name, entry.last_name, entry.email),
                InterestReason.WAITLIST,
                entry.id,
                urgent=entry.urgent,
                order=entry.position,
                since=entry.created_at,
            )
        )
    declined = set(
        db.session.scalars(
            select(PatientEmailPreference.patient_id).where(
                PatientEmailPreference.kind == "new_availability", PatientEmailPreference.email.is_(False)
            )
        )
    )
    found.sort(key=lambda i: (not i.urgent, i.order, i.since or now, i.patient.id))
    seen: set[int] = set()
    people = []
    for interest in found:
        if interest.patient.id not in seen and interest.patient.id not in declined:
            seen.add(interest.patient.id)
            people.append(interest)
    return people


# ------------------------------------------------------------------ the fan-out job


def fan_out(practitioner_id: int, slot_ids: list[int] | None = None) -> dict:
    """Offer the practitioner's slots still owed an offer (open, ahead, `offered_at` NULL) to
    everyone interested: those among `slot_ids`, or, at the end of a coalescing window
    (None), all of them. Safe to run twice: a second run finds them offered."""
    if slot_ids is None:
        # Before reading the slots: an opening committed after this opens the next window
        # (and is offered by its job, if this one doesn't already take it).
        queues.close_window(window_key(practitioner_id))
    practitioner = db.session.get(Practitioner, practitioner_id)
    owed = select(Slot).where(
        Slot.practitioner_id == practitioner_id,
        Slot.status == SlotStatus.OPEN,
        Slot.starts_at > utcnow(),
        Slot.offered_at.is_(None),
    )
    if slot_ids is not None:
        owed = owed.where(Slot.id.in_(slot_ids))
    new = list(db.session.scalars(owed.order_by(Slot.starts_at, Slot.id)))
    if practitioner is None or not new:
        if slot_ids:
            _mark_offered(slot_ids)
        db.session.commit()
        return {"slots": 0, "patients": 0}
    people = interested(practitioner_id)
    if mode() == ONE_AT_A_TIME:
        result = _queue_each(practitioner, new, people)
    else:
        result = _offer_to_everyone(practitioner, new, people)
    _mark_offered([s.id for s in new])
    db.session.commit()
    log.info("offered %d slot(s) of %s: %s", len(new), practitioner.name, result)
    return result


def _offer_to_everyone(practitioner: Practitioner, new: list[Slot], people: list[Interest]) -> dict:
    """One email per person: the new times first, then other open ones, up to five, a link for each."""
    others = [s for s in slots.open_slots(practitioner.id, limit=SHOWN * 2) if s.id not in {n.id for n in new}]
    shown = (new + others)[:SHOWN] if len(new) < SHOWN else new[:SHOWN]
    now = utcnow()
    # One email per patient per opening of these slots: a re-run job repeats the key (and
    # sends nothing), a slot freed again later has a new opening (and is offered anew).
    key = opening_key(practitioner.id, new)
    offered = 0
    # Everyone offered the same times shares one list of them, so the emails render once;
    # and their messages read the same (the first time and how many).
    times: dict[tuple[int, ...], list[_Shown]] = {}
    notes_for: dict[tuple[int, ...], dict] = {}
    links = patient_links.Links()
    for start in range(0, len(people), BATCH):
        rows, messages, notes = [], [], []
        for rank, interest in enumerate(people[start : start + BATCH], start=start):
            theirs = [s for s in shown if interest.wants(s)]
            if not theirs:
                continue
            offered += 1
            rows += [_offer_row(s, interest, rank, OfferStatus.OFFERED, now) for s in theirs]
            ids = tuple(s.id for s in theirs)
            if ids not in times:
                times[ids], notes_for[ids] = _shown(theirs), _note(practitioner, 0, theirs)
            key_of = f"offers:{key}:patient:{interest.patient.id}"
            messages.append(_email(practitioner, interest, theirs, key_of, times=times[ids], links=links))
            notes.append({**notes_for[ids], "patient_id": interest.patient.id})
        _write(rows, messages, notes)
        db.session.commit()
    if offered:
        title = f"Offered {_times(len(new))} with {practitioner.name} to {plural(offered, 'patient')}"
        if len(new) > SHOWN:
            title += f" (the first {SHOWN} in each email)"
        _tell_staff(practitioner, new, title)
    return {"slots": len(new), "patients": offered, "mode": EVERYONE}


def _queue_each(practitioner: Practitioner, new: list[Slot], people: list[Interest]) -> dict:
    """Each slot's queue in offer order, written up front; the first in line gets a hold.

    Whoever is first in line for several of these slots hears of their holds in one email
    (five times at most in each, so none is held unseen)."""
    now = utcnow()
    queued = 0
    held: dict[int, list[tuple[Slot, Offer]]] = defaultdict(list)
    for slot in new:
        line = [i for i in people if i.wants(slot)]
        rows = [_offer_row(slot, interest, rank, OfferStatus.QUEUED, None) for rank, interest in enumerate(line)]
        _insert_offers(rows)
        queued += len(line)
        offer = _hold_next(slot, now, tell=False)
        if offer is not None:
            held[offer.patient_id].append((slot, offer))
    key = opening_key(practitioner.id, new)
    by_patient = {interest.patient.id: interest for interest in people}
    for patient_id, holds in held.items():
        for part, start in enumerate(range(0, len(holds), SHOWN)):
            _tell_held(practitioner, by_patient[patient_id], holds[start : start + SHOWN], f"offers:{key}:held:{part}")
    if queued:
        title = f"{_times(len(new))} with {practitioner.name} offered in turn to the waiting list"
        _tell_staff(practitioner, new, title)
    return {"slots": len(new), "patients": queued, "mode": ONE_AT_A_TIME}


def _hold_next(slot: Slot, now: datetime, *, tell: bool = True) -> Offer | None:
    """Hold `slot` for the next person in its queue and (`tell`) email them; None when nobody is left."""
    nxt = db.session.scalar(
        select(Offer).where(Offer.slot_id == slot.id, Offer.status == OfferStatus.QUEUED).order_by(Offer.rank).limit(1)
    )
    if nxt is None or slot.status != SlotStatus.OPEN or slot.starts_at <= now:
        return None
    until = min(now + timedelta(minutes=current_app.config["OFFER_HOLD_MINUTES"]), slot.starts_at)
    held = db.session.execute(
        update(Offer)
        .where(Offer.id == nxt.id, Offer.status == OfferStatus.QUEUED)
        .values(status=OfferStatus.HELD, offered_at=now, expires_at=until)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not held:
        return None
    db.session.refresh(nxt)
    if not tell:
        return nxt
    interest = Interest(Person.of(nxt.patient), nxt.reason, nxt.source_id or 0)
    practitioner = slot.practitioner
    _write(
        [],
        # Each hold is news: the same offer is held again when its slot comes round once more.
        [_email(practitioner, interest, [slot], f"offer:{nxt.id}:held:{int(now.timestamp())}", held_until=until)],
        [_note(practitioner, nxt.patient_id, [slot], held_until=until)],
    )
    return nxt


def _tell_held(practitioner: Practitioner, interest: Interest, holds: list[tuple[Slot, Offer]], key: str) -> None:
    """One email about these times held for one patient, and a message on their page."""
    until = min(offer.expires_at for _, offer in holds)
    times = [slot for slot, _ in holds]
    patient_id = interest.patient.id
    _write(
        [],
        [_email(practitioner, interest, times, f"{key}:patient:{patient_id}", held_until=until)],
        [_note(practitioner, patient_id, times, held_until=until)],
    )


def opening_key(practitioner_id: int, new: list[Slot]) -> str:
    """What names this fan-out in its emails' dedupe keys: the practitioner and each slot with
    the moment it (last) opened. The same openings give the same key, so a re-run job sends
    nothing new; a slot opened again later gives another, so it is offered anew."""
    openings = sorted((s.id, (s.opened_at or s.created_at).astimezone(UTC).isoformat()) for s in new)
    digest = hashlib.sha256(repr(openings).encode()).hexdigest()[:20]
    return f"{practitioner_id}:{digest}"


def advance(now: datetime | None = None) -> dict:
    """The cron's minute: holds that ran out expire and pass on; offers whose time came expire;
    slots whose offers were never sent get them now.

    An opening is left alone until its coalescing window and CATCH_UP_MARGIN have passed (its
    window's job sends it), and so are the late ones of a practitioner whose window is open
    now: that window's job takes them along, in the same email."""
    now = now or utcnow()
    expired_holds = db.session.scalars(
        select(Offer).where(Offer.status == OfferStatus.HELD, Offer.expires_at <= now)
    ).all()
    for offer in expired_holds:
        _close(offer.id, OfferStatus.EXPIRED, now)
    passed = db.session.execute(
        update(Offer)
        .where(Offer.status.in_(OPEN_OFFERS), Offer.slot_id.in_(select(Slot.id).where(Slot.starts_at <= now)))
        .values(status=OfferStatus.EXPIRED, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    for offer in expired_holds:
        _hold_next(offer.slot, now)
    overdue = now - timedelta(seconds=coalesce_seconds()) - CATCH_UP_MARGIN
    owed = db.session.execute(
        select(Slot.practitioner_id, Slot.id).where(
            Slot.status == SlotStatus.OPEN,
            Slot.offered_at.is_(None),
            Slot.starts_at > now,
            func.coalesce(Slot.opened_at, Slot.created_at) <= overdue,
        )
    ).all()
    db.session.commit()
    late: dict[int, list[int]] = defaultdict(list)
    for practitioner_id, slot_id in owed:
        late[practitioner_id].append(slot_id)
    sent = 0
    for practitioner_id, slot_ids in late.items():
        if queues.window_open(window_key(practitioner_id)):
            continue
        fan_out(practitioner_id, slot_ids)
        sent += 1
    return {"holds_expired": len(expired_holds), "past": passed, "late_fan_outs": sent}


# ------------------------------------------------------------------ a patient acts on an offer


@dataclass
class FromLink:
    appointment: Appointment
    repeated: bool = False  # they had already booked this slot


def offer_for(patient_id: int, slot_id: int) -> Offer | None:
    return db.session.scalar(select(Offer).where(Offer.patient_id == patient_id, Offer.slot_id == slot_id))


class NotBookable(StrEnum):
    """Why an offer can't be booked now. `why_not_bookable` gives the first that applies, in this order."""

    DECLINED = "declined"  # they said it doesn't suit them
    TAKEN = "taken"  # someone else booked the time
    CLOSED = "closed"  # the clinic withdrew the offer or blocked the time
    PASSED = "passed"  # the time has begun
    HELD_FOR_ANOTHER = "held_for_another"  # one at a time: someone ahead in the line has their turn first
    ENDED = "ended"  # their hold ran out, or the offer expired


def hold_ran_out(offer: Offer, now: datetime) -> bool:
    return offer.status == OfferStatus.HELD and offer.expires_at is not None and offer.expires_at <= now


def why_not_bookable(offer: Offer, now: datetime) -> NotBookable | None:
    """The one rule for whether an offer can still be booked (None: it can). The patient's page
    says each reason in its own words; `book` refuses by it."""
    slot, status = offer.slot, offer.status
    if status == OfferStatus.DECLINED:
        return NotBookable.DECLINED
    if status == OfferStatus.TAKEN or (status != OfferStatus.BOOKED and slot.status == SlotStatus.BOOKED):
        return NotBookable.TAKEN
    if status == OfferStatus.WITHDRAWN or slot.status == SlotStatus.BLOCKED:
        return NotBookable.CLOSED
    if slot.starts_at <= now:
        return NotBookable.PASSED
    if status == OfferStatus.QUEUED:
        return NotBookable.HELD_FOR_ANOTHER
    if status == OfferStatus.EXPIRED or hold_ran_out(offer, now):
        return NotBookable.ENDED
    return None


def _refuse_if_settled(offer: Offer, reason: NotBookable | None) -> None:
    """Refuse a booking the offer's own row settles: not their turn (one at a time, an ended hold
    too: SlotTaken, the slot is someone else's now), turned down, withdrawn or blocked (ServiceError).
    A time taken or passed is the slot's state, which the claim decides in one conditional UPDATE
    (first one wins, in the claim's words; a time freed again since can be booked)."""
    if reason is NotBookable.HELD_FOR_ANOTHER or (reason is NotBookable.ENDED and mode() == ONE_AT_A_TIME):
        raise appointments.SlotTaken(
            "This time is being held for someone else who was waiting longer.",
            alternatives_for(offer.patient_id, offer.slot.practitioner_id),
        )
    if reason in (NotBookable.DECLINED, NotBookable.CLOSED):
        raise ServiceError("This offer is no longer open.")


def book(patient_id: int, slot_id: int) -> FromLink:
    """The patient books a slot they were offered: claimed like any booking (first one wins).

    A waiting-list patient gets a new appointment; one with a pending request or
    an "earlier, please" appointment has that appointment moved into the slot.
    Raises SlotTaken (with other open times, offered to them now) or ServiceError."""
    offer = offer_for(patient_id, slot_id)
    if offer is None:
        raise ServiceError("This time wasn't offered to you.")
    if offer.status == OfferStatus.BOOKED and offer.appointment_id:
        return FromLink(db.session.get(Appointment, offer.appointment_id), repeated=True)
    now = utcnow()
    if hold_ran_out(offer, now):  # the cron hasn't passed it on yet, but the hold has ended
        with unit_of_work():  # its own unit: the hold passes on though this booking is refused
            _close(offer.id, OfferStatus.EXPIRED, now)
            _hold_next(offer.slot, now)
        db.session.refresh(offer)
    _refuse_if_settled(offer, why_not_bookable(offer, now))
    try:
        with unit_of_work():  # the booking: all of it, or (refused on the way) none of it
            slot = appointments.claim(slot_id)
            appointment = _take(offer, slot)
    except appointments.SlotTaken as taken:
        with unit_of_work():  # its own unit: the offer stays TAKEN though the booking is refused
            _close(offer.id, OfferStatus.TAKEN, utcnow())
        taken.alternatives = alternatives_for(patient_id, taken_practitioner(slot_id))
        raise
    log.info("patient %s booked offered slot %s (offer %s)", patient_id, slot_id, offer.id)
    return FromLink(appointment)


def _take(offer: Offer, slot: Slot) -> Appointment:
    """The claimed slot becomes the patient's appointment (their request or "earlier, please" one moved
    into it, or a new one), their waiting-list entry ends, and the slot's other open offers are taken."""
    patient = offer.patient
    source = db.session.get(Appointment, offer.source_id) if offer.reason != InterestReason.WAITLIST else None
    if source is not None and source.is_active and source.patient_id == patient.id:
        appointments.move(source, slot, f"offer:{offer.id}:booked")
        appointment = source
        appointments.tell_desk_about(appointment, f"{patient.name}, online (moved from an offer)")
    else:
        appointment = appointments.create(patient, slot, reason="", confirmed=True)
    waitlist.booked(patient.id, slot.practitioner_id)
    now = utcnow()
    db.session.execute(
        update(Offer)
        .where(Offer.id == offer.id)
        .values(status=OfferStatus.BOOKED, decided_at=now, appointment_id=appointment.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Offer)
        .where(Offer.slot_id == slot.id, Offer.id != offer.id, Offer.status.in_(OPEN_OFFERS))
        .values(status=OfferStatus.TAKEN, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    return appointment


def taken_practitioner(slot_id: int) -> int:
    return db.session.scalar(select(Slot.practitioner_id).where(Slot.id == slot_id))


@unit_of_work()
def decline(patient_id: int, slot_id: int) -> None:
    """'Not for me': the offer ends and, one at a time, the slot passes to the next person."""
    offer = offer_for(patient_id, slot_id)
    if offer is None or offer.status not in OPEN_OFFERS:
        raise ServiceError("This offer is no longer open.")
    _close(offer.id, OfferStatus.DECLINED, utcnow())
    if offer.status == OfferStatus.HELD:
        _hold_next(offer.slot, utcnow())


def alternatives_for(patient_id: int, practitioner_id: int, limit: int = SHOWN) -> list[Slot]:
    """Other open times with the practitioner, offered to the patient now (everyone-at-once only:
    one at a time, open slots are in other people's queues)."""
    if mode() == ONE_AT_A_TIME:
        return []
    found = slots.open_slots(practitioner_id, limit=limit)
    patient = db.session.get(Patient, patient_id)
    if found and patient is not None:
        interest = Interest(Person.of(patient), InterestReason.WAITLIST, 0)
        _insert_offers([_offer_row(s, interest, 10**6, OfferStatus.OFFERED, utcnow()) for s in found])
        db.session.commit()
    return found


def withdraw(slot_id: int) -> None:
    """The slot was blocked or removed: its open offers end (in the caller's transaction)."""
    db.session.execute(
        update(Offer)
        .where(Offer.slot_id == slot_id, Offer.status.in_(OPEN_OFFERS))
        .values(status=OfferStatus.WITHDRAWN, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# ------------------------------------------------------------------ the audit


def for_slot(slot_id: int) -> list[Offer]:
    """Who was offered this slot, in order, with the outcome."""
    return list(
        db.session.scalars(
            select(Offer)
            .options(joinedload(Offer.patient))
            .where(Offer.slot_id == slot_id)
            .order_by(Offer.rank, Offer.id)
        )
    )


def recent(practitioner_id: int | None = None, *, limit: int = 200) -> list[Offer]:
    """The latest offers: newest slots first, each slot's offers in the line's order."""
    query = (
        select(Offer)
        .join(Offer.slot)
        .options(joinedload(Offer.patient), joinedload(Offer.slot).joinedload(Slot.practitioner))
        .order_by(Offer.slot_id.desc(), Offer.rank, Offer.id)
        .limit(limit)
    )
    if practitioner_id:
        query = query.where(Slot.practitioner_id == practitioner_id)
    return list(db.session.scalars(query))


# ------------------------------------------------------------------ writing


def _offer_row(slot: Slot, interest: Interest, rank: int, status: str, now: datetime | None) -> dict:
    return {
        "slot_id": slot.id,
        "patient_id": interest.patient.id,
        "reason": str(interest.reason),
        "source_id": interest.source_id or None,
        "rank": rank,
        "status": status,
        "offered_at": now,
        "created_at": now or utcnow(),
    }


def _insert_offers(rows: list[dict]) -> None:
    """Write offers, one per (slot, patient): a job run twice adds nothing, and a slot opened
    again reopens its earlier offers (withdrawn, taken, declined, expired) rather than
    leaving those patients' links refused. A booked offer stays booked."""
    if rows:
        dialect = db.session.get_bind().dialect.name
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = maker(Offer.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["slot_id", "patient_id"],
            set_={
                "status": statement.excluded.status,
                "rank": statement.excluded.rank,
                "offered_at": statement.excluded.offered_at,
                "expires_at": null(),
                "decided_at": null(),
            },
            # literal, not bound: executemany can't expand an IN list
            where=text("offers.status IN ('taken', 'expired', 'declined', 'withdrawn')"),
        )
        db.session.execute(statement, rows)


def _email(
    practitioner,
    interest: Interest,
    offered: list[Slot],
    key: str,
    held_until=None,
    times: list | None = None,
    links: patient_links.Links | None = None,
) -> notify.Message:
    """The patient's email: the times (shared with everyone offered the same ones) and their own
    links (`links`: one writer for a whole fan-out)."""
    patient = interest.patient
    links = links or patient_links.Links()
    book = links.token("book", p=patient.id)
    context = {
        "patient": patient,
        "practitioner": practitioner,
        "slots": times if times is not None else _shown(offered),
        "book_links": {s.id: links.address("portal.book", token=book, slot_id=s.id) for s in offered},
        # One at a time, other open times are in other people's queues: no "see all" link.
        "more_url": None if held_until else links.url("availability", p=patient.id, r=practitioner.id),
        "held_until": held_until,
        **links.for_optional_email("new_availability", patient.id),
    }
    return notify.Message(to=patient.email, context=context, dedupe_key=key, patient_id=patient.id)


@dataclass(frozen=True)
class _Shown:
    """An offered time as an email shows it, copied out of the ORM (a fan-out commits as it goes)."""

    id: int
    starts_at: datetime
    ends_at: datetime


def _shown(offered: list[Slot]) -> list[_Shown]:
    return [_Shown(s.id, s.starts_at, s.ends_at) for s in offered]


def _note(practitioner, patient_id: int, offered: list[Slot], held_until=None) -> dict:
    first = describe(offered[0].starts_at)
    title = f"{practitioner.name} has {_times(len(offered))} for you, from {first}"
    if held_until is not None:
        title = f"{practitioner.name} is holding {first} for you until {describe(held_until)}"
    return {"patient_id": patient_id, "kind": "new_availability", "title": title[:200], "created_at": utcnow()}


def _write(offer_rows: list[dict], messages: list[notify.Message], notes: list[dict]) -> None:
    _insert_offers(offer_rows)
    if notes:
        db.session.execute(insert(PatientMessage.__table__), [{"body": "", **n} for n in notes])
    if messages:
        notify.emails("new_availability", messages)


def _close(offer_id: int, status: str, now: datetime) -> None:
    db.session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.status.in_(OPEN_OFFERS))
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session=False)
    )


def _mark_offered(slot_ids: list[int]) -> None:
    db.session.execute(
        update(Slot)
        .where(Slot.id.in_(slot_ids))
        .values(offered_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _tell_staff(practitioner: Practitioner, new: list[Slot], title: str) -> None:
    people = {u.id: u for u in notify.desk()}
    if practitioner.user is not None and practitioner.user.active:
        people[practitioner.user.id] = practitioner.user
    notify.bell(people.values(), "offers_sent", title, link=path_for("offers.index", slot=new[0].id))


def _times(n: int) -> str:
    return "a new time" if n == 1 else f"{n} new times"
