"""The fan-out job: a practitioner's slots still owed an offer, offered to everyone interested.

In the clinic's OFFER_MODE:

- "everyone" (the default, first come first served): every interested patient gets one email
  with up to five open times and a booking link for each, and a message on their own page;
- "one_at_a_time": each new slot is held for the top of the list (urgent first, then the desk's
  order, by default the longest waiting) for OFFER_HOLD_MINUTES; when a hold runs out or is
  declined, the cron's minute (`every_minute.advance`) offers the slot to the next person.

Every offer is a row: who was offered which slot, when, in what order, and how it ended.
"""

import hashlib
import logging
from collections import defaultdict
from datetime import UTC

from sqlalchemy import select

from dashboard import patient_links, queues
from dashboard.extensions import db
from dashboard.models import Offer, OfferStatus, Practitioner, Slot, SlotStatus
from dashboard.models.base import utcnow
from dashboard.services import slots, unit_of_work
from dashboard.services.offers.holds import hold_next, tell_held
from dashboard.services.offers.interest import Interest, interested
from dashboard.services.offers.openings import window_key
from dashboard.services.offers.rows import (
    Shown,
    insert_offers,
    mark_offered,
    new_times,
    offer_email,
    offer_row,
    patient_note,
    record,
    shown_times,
    tell_staff,
)
from dashboard.services.offers.settings import BATCH, EVERYONE, ONE_AT_A_TIME, SHOWN, mode
from dashboard.wording import plural

log = logging.getLogger(__name__)


def fan_out(practitioner_id: int, slot_ids: list[int] | None = None) -> dict:
    """Offer the practitioner's slots still owed an offer (open, ahead, `offered_at` NULL) to
    everyone interested: those among `slot_ids`, or, at the end of a coalescing window
    (None), all of them. Safe to run twice: a second run finds them offered.

    An entry point (the job, the cron), called outside any unit of work: everyone at once, it
    commits a unit per BATCH patients (`_offer_to_everyone`); one at a time, one unit."""
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
        with unit_of_work():
            if slot_ids:
                mark_offered(slot_ids)
        return {"slots": 0, "patients": 0}
    people = interested(practitioner_id)
    if mode() == ONE_AT_A_TIME:
        with unit_of_work():  # every slot's queue, its first hold and the slots marked offered, at once
            result = _queue_each(practitioner, new, people)
            mark_offered([s.id for s in new])
    else:
        result = _offer_to_everyone(practitioner, new, people)
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
    times: dict[tuple[int, ...], list[Shown]] = {}
    notes_for: dict[tuple[tuple[int, ...], str], dict] = {}  # and by language: each reads theirs
    links = patient_links.Links()
    for start in range(0, len(people), BATCH):
        rows, messages, notes = [], [], []
        for rank, interest in enumerate(people[start : start + BATCH], start=start):
            theirs = [s for s in shown if interest.wants(s)]
            if not theirs:
                continue
            offered += 1
            rows += [offer_row(s, interest, rank, OfferStatus.OFFERED, now) for s in theirs]
            ids = tuple(s.id for s in theirs)
            if ids not in times:
                times[ids] = shown_times(theirs)
            language = interest.patient.language
            if (ids, language) not in notes_for:
                notes_for[ids, language] = patient_note(practitioner, 0, theirs, language=language)
            key_of = f"offers:{key}:patient:{interest.patient.id}"
            messages.append(offer_email(practitioner, interest, theirs, key_of, times=times[ids], links=links))
            notes.append({**notes_for[ids, language], "patient_id": interest.patient.id})
        # A unit (a commit) per BATCH patients, on purpose: 5,000 waiting is five short transactions,
        # each queueing its emails' delivery as it commits, so the first patients hear of the time
        # while the rest are written (bench/offers_fan_out.py, docs/DESIGN.md). A job that dies
        # between batches is run again: the batches done repeat their dedupe keys and send nothing.
        with unit_of_work():
            record(rows, messages, notes)
    with unit_of_work():  # the last: the staff's bell, and the slots no longer owed an offer
        if offered:
            title = f"Offered {new_times(len(new))} with {practitioner.name} to {plural(offered, 'patient')}"
            if len(new) > SHOWN:
                title += f" (the first {SHOWN} in each email)"
            tell_staff(practitioner, new, title)
        mark_offered([s.id for s in new])
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
        rows = [offer_row(slot, interest, rank, OfferStatus.QUEUED, None) for rank, interest in enumerate(line)]
        insert_offers(rows)
        queued += len(line)
        offer = hold_next(slot, now, tell=False)
        if offer is not None:
            held[offer.patient_id].append((slot, offer))
    key = opening_key(practitioner.id, new)
    by_patient = {interest.patient.id: interest for interest in people}
    for patient_id, holds in held.items():
        for part, start in enumerate(range(0, len(holds), SHOWN)):
            tell_held(practitioner, by_patient[patient_id], holds[start : start + SHOWN], f"offers:{key}:held:{part}")
    if queued:
        title = f"{new_times(len(new))} with {practitioner.name} offered in turn to the waiting list"
        tell_staff(practitioner, new, title)
    return {"slots": len(new), "patients": queued, "mode": ONE_AT_A_TIME}


def opening_key(practitioner_id: int, new: list[Slot]) -> str:
    """What names this fan-out in its emails' dedupe keys: the practitioner and each slot with
    the moment it (last) opened. The same openings give the same key, so a re-run job sends
    nothing new; a slot opened again later gives another, so it is offered anew."""
    openings = sorted((s.id, (s.opened_at or s.created_at).astimezone(UTC).isoformat()) for s in new)
    digest = hashlib.sha256(repr(openings).encode()).hexdigest()[:20]
    return f"{practitioner_id}:{digest}"
