"""One at a time: holding a slot for the next person in its line, and telling them."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from dashboard.extensions import db
from dashboard.models import Offer, OfferStatus, Practitioner, Slot, SlotStatus
from dashboard.notify import quiet
from dashboard.services import rows_changed
from dashboard.services.offers.interest import Interest, Person
from dashboard.services.offers.rows import offer_email, patient_note, record
from dashboard.settings import setting


def hold_next(slot: Slot, now: datetime, *, tell: bool = True) -> Offer | None:
    """Hold `slot` for the next person in its queue and (`tell`) email them; None when nobody is left."""
    nxt = db.session.scalar(
        select(Offer).where(Offer.slot_id == slot.id, Offer.status == OfferStatus.QUEUED).order_by(Offer.rank).limit(1)
    )
    if nxt is None or slot.status != SlotStatus.OPEN or slot.starts_at <= now:
        return None
    # Quiet hours don't count: a hold made at 7 pm with quiet hours from 8 pm runs out the next morning.
    until = min(quiet.awake_after(now, timedelta(minutes=setting("OFFER_HOLD_MINUTES"))), slot.starts_at)
    held = rows_changed(
        update(Offer)
        .where(Offer.id == nxt.id, Offer.status == OfferStatus.QUEUED)
        .values(status=OfferStatus.HELD, offered_at=now, expires_at=until)
        .execution_options(synchronize_session=False)
    )
    if not held:
        return None
    db.session.refresh(nxt)
    if not tell:
        return nxt
    interest = Interest(Person.of(nxt.patient), nxt.reason, nxt.source_id or 0)
    practitioner = slot.practitioner
    record(
        [],
        # Each hold is news: the same offer is held again when its slot comes round once more.
        [offer_email(practitioner, interest, [slot], f"offer:{nxt.id}:held:{int(now.timestamp())}", held_until=until)],
        [patient_note(practitioner, nxt.patient_id, [slot], held_until=until, language=interest.patient.language)],
    )
    return nxt


def tell_held(practitioner: Practitioner, interest: Interest, holds: list[tuple[Slot, Offer]], key: str) -> None:
    """One email about these times held for one patient, and a message on their page."""
    until = min(offer.expires_at for _, offer in holds if offer.expires_at is not None)  # a hold has an end
    times = [slot for slot, _ in holds]
    patient_id = interest.patient.id
    record(
        [],
        [offer_email(practitioner, interest, times, f"{key}:patient:{patient_id}", held_until=until)],
        [patient_note(practitioner, patient_id, times, held_until=until, language=interest.patient.language)],
    )
