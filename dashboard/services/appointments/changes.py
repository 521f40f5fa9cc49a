"""Changing an appointment: confirming (the desk, or the patient's "I'll be there"), cancelling,
recording how it went, asking for earlier.

Every status change is one conditional UPDATE, so two people acting at once change
it once; a cancelled (or moved) appointment's slot opens again.
"""

import logging
from typing import Literal

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import joinedload

from dashboard import events, notify
from dashboard.extensions import db
from dashboard.models import (
    ACTIVE,
    Appointment,
    AppointmentStatus,
    RequestStatus,
    RescheduleRequest,
    Role,
    Slot,
    SlotStatus,
    User,
)
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.services import ServiceError, rows_changed, unit_of_work
from dashboard.services.appointments.emails import email_patient, open_times_link, patient_context
from dashboard.settings import setting

log = logging.getLogger(__name__)


def get(appointment_id: int, user: User) -> Appointment:
    """The appointment, if `user` may see it (a practitioner sees only their own)."""
    appointment = db.session.get(
        Appointment,
        appointment_id,
        options=[joinedload(Appointment.patient), joinedload(Appointment.practitioner)],
    )
    if appointment is None:
        raise LookupError(appointment_id)
    if user.has_role(Role.PRACTITIONER) and appointment.practitioner.user_id != user.id:
        raise PermissionError(appointment_id)
    return appointment


def appointment_for(appointment_id: int, by_user: User | None) -> Appointment:
    """Staff: as `get` (access checked). A patient's link (`by_user` None): the link was checked."""
    if by_user is not None:
        return get(appointment_id, by_user)
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        raise LookupError(appointment_id)
    return appointment


@unit_of_work()
def confirm(appointment_id: int, by_user: User | None) -> Appointment:
    """Confirm a requested appointment (staff; the patient's own word is `patient_confirms`)."""
    appointment = appointment_for(appointment_id, by_user)
    if appointment.starts_at <= utcnow():
        raise ServiceError("That time has already passed; book the patient a new one.")
    changed = move_status(appointment, [AppointmentStatus.PENDING], AppointmentStatus.CONFIRMED, confirmed_at=utcnow())
    if not changed:
        raise ServiceError(f"This appointment is {appointment.status_enum.label.lower()}, not awaiting confirmation.")
    email_patient("appointment_confirmation", appointment, f"appointment:{appointment.id}:confirmation")
    return appointment


def canceller(by_user: User | None, cancelled_by: str | None = None) -> str:
    """Who the patient is told cancelled."""
    return cancelled_by or ("the clinic" if by_user is None else f"{by_user.full_name} at the clinic")


def cancelled_context(appointment: Appointment, who: str, reason: str, by_patient: bool = False) -> dict:
    """The cancellation email's own values (beside the patient, the appointment and its links)."""
    return {"cancelled_by": who, "cancelled_by_patient": by_patient, "reason": reason, **open_times_link(appointment)}


def cancel_preview(appointment_id: int, *, by_user: User, reason: str) -> tuple[dict, str | None]:
    """The email `cancel` would send the patient, and to whom; nothing is changed or written."""
    appointment = appointment_for(appointment_id, by_user)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason for the cancellation; the patient will read it.")
    extra = cancelled_context(appointment, canceller(by_user), reason)
    return patient_context("appointment_cancelled", appointment, **extra), appointment.patient.email


PatientSaid = Literal["confirmed", "coming", "already"]


@unit_of_work()
def patient_confirms(appointment_id: int) -> PatientSaid:
    """The patient says they're coming, from their link: one conditional UPDATE, on an active,
    future appointment they haven't said so for yet. A requested one is confirmed by it and
    emailed as the desk's confirming does ("confirmed"); a confirmed one only records their word
    ("coming", no email); said before: "already", nothing changes. ServiceError otherwise."""
    appointment = appointment_for(appointment_id, None)
    now = literal(utcnow(), UTCDateTime())
    changed = move_status(
        appointment,
        list(ACTIVE),
        AppointmentStatus.CONFIRMED,
        Appointment.starts_at > now,
        Appointment.patient_confirmed_at.is_(None),
        patient_confirmed_at=now,
        # Requested until this UPDATE: confirmed by it, at the same instant (told apart below).
        confirmed_at=case((Appointment.status == AppointmentStatus.PENDING, now), else_=Appointment.confirmed_at),
    )
    if not changed:
        if appointment.starts_at <= utcnow():
            raise ServiceError("That time has already passed. If something isn't right, please call us.")
        if not appointment.is_active:
            raise ServiceError(f"This appointment is {appointment.status_enum.label.lower()}.")
        return "already"
    if appointment.confirmed_at != appointment.patient_confirmed_at:
        return "coming"
    email_patient("appointment_confirmation", appointment, f"appointment:{appointment.id}:confirmation")
    return "confirmed"


