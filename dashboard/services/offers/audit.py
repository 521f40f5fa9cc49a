"""The fairness and audit view's reading: who was offered which slot, in what order, how it ended."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dashboard.extensions import db
from dashboard.models import Offer, Slot


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
