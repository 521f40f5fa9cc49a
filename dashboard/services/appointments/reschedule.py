"""Requests to move an appointment: asking, the desk's queue, approving (the move) or declining, expiry."""

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from dashboard.extensions import db
from dashboard.models import ACTIVE, Appointment, AppointmentStatus, RequestStatus, RescheduleRequest, Slot, User
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, rows_changed, unit_of_work
from dashboard.services.appointments.booking import claim
from dashboard.services.appointments.changes import appointment_for, free_slot, get, next_sequence
from dashboard.services.appointments.emails import email_patient, open_times_link, patient_context


@unit_of_work()
def request_reschedule(
    appointment_id: int, *, note: str, by_user: User | None, source: str = "staff"
) -> RescheduleRequest:
    """Record a request to move an upcoming appointment; one waits for an answer at a time."""
    appointment = appointment_for(appointment_id, by_user)
    if not appointment.is_active:
        raise ServiceError("Only a pending or confirmed appointment can be moved.")
    if appointment.starts_at <= utcnow():
        raise ServiceError("That appointment has already started.")
    request = RescheduleRequest(
        appointment_id=appointment.id,
        note=(note or "").strip(),
        source=source,
        created_by_id=by_user.id if by_user else None,
        old_starts_at=appointment.starts_at,
    )
    db.session.add(request)
    try:
        db.session.flush()  # the one-pending-request-per-appointment index refuses a second here
    except IntegrityError:
        raise ServiceError("There is already a request to move this appointment waiting for an answer.") from None
    return request


def requests_for(appointment_id: int) -> list[RescheduleRequest]:
    """Every request to move one appointment, newest first."""
    return list(
        db.session.scalars(
            select(RescheduleRequest)
            .where(RescheduleRequest.appointment_id == appointment_id)
            .order_by(RescheduleRequest.created_at.desc())
        )
    )


def pending_requests() -> list[RescheduleRequest]:
    """The queue, soonest appointment first; requests whose appointment has started are expired first."""
    expire_requests()
    return list(
        db.session.scalars(
            select(RescheduleRequest)
            .join(RescheduleRequest.appointment)
            .options(
                joinedload(RescheduleRequest.appointment).joinedload(Appointment.patient),
                joinedload(RescheduleRequest.appointment).joinedload(Appointment.practitioner),
            )
            .where(RescheduleRequest.status == RequestStatus.PENDING)
            .order_by(Appointment.starts_at)
        )
    )


