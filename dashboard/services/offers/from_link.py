"""A patient acts on an offer from their link: books it (claimed like any booking, first one
wins), turns it down, or is shown (and offered) the practitioner's other open times."""

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from dashboard.extensions import db
from dashboard.models import OPEN_OFFERS, Appointment, InterestReason, Offer, OfferStatus, Patient, Slot
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, appointments, slots, unit_of_work, waitlist
from dashboard.services.offers.bookable import NotBookable, hold_ran_out, why_not_bookable
from dashboard.services.offers.holds import hold_next
from dashboard.services.offers.interest import Interest, Person
from dashboard.services.offers.rows import close_offer, insert_offers, offer_row
from dashboard.services.offers.settings import ONE_AT_A_TIME, SHOWN, mode

log = logging.getLogger(__name__)


@dataclass
class FromLink:
    appointment: Appointment
    repeated: bool = False  # they had already booked this slot


def offer_for(patient_id: int, slot_id: int) -> Offer | None:
    return db.session.scalar(select(Offer).where(Offer.patient_id == patient_id, Offer.slot_id == slot_id))


def book(patient_id: int, slot_id: int) -> FromLink:
    """The patient books a slot they were offered: claimed like any booking (first one wins).

    A waiting-list patient gets a new appointment; one with a pending request or
    an "earlier, please" appointment has that appointment moved into the slot.
    Raises SlotTaken (with other open times, offered to them now) or ServiceError.

    An entry point in units one after another, so what a refusal records survives it: an ended
    hold passed on, then the booking (all or nothing), or, the time taken, the offer marked TAKEN.
    The refusals before the booking write nothing (other times offered commit their own unit)."""
    offer = offer_for(patient_id, slot_id)
    if offer is None:
        raise ServiceError("This time wasn't offered to you.")
    booked = db.session.get(Appointment, offer.appointment_id) if offer.appointment_id else None
    if offer.status == OfferStatus.BOOKED and booked is not None:
        return FromLink(booked, repeated=True)
    now = utcnow()
    if hold_ran_out(offer, now):  # the cron hasn't passed it on yet, but the hold has ended
        with unit_of_work():  # its own unit: the hold passes on though this booking is refused
            close_offer(offer.id, OfferStatus.EXPIRED, now)
            hold_next(offer.slot, now)
        db.session.refresh(offer)
    _refuse_if_settled(offer, why_not_bookable(offer, now))
    try:
        with unit_of_work():  # the booking: all of it, or (refused on the way) none of it
            slot = appointments.claim(slot_id)
            appointment = _take(offer, slot)
    except appointments.SlotTaken as taken:
        with unit_of_work():  # its own unit: the offer stays TAKEN though the booking is refused
            close_offer(offer.id, OfferStatus.TAKEN, utcnow())
        taken.alternatives = alternatives_for(patient_id, taken_practitioner(slot_id))
        raise
    log.info("patient %s booked offered slot %s (offer %s)", patient_id, slot_id, offer.id)
    return FromLink(appointment)


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
    return db.session.execute(select(Slot.practitioner_id).where(Slot.id == slot_id)).scalar_one()


@unit_of_work()
def decline(patient_id: int, slot_id: int) -> None:
    """'Not for me': the offer ends and, one at a time, the slot passes to the next person."""
    offer = offer_for(patient_id, slot_id)
    if offer is None or offer.status not in OPEN_OFFERS:
        raise ServiceError("This offer is no longer open.")
    close_offer(offer.id, OfferStatus.DECLINED, utcnow())
    if offer.status == OfferStatus.HELD:
        hold_next(offer.slot, utcnow())


@unit_of_work()
def alternatives_for(patient_id: int, practitioner_id: int, limit: int = SHOWN) -> list[Slot]:
    """Other open times with the practitioner, offered to the patient now (everyone-at-once only:
    one at a time, open slots are in other people's queues)."""
    if mode() == ONE_AT_A_TIME:
        return []
    found = slots.open_slots(practitioner_id, limit=limit)
    patient = db.session.get(Patient, patient_id)
    if found and patient is not None:
        interest = Interest(Person.of(patient), InterestReason.WAITLIST, 0)
        insert_offers([offer_row(s, interest, 10**6, OfferStatus.OFFERED, utcnow()) for s in found])
    return found
