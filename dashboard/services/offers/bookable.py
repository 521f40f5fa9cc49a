"""The one rule for whether an offer can still be booked, and why not."""

from datetime import datetime
from enum import StrEnum

from dashboard.models import Offer, OfferStatus, SlotStatus


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
