"""Loading what a patient's link points at: the rows must exist and belong together
(an appointment of another patient is as missing as one that doesn't exist)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dashboard.extensions import db
from dashboard.models import (
    Appointment,
    Offer,
    Patient,
    Practitioner,
    RequestStatus,
    RescheduleRequest,
    Slot,
)
from dashboard.models.base import utcnow

MAX_ID = 2**63 - 1  # ids beyond this don't exist, and some drivers can't even compare them


class NotFound(LookupError):
    """A row a link points at is gone, or isn't this patient's."""


def _get(model, row_id, **options):
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id <= MAX_ID:
        return None
    return db.session.get(model, row_id, **options)


def patient(patient_id: int) -> Patient:
    found = _get(Patient, patient_id)
    if found is None:
        raise NotFound("patient")
    return found


def practitioner(practitioner_id: int) -> Practitioner:
    found = _get(Practitioner, practitioner_id)
    if found is None:
        raise NotFound("practitioner")
    return found


def appointment(appointment_id: int, patient_id: int) -> Appointment:
    """The patient's appointment; NotFound if it doesn't exist or is someone else's."""
    found = _get(
        Appointment,
        appointment_id,
        options=[joinedload(Appointment.patient), joinedload(Appointment.practitioner)],
    )
    if found is None or found.patient_id != patient_id:
        raise NotFound("appointment")
    return found


def slot(slot_id: int) -> Slot:
    found = _get(Slot, slot_id, options=[joinedload(Slot.practitioner)])
    if found is None:
        raise NotFound("slot")
    return found


def offer(patient_id: int, slot_id: int) -> Offer:
    """The offer of `slot_id` to the patient; NotFound if it was never offered to them."""
    if _get(Slot, slot_id) is None:
        raise NotFound("offer")
    found = db.session.scalar(
        select(Offer)
        .options(joinedload(Offer.slot).joinedload(Slot.practitioner))
        .where(Offer.patient_id == patient_id, Offer.slot_id == slot_id)
    )
    if found is None:
        raise NotFound("offer")
    return found


def pending_request(appointment_id: int) -> RescheduleRequest | None:
    return db.session.scalar(
        select(RescheduleRequest).where(
            RescheduleRequest.appointment_id == appointment_id, RescheduleRequest.status == RequestStatus.PENDING
        )
    )


def is_past(item: Appointment | Slot, now: datetime | None = None) -> bool:
    return item.starts_at <= (now or utcnow())