@unit_of_work()
def expire_requests() -> int:
    """Pending requests not handled by their appointment's time (or whose appointment ended) expire."""
    live = select(Appointment.id).where(Appointment.status.in_(ACTIVE), Appointment.starts_at > utcnow())
    expired = rows_changed(
        update(RescheduleRequest)
        .where(RescheduleRequest.status == RequestStatus.PENDING, RescheduleRequest.appointment_id.not_in(live))
        .values(status=RequestStatus.EXPIRED, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return expired


def _open_request(request_id: int, by_user: User) -> RescheduleRequest:
    """The pending request `by_user` may answer. Called before the answer's unit: a request
    found stale is expired in a unit of its own, which stays committed though the answer is refused."""
    request = db.session.get(RescheduleRequest, request_id)
    if request is None:
        raise ServiceError("That request no longer exists.")
    get(request.appointment_id, by_user)  # a practitioner only handles their own
    if request.status == RequestStatus.PENDING and (
        not request.appointment.is_active or request.appointment.starts_at <= utcnow()
    ):
        expire_requests()
        db.session.refresh(request)
    if request.status != RequestStatus.PENDING:
        raise ServiceError(f"That request is already {request.status}.")
    return request


def approve_reschedule(request_id: int, new_slot_id: int, by_user: User) -> Appointment:
    """Move the appointment into `new_slot_id` (claimed like a booking); the old slot opens again."""
    request = _open_request(request_id, by_user)
    with unit_of_work():
        appointment = request.appointment
        new_slot = db.session.get(Slot, new_slot_id)
        if new_slot is None or new_slot.practitioner_id != appointment.practitioner_id:
            raise ServiceError(f"Choose one of {appointment.practitioner.name}'s open slots.")
        decided = rows_changed(
            update(RescheduleRequest)
            .where(RescheduleRequest.id == request.id, RescheduleRequest.status == RequestStatus.PENDING)
            .values(
                status=RequestStatus.APPROVED, decided_at=utcnow(), decided_by_id=by_user.id, new_slot_id=new_slot_id
            )
            .execution_options(synchronize_session=False)
        )
        if not decided:
            raise ServiceError("Someone else answered that request a moment ago.")
        move(appointment, claim(new_slot_id, by_user), f"reschedule:{request.id}:approved")
    return appointment


def move_to(appointment_id: int, slot_id: int, by_user: User) -> Appointment:
    """The desk moves an upcoming appointment into another open slot of its practitioner's (the
    "Move to" picker, or dragging it on the calendar): claimed like a booking, the old slot opens
    again and the patient is emailed old and new times. A request to move it that was waiting is
    answered by the move."""
    with unit_of_work():
        appointment = get(appointment_id, by_user)
        if not appointment.is_active:
            raise ServiceError("Only a pending or confirmed appointment can be moved.")
        if appointment.starts_at <= utcnow():
            raise ServiceError("That appointment has already started.")
        new_slot = db.session.get(Slot, slot_id)
        if (
            new_slot is None
            or new_slot.practitioner_id != appointment.practitioner_id
            or new_slot.id == appointment.slot_id
        ):
            raise ServiceError(f"Choose one of {appointment.practitioner.name}'s open slots.")
        db.session.execute(
            update(RescheduleRequest)
            .where(
                RescheduleRequest.appointment_id == appointment.id, RescheduleRequest.status == RequestStatus.PENDING
            )
            .values(status=RequestStatus.APPROVED, decided_at=utcnow(), decided_by_id=by_user.id, new_slot_id=slot_id)
            .execution_options(synchronize_session=False)
        )
        move(appointment, claim(slot_id, by_user), f"appointment:{appointment.id}:moved:{utcnow().isoformat()}")
    return appointment


def move(appointment: Appointment, slot: Slot, dedupe_key: str) -> None:
    """Put an appointment into a slot just claimed; the old slot opens again and the
    patient is told old and new times. Flushed, not committed."""
    old_starts_at, old_slot_id = appointment.starts_at, appointment.slot_id
    appointment.calendar_sequence = next_sequence()  # the UPDATE reads the status before this move
    appointment.slot_id = slot.id
    appointment.starts_at = slot.starts_at
    appointment.ends_at = slot.ends_at
    appointment.scheduled_at = utcnow()
    if appointment.status == AppointmentStatus.PENDING:
        appointment.status = AppointmentStatus.CONFIRMED
        appointment.confirmed_at = utcnow()
    appointment.wants_earlier = False
    appointment.patient_confirmed_at = None  # they said they'd come at the old time
    db.session.flush()
    free_slot(old_slot_id)
    email_patient("reschedule_approved", appointment, dedupe_key, old_starts_at=old_starts_at)


def reject_preview(request_id: int, reason: str, by_user: User) -> tuple[dict, str | None]:
    """The email `reject_reschedule` would send the patient, and to whom; nothing is written."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason; the patient will read it.")
    appointment = _open_request(request_id, by_user).appointment
    context = patient_context("reschedule_rejected", appointment, reason=reason, **open_times_link(appointment))
    return context, appointment.patient.email


def reject_reschedule(request_id: int, reason: str, by_user: User) -> RescheduleRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason; the patient will read it.")
    request = _open_request(request_id, by_user)
    with unit_of_work():
        db.session.execute(
            update(RescheduleRequest)
            .where(RescheduleRequest.id == request.id, RescheduleRequest.status == RequestStatus.PENDING)
            .values(status=RequestStatus.REJECTED, decided_at=utcnow(), decided_by_id=by_user.id, reason=reason)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(request)
        email_patient(
            "reschedule_rejected",
            request.appointment,
            f"reschedule:{request.id}:rejected",
            reason=reason,
            **open_times_link(request.appointment),
        )
    return request
