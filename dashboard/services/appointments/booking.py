"""Booking: a patient into an open slot, or at a time outside the schedule.

A slot is claimed with one conditional UPDATE (open → booked) in the booking
transaction: whoever's UPDATE changes the row gets the slot; everyone else
is told it was just taken and shown the other open times.
"""

import logging
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dashboard.clinic_time import describe, describe_time
from dashboard.extensions import db
from dashboard.models import Appointment, AppointmentStatus, Patient, Role, Slot, SlotStatus, User
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, practitioners, rows_changed, slots, unit_of_work
from dashboard.services.appointments.emails import email_patient, tell_desk_about

log = logging.getLogger(__name__)

REASON_LENGTH = 200


class SlotTaken(ServiceError):
    """The slot went to someone else a moment ago; `alternatives` are the practitioner's next open slots."""

    def __init__(self, message: str, alternatives: list[Slot]):
        super().__init__(message)
        self.alternatives = alternatives


@dataclass
class Booked:
    appointment: Appointment
    repeated: bool = False  # the same form was submitted again: nothing new was booked


def book(
    *,
    patient_id: int,
    by_user: User,
    slot_id: int | None = None,
    practitioner_id: int | None = None,
    day: date | None = None,
    start: time | None = None,
    end: time | None = None,
    reason: str = "",
    confirmed: bool = True,
    request_key: str | None = None,
) -> Booked:
    """Book a patient into an open slot, or (with practitioner, day, start, end) at a time outside the schedule.

    `request_key` is the form's one-time token: the same form posted twice books once.
    An entry point: the booking is its own unit of work (call it outside any other), so a
    refusal has already been rolled back when the request key is looked up again."""
    if request_key:
        earlier = _by_request_key(request_key)
        if earlier is not None:
            return Booked(earlier, repeated=True)
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise ServiceError("Choose a patient.")
    reason = (reason or "").strip()[:REASON_LENGTH]

    try:
        with unit_of_work():
            if slot_id is not None:
                slot = claim(slot_id, by_user)
            else:
                slot = _ad_hoc_slot(practitioner_id, day, start, end, by_user)
            appointment = create(
                patient, slot, reason=reason, confirmed=confirmed, request_key=request_key, created_by=by_user
            )
    except (ServiceError, IntegrityError):
        # The same form, posted twice at once: the other request may have just booked it (so the
        # slot is taken, the ad hoc time clashes with its own new slot, or the request key is
        # used). That is no refusal. The unit has rolled back: the look-up sees what committed.
        earlier = _by_request_key(request_key) if request_key else None
        if earlier is None:
            raise
        return Booked(earlier, repeated=True)
    log.info("appointment %s booked for patient %s by user %s", appointment.id, patient.id, by_user.id)
    return Booked(appointment)


def create(
    patient: Patient,
    slot: Slot,
    *,
    reason: str = "",
    confirmed: bool = True,
    request_key: str | None = None,
    created_by: User | None = None,
) -> Appointment:
    """The appointment in a slot just claimed, and its emails: the patient's confirmation
    (if confirmed) and the new-appointment notice. Flushed, not committed."""
    now = utcnow()
    appointment = Appointment(
        patient_id=patient.id,
        practitioner_id=slot.practitioner_id,
        slot_id=slot.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        reason=reason,
        status=AppointmentStatus.CONFIRMED if confirmed else AppointmentStatus.PENDING,
        scheduled_at=now,
        confirmed_at=now if confirmed else None,
        request_key=request_key or None,
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(appointment)
    db.session.flush()
    if confirmed:
        email_patient("appointment_confirmation", appointment, f"appointment:{appointment.id}:confirmation")
    tell_desk_about(appointment, created_by.full_name if created_by else f"{patient.name}, online")
    return appointment


def _by_request_key(request_key: str) -> Appointment | None:
    return db.session.scalar(select(Appointment).where(Appointment.request_key == request_key))


def claim(slot_id: int, by_user: User | None = None) -> Slot:
    """Take an open, future slot with one conditional UPDATE, or say why not
    (SlotTaken, with the practitioner's next open times). `by_user` None: a patient's link.
    In the caller's transaction: a refusal raises, and the caller's unit rolls back."""
    slot = db.session.get(Slot, slot_id)
    if slot is None:
        raise ServiceError("That slot no longer exists.")
    if by_user is not None and by_user.has_role(Role.PRACTITIONER):
        practitioners.practitioner_for(by_user, slot.practitioner_id)
    claimed = rows_changed(
        update(Slot)
        .where(Slot.id == slot_id, Slot.status == SlotStatus.OPEN, Slot.starts_at > utcnow())
        .values(status=SlotStatus.BOOKED)
    )
    db.session.refresh(slot)  # as it is now: ours, or whoever's booking or block beat us to it
    if claimed:
        return slot
    if slot.starts_at <= utcnow():
        raise ServiceError("That time has already passed.")
    if slot.status == SlotStatus.BLOCKED:
        raise SlotTaken("That slot is blocked; choose another time.", slots.open_slots(slot.practitioner_id, limit=5))
    raise SlotTaken("That time was just taken by someone else.", slots.open_slots(slot.practitioner_id, limit=5))


def _ad_hoc_slot(
    practitioner_id: int | None, day: date | None, start: time | None, end: time | None, by_user: User
) -> Slot:
    """A booked slot made for an appointment outside the schedule, if it overlaps nothing."""
    if practitioner_id is None or day is None or start is None or end is None:
        raise ServiceError("Choose an open slot, or give the practitioner, date, start and end.")
    practitioner = practitioners.practitioner_for(by_user, practitioner_id)
    span = slots.span_on(day, start, end)
    if span.starts_at <= utcnow():
        raise ServiceError("That time has already passed.")
    practitioners.lock_practitioner(practitioner.id)
    clash = slots.first_clash(practitioner.id, [span])
    if clash is not None:
        _, slot = clash
        raise ServiceError(
            f"{practitioner.name} already has a slot at {describe(slot.starts_at)}"
            f"–{describe_time(slot.ends_at)}; book that slot or choose another time."
        )
    slot = Slot(
        practitioner_id=practitioner.id,
        starts_at=span.starts_at,
        ends_at=span.ends_at,
        status=SlotStatus.BOOKED,
        created_by_id=by_user.id,
    )
    db.session.add(slot)
    db.session.flush()
    return slot
