"""What a patient may still book from their links, and their "keep me on the waiting list"."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dashboard.extensions import db
from dashboard.models import (
    OPEN_OFFERS,
    Appointment,
    AppointmentStatus,
    Offer,
    OfferStatus,
    Practitioner,
    Slot,
    SlotStatus,
)
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, unit_of_work, waitlist
from dashboard.services.portal.email_choices import preferences
from dashboard.services.portal.lookup import patient, practitioner


def bookable(patient_id: int, slots: list[Slot]) -> list[Slot]:
    """Of these slots, the open future ones whose offer to the patient is still open (one query):
    a time they declined before is offered again as a row that stays declined, and its link would refuse."""
    if not slots:
        return []
    open_ids = set(
        db.session.scalars(
            select(Offer.slot_id).where(
                Offer.patient_id == patient_id,
                Offer.slot_id.in_([s.id for s in slots]),
                Offer.status.in_(OPEN_OFFERS),
            )
        )
    )
    now = utcnow()
    return [s for s in slots if s.id in open_ids and s.status == SlotStatus.OPEN and s.starts_at > now]


def open_offers(patient_id: int, *, now: datetime | None = None) -> list[Offer]:
    """Offers the patient may still book: offered or held for them, the slot open and ahead."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Offer)
            .join(Offer.slot)
            .options(joinedload(Offer.slot).joinedload(Slot.practitioner))
            .where(
                Offer.patient_id == patient_id,
                Offer.status.in_([OfferStatus.OFFERED, OfferStatus.HELD]),
                Slot.status == SlotStatus.OPEN,
                Slot.starts_at > now,
                (Offer.expires_at.is_(None)) | (Offer.expires_at > now),
            )
            .order_by(Slot.starts_at, Offer.id)
        )
    )


@dataclass
class Waiting:
    """How a patient who asked to be kept on a practitioner's list is waiting."""

    practitioner: Practitioner
    added: bool = False  # a new waiting-list entry (else they were on the list already)
    appointment: Appointment | None = None  # waiting through it instead: a request, or "earlier, please"
    emails_off: bool = False  # they turned off the emails that would tell them of a new time


@unit_of_work()
def keep_waiting(patient_id: int, practitioner_id: int) -> Waiting:
    """The patient's "keep me on the waiting list": on that practitioner's list, unless they already
    wait through an appointment of theirs (a pending request, or one marked "earlier, please"),
    which new times are offered to already: a list entry too would book them a second appointment.
    ServiceError if the practitioner takes no bookings any more."""
    patient(patient_id)
    doctor = practitioner(practitioner_id)
    if not doctor.active:
        raise ServiceError(
            _("%(name)s isn't taking appointments any more. Please call us and we'll help.", name=doctor.name)
        )
    emails_off = not preferences(patient_id).get("new_availability", True)
    through = db.session.scalar(
        select(Appointment)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.practitioner_id == practitioner_id,
            Appointment.starts_at > utcnow(),
            (Appointment.status == AppointmentStatus.PENDING)
            | ((Appointment.status == AppointmentStatus.CONFIRMED) & Appointment.wants_earlier.is_(True)),
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    if through is not None:
        return Waiting(doctor, appointment=through, emails_off=emails_off)
    _entry, added = waitlist.keep(patient_id, practitioner_id)
    return Waiting(doctor, added=added, emails_off=emails_off)
