"""Slots opening and closing: what the slots' changes tell the offers (the contract with the
schedule and appointments services, through dashboard.events: `opened` and `withdraw`).

`opened` records the slots on the session; after it commits, the practitioner's fan-out is
scheduled, so the request returns at once. Openings are coalesced: the first one for a
practitioner opens a window of OFFER_COALESCE_SECONDS and schedules one job at its end; later
ones while it is open only find that job coming (0: one job per commit, queued at once).
"""

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from dashboard import queues
from dashboard.extensions import db
from dashboard.models import OPEN_OFFERS, Offer, OfferStatus
from dashboard.models.base import utcnow
from dashboard.services.offers.settings import coalesce_seconds

OPENED = "slots_opened"  # session.info key: (practitioner_id, slot_id) to offer after commit
FAN_OUT_JOB = "dashboard.jobs.offers.fan_out"
# A window's job that runs this late still ends its own window (the Redis key outlives the
# window by this much), and the cron leaves an opening alone until its window and this have
# passed: by then the job has run, or it never will.
CATCH_UP_MARGIN = timedelta(minutes=1)


def opened(practitioner_id: int, slot_ids: list[int]) -> None:
    """Call in the transaction that opens these slots: their offers are queued once it commits."""
    db.session.info.setdefault(OPENED, set()).update((practitioner_id, slot_id) for slot_id in slot_ids)


def withdraw(slot_id: int) -> None:
    """The slot was blocked or removed: its open offers end (in the caller's transaction)."""
    db.session.execute(
        update(Offer)
        .where(Offer.slot_id == slot_id, Offer.status.in_(OPEN_OFFERS))
        .values(status=OfferStatus.WITHDRAWN, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )


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