def cancel(
    appointment_id: int,
    *,
    by_user: User | None,
    reason: str,
    cancelled_by: str | None = None,
    by_patient: bool = False,
) -> Appointment:
    """Cancel a pending or confirmed appointment and free its slot (if still ahead).

    The patient is told who cancelled and why (`by_patient`: they did, from their
    link, and the email says "You cancelled"), with a way to book again, unless
    the confirmation was still held in its grace period: then neither email goes."""
    with unit_of_work():
        appointment = appointment_for(appointment_id, by_user)
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError("Give a reason for the cancellation; the patient will read it.")
        if appointment.starts_at <= utcnow() and appointment.is_active:
            raise ServiceError("This appointment has already started; mark it completed or a no-show instead.")
        who = canceller(by_user, cancelled_by)
        changed = move_status(
            appointment,
            list(ACTIVE),
            AppointmentStatus.CANCELLED,
            cancelled_at=utcnow(),
            cancelled_by=who,
            cancel_reason=reason,
            calendar_sequence=next_sequence(),
        )
        if not changed:
            raise ServiceError(f"This appointment is already {appointment.status_enum.label.lower()}.")
        free_slot(appointment.slot_id)
        expire_requests_of(appointment.id)
        # Booked and cancelled within the grace period: the patient never heard of it, and won't.
        withdrawn = setting("PATIENT_EMAIL_GRACE_MINUTES") > 0 and notify.cancel(
            dedupe_key=f"appointment:{appointment.id}:confirmation", held_only=True
        )
        if not withdrawn:
            email_patient(
                "appointment_cancelled",
                appointment,
                f"appointment:{appointment.id}:cancelled",
                **cancelled_context(appointment, who, reason, by_patient),
            )
    log.info("appointment %s cancelled by %s", appointment.id, who)
    return appointment


@unit_of_work()
def record_outcome(appointment_id: int, outcome: str, by_user: User) -> Appointment:
    """Mark a confirmed appointment that has started as completed or a no-show."""
    if outcome not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        raise ServiceError("Unknown outcome.")
    appointment = get(appointment_id, by_user)
    if appointment.starts_at > utcnow():
        raise ServiceError("That appointment hasn't started yet.")
    if not move_status(appointment, [AppointmentStatus.CONFIRMED], outcome):
        raise ServiceError(f"This appointment is {appointment.status_enum.label.lower()}.")
    return appointment


@unit_of_work()
def set_wants_earlier(appointment_id: int, wants: bool, by_user: User) -> Appointment:
    """Set or clear the flag on an upcoming pending or confirmed appointment.

    Raises LookupError (no such appointment), PermissionError (another practitioner's) or ServiceError."""
    appointment = get(appointment_id, by_user)
    if appointment.status not in (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED):
        raise ServiceError("Only a pending or confirmed appointment can ask for an earlier time.")
    if appointment.starts_at <= utcnow():
        raise ServiceError("This appointment has already started.")
    appointment.wants_earlier = bool(wants)
    return appointment


def next_sequence():
    """The calendar SEQUENCE after a change, as an SQL expression on the row as it was: one
    more if the appointment was confirmed (the patient holds an invitation to replace); a
    pending one keeps 0, so the first invitation the patient gets is 0 whatever happened before."""
    return case(
        (Appointment.status == AppointmentStatus.CONFIRMED, Appointment.calendar_sequence + 1),
        else_=Appointment.calendar_sequence,
    )


def move_status(appointment: Appointment, allowed: list[str], to: str, *conditions, **values) -> bool:
    """One conditional UPDATE (from a status in `allowed`, and `conditions`), so two people
    acting at once change it once."""
    changed = rows_changed(
        update(Appointment)
        .where(Appointment.id == appointment.id, Appointment.status.in_(allowed), *conditions)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(appointment)
    return bool(changed)


def free_slot(slot_id: int | None) -> bool:
    """A cancelled or moved appointment's slot opens again, if it is still ahead, and is
    offered to whoever is waiting once the transaction commits."""
    if slot_id is None:
        return False
    freed = rows_changed(
        update(Slot)
        .where(Slot.id == slot_id, Slot.status == SlotStatus.BOOKED, Slot.starts_at > utcnow())
        .values(status=SlotStatus.OPEN, opened_at=utcnow(), offered_at=None)
    )
    if freed:
        practitioner_id = db.session.scalar(select(Slot.practitioner_id).where(Slot.id == slot_id))
        events.slot_freed.send(practitioner_id, slot_id=slot_id)
    return bool(freed)


def expire_requests_of(appointment_id: int) -> None:
    db.session.execute(
        update(RescheduleRequest)
        .where(RescheduleRequest.appointment_id == appointment_id, RescheduleRequest.status == RequestStatus.PENDING)
        .values(status=RequestStatus.EXPIRED, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
