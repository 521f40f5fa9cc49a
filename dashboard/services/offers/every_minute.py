"""The cron's minute: holds that ran out pass on, offers whose time came expire, and slots whose
offers were never sent (Redis was down, a worker died: `offered_at` NULL) get them, late
rather than never, once their window (and a margin) has passed."""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from dashboard import queues
from dashboard.extensions import db
from dashboard.models import OPEN_OFFERS, Offer, OfferStatus, Slot, SlotStatus
from dashboard.models.base import utcnow
from dashboard.services import rows_changed, unit_of_work
from dashboard.services.offers.fan_out_job import fan_out
from dashboard.services.offers.holds import hold_next
from dashboard.services.offers.openings import CATCH_UP_MARGIN, window_key
from dashboard.services.offers.rows import close_offer
from dashboard.services.offers.settings import coalesce_seconds


def advance(now: datetime | None = None) -> dict:
    """The cron's minute: holds that ran out expire and pass on; offers whose time came expire;
    slots whose offers were never sent get them now.

    An opening is left alone until its coalescing window and CATCH_UP_MARGIN have passed (its
    window's job sends it), and so are the late ones of a practitioner whose window is open
    now: that window's job takes them along, in the same email."""
    now = now or utcnow()
    with unit_of_work():  # what ran out, in one transaction; then each late fan-out is its own entry point
        expired_holds = db.session.scalars(
            select(Offer).where(Offer.status == OfferStatus.HELD, Offer.expires_at <= now)
        ).all()
        for offer in expired_holds:
            close_offer(offer.id, OfferStatus.EXPIRED, now)
        passed = rows_changed(
            update(Offer)
            .where(Offer.status.in_(OPEN_OFFERS), Offer.slot_id.in_(select(Slot.id).where(Slot.starts_at <= now)))
            .values(status=OfferStatus.EXPIRED, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        for offer in expired_holds:
            hold_next(offer.slot, now)
        overdue = now - timedelta(seconds=coalesce_seconds()) - CATCH_UP_MARGIN
        owed = db.session.execute(
            select(Slot.practitioner_id, Slot.id).where(
                Slot.status == SlotStatus.OPEN,
                Slot.offered_at.is_(None),
                Slot.starts_at > now,
                func.coalesce(Slot.opened_at, Slot.created_at) <= overdue,
            )
        ).all()
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
