"""Booking, confirming, cancelling and moving appointments, and the emails each one sends.

A slot is claimed with one conditional UPDATE (open → booked) in the booking
transaction: whoever's UPDATE changes the row gets the slot; everyone else
is told it was just taken and shown the other open times. Emails are written
to the outbox in the same transaction (see notify), so a rollback sends
nothing. With PATIENT_EMAIL_GRACE_MINUTES set, the patient's emails about a
change wait that long and are withdrawn if the change is undone meanwhile.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from dashboard import events, notify, patient_links
from dashboard.clinic_time import clinic_today, describe, describe_time, local_to_utc
from dashboard.extensions import db
from dashboard.models import (
    ACTIVE,
    Appointment,
    AppointmentStatus,
    Patient,
    Practitioner,
    RequestStatus,
    RescheduleRequest,
    Role,
    Slot,
    SlotStatus,
    User,
)
from dashboard.models.base import utcnow
from dashboard.navigation import external_url, path_for
from dashboard.notify import kinds
from dashboard.pages import MAX_PAGE, Page, first_rows
from dashboard.services import ServiceError, practitioners, slots
from dashboard.services.search import containing

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


# ------------------------------------------------------------------ booking


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

    `request_key` is the form's one-time token: the same form posted twice books once."""
    if request_key:
        earlier = _by_request_key(request_key)
        if earlier is not None:
            return Booked(earlier, repeated=True)
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise ServiceError("Choose a patient.")
    reason = (reason or "").strip()[:REASON_LENGTH]

    try:
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
        # used). That is no refusal.
        db.session.rollback()
        earlier = _by_request_key(request_key) if request_key else None
        if earlier is None:
            raise
        return Booked(earlier, repeated=True)
    db.session.commit()
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
        _email_patient("appointment_confirmation", appointment, f"appointment:{appointment.id}:confirmation")
    tell_desk_about(appointment, created_by.full_name if created_by else f"{patient.name}, online")
    return appointment


def _by_request_key(request_key: str) -> Appointment | None:
    return db.session.scalar(select(Appointment).where(Appointment.request_key == request_key))


def claim(slot_id: int, by_user: User | None = None) -> Slot:
    """Take an open, future slot with one conditional UPDATE, or say why not
    (SlotTaken, with the practitioner's next open times). `by_user` None: a patient's link."""
    slot = db.session.get(Slot, slot_id)
    if slot is None:
        raise ServiceError("That slot no longer exists.")
    if by_user is not None and by_user.has_role(Role.PRACTITIONER):
        practitioners.practitioner_for(by_user, slot.practitioner_id)
    claimed = db.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.status == SlotStatus.OPEN, Slot.starts_at > utcnow())
        .values(status=SlotStatus.BOOKED)
    ).rowcount
    if claimed:
        db.session.refresh(slot)
        return slot
    db.session.rollback()
    slot = db.session.get(Slot, slot_id)
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
        db.session.rollback()
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


def tell_desk_about(appointment: Appointment, booked_by: str) -> None:
    """The new-appointment notice to all staff and the owner, and the practitioner: a bell entry,
    and an email unless they turned that off (as whoever booked it may well do)."""
    when = describe(appointment.starts_at)
    state = "requested" if appointment.status == AppointmentStatus.PENDING else "booked"
    notify.bell(
        notify.desk_and(appointment.practitioner),
        "new_appointment_notice",
        f"{appointment.patient.name} {state} with {appointment.practitioner.name}, {when}",
        link=path_for("appointments.detail", appointment_id=appointment.id),
        email_context={
            "patient": appointment.patient,
            "appointment": appointment,
            "booked_by": booked_by,
            "appointment_url": external_url("appointments.detail", appointment_id=appointment.id),
        },
        dedupe_key=f"appointment:{appointment.id}:notice",
    )


def _grace_until() -> datetime | None:
    minutes = current_app.config["PATIENT_EMAIL_GRACE_MINUTES"]
    return utcnow() + timedelta(minutes=minutes) if minutes > 0 else None


def _email_patient(kind: str, appointment: Appointment, dedupe_key: str, **context) -> int | None:
    links = patient_links.for_appointment(appointment.id, appointment.patient_id)
    if kinds.get(kind).optional:
        links |= patient_links.for_optional_email(kind, appointment.patient_id)
    return notify.email(
        kind,
        to=appointment.patient.email,
        context={"patient": appointment.patient, "appointment": appointment, **links, **context},
        dedupe_key=dedupe_key,
        not_before=_grace_until(),
        patient_id=appointment.patient_id,
        appointment_id=appointment.id,
    )


def open_times_link(appointment: Appointment) -> dict[str, str]:
    """The patient's page of the practitioner's open times, to book another one themselves;
    none once the practitioner has left (a deactivated profile takes no bookings)."""
    practitioner = appointment.practitioner
    if practitioner is None or not practitioner.active:
        return {}
    return {"availability_url": patient_links.url("availability", p=appointment.patient_id, r=practitioner.id)}


# ------------------------------------------------------------------ changing an appointment


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


def _appointment_for(appointment_id: int, by_user: User | None) -> Appointment:
    """Staff: as `get` (access checked). A patient's link (`by_user` None): the link was checked."""
    if by_user is not None:
        return get(appointment_id, by_user)
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        raise LookupError(appointment_id)
    return appointment


def confirm(appointment_id: int, by_user: User | None) -> Appointment:
    """Confirm a requested appointment (staff, or the patient from their link: `by_user` None)."""
    appointment = _appointment_for(appointment_id, by_user)
    if appointment.starts_at <= utcnow():
        raise ServiceError("That time has already passed; book the patient a new one.")
    changed = _move_status(appointment, [AppointmentStatus.PENDING], AppointmentStatus.CONFIRMED, confirmed_at=utcnow())
    if not changed:
        raise ServiceError(f"This appointment is {appointment.status_enum.label.lower()}, not awaiting confirmation.")
    _email_patient("appointment_confirmation", appointment, f"appointment:{appointment.id}:confirmation")
    db.session.commit()
    return appointment


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
    appointment = _appointment_for(appointment_id, by_user)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason for the cancellation; the patient will read it.")
    if appointment.starts_at <= utcnow() and appointment.is_active:
        raise ServiceError("This appointment has already started; mark it completed or a no-show instead.")
    who = cancelled_by or ("the clinic" if by_user is None else f"{by_user.full_name} at the clinic")
    changed = _move_status(
        appointment,
        list(ACTIVE),
        AppointmentStatus.CANCELLED,
        cancelled_at=utcnow(),
        cancelled_by=who,
        cancel_reason=reason,
        calendar_sequence=_next_sequence(),
    )
    if not changed:
        raise ServiceError(f"This appointment is already {appointment.status_enum.label.lower()}.")
    free_slot(appointment.slot_id)
    _expire_requests_of(appointment.id)
    # Booked and cancelled within the grace period: the patient never heard of it, and won't.
    withdrawn = current_app.config["PATIENT_EMAIL_GRACE_MINUTES"] > 0 and notify.cancel(
        dedupe_key=f"appointment:{appointment.id}:confirmation", held_only=True
    )
    if not withdrawn:
        _email_patient(
            "appointment_cancelled",
            appointment,
            f"appointment:{appointment.id}:cancelled",
            cancelled_by=who,
            cancelled_by_patient=by_patient,
            reason=reason,
            **open_times_link(appointment),
        )
    db.session.commit()
    log.info("appointment %s cancelled by %s", appointment.id, who)
    return appointment


def record_outcome(appointment_id: int, outcome: str, by_user: User) -> Appointment:
    """Mark a confirmed appointment that has started as completed or a no-show."""
    if outcome not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        raise ServiceError("Unknown outcome.")
    appointment = get(appointment_id, by_user)
    if appointment.starts_at > utcnow():
        raise ServiceError("That appointment hasn't started yet.")
    if not _move_status(appointment, [AppointmentStatus.CONFIRMED], outcome):
        raise ServiceError(f"This appointment is {appointment.status_enum.label.lower()}.")
    db.session.commit()
    return appointment


def _next_sequence():
    """The calendar SEQUENCE after a change, as an SQL expression on the row as it was: one
    more if the appointment was confirmed (the patient holds an invitation to replace); a
    pending one keeps 0, so the first invitation the patient gets is 0 whatever happened before."""
    return case(
        (Appointment.status == AppointmentStatus.CONFIRMED, Appointment.calendar_sequence + 1),
        else_=Appointment.calendar_sequence,
    )


def _move_status(appointment: Appointment, allowed: list[str], to: str, **values) -> bool:
    """One conditional UPDATE, so two people acting at once change it once."""
    changed = db.session.execute(
        update(Appointment)
        .where(Appointment.id == appointment.id, Appointment.status.in_(allowed))
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(appointment)
    return bool(changed)


def free_slot(slot_id: int | None) -> bool:
    """A cancelled or moved appointment's slot opens again, if it is still ahead, and is
    offered to whoever is waiting once the transaction commits."""
    if slot_id is None:
        return False
    freed = db.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.status == SlotStatus.BOOKED, Slot.starts_at > utcnow())
        .values(status=SlotStatus.OPEN, opened_at=utcnow(), offered_at=None)
    ).rowcount
    if freed:
        events.slot_freed.send(db.session.get(Slot, slot_id).practitioner_id, slot_id=slot_id)
    return bool(freed)


# ------------------------------------------------------------------ reschedule requests


def request_reschedule(
    appointment_id: int, *, note: str, by_user: User | None, source: str = "staff"
) -> RescheduleRequest:
    appointment = _appointment_for(appointment_id, by_user)
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
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("There is already a request to move this appointment waiting for an answer.") from None
    return request


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


def expire_requests() -> int:
    """Pending requests not handled by their appointment's time (or whose appointment ended) expire."""
    live = select(Appointment.id).where(Appointment.status.in_(ACTIVE), Appointment.starts_at > utcnow())
    expired = db.session.execute(
        update(RescheduleRequest)
        .where(RescheduleRequest.status == RequestStatus.PENDING, RescheduleRequest.appointment_id.not_in(live))
        .values(status=RequestStatus.EXPIRED, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return expired


def _expire_requests_of(appointment_id: int) -> None:
    db.session.execute(
        update(RescheduleRequest)
        .where(RescheduleRequest.appointment_id == appointment_id, RescheduleRequest.status == RequestStatus.PENDING)
        .values(status=RequestStatus.EXPIRED, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _open_request(request_id: int, by_user: User) -> RescheduleRequest:
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
    appointment = request.appointment
    new_slot = db.session.get(Slot, new_slot_id)
    if new_slot is None or new_slot.practitioner_id != appointment.practitioner_id:
        raise ServiceError(f"Choose one of {appointment.practitioner.name}'s open slots.")
    decided = db.session.execute(
        update(RescheduleRequest)
        .where(RescheduleRequest.id == request.id, RescheduleRequest.status == RequestStatus.PENDING)
        .values(status=RequestStatus.APPROVED, decided_at=utcnow(), decided_by_id=by_user.id, new_slot_id=new_slot_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not decided:
        db.session.rollback()
        raise ServiceError("Someone else answered that request a moment ago.")
    move(appointment, claim(new_slot_id, by_user), f"reschedule:{request.id}:approved")
    db.session.commit()
    return appointment


def move(appointment: Appointment, slot: Slot, dedupe_key: str) -> None:
    """Put an appointment into a slot just claimed; the old slot opens again and the
    patient is told old and new times. Flushed, not committed."""
    old_starts_at, old_slot_id = appointment.starts_at, appointment.slot_id
    appointment.calendar_sequence = _next_sequence()  # the UPDATE reads the status before this move
    appointment.slot_id = slot.id
    appointment.starts_at = slot.starts_at
    appointment.ends_at = slot.ends_at
    appointment.scheduled_at = utcnow()
    if appointment.status == AppointmentStatus.PENDING:
        appointment.status = AppointmentStatus.CONFIRMED
        appointment.confirmed_at = utcnow()
    appointment.wants_earlier = False
    db.session.flush()
    free_slot(old_slot_id)
    _email_patient("reschedule_approved", appointment, dedupe_key, old_starts_at=old_starts_at)


def reject_reschedule(request_id: int, reason: str, by_user: User) -> RescheduleRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason; the patient will read it.")
    request = _open_request(request_id, by_user)
    db.session.execute(
        update(RescheduleRequest)
        .where(RescheduleRequest.id == request.id, RescheduleRequest.status == RequestStatus.PENDING)
        .values(status=RequestStatus.REJECTED, decided_at=utcnow(), decided_by_id=by_user.id, reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(request)
    _email_patient(
        "reschedule_rejected",
        request.appointment,
        f"reschedule:{request.id}:rejected",
        reason=reason,
        **open_times_link(request.appointment),
    )
    db.session.commit()
    return request


# ------------------------------------------------------------------ lists


LISTS = ("today", "upcoming", "past", "all")


def listing(
    user: User,
    *,
    view: str = "upcoming",
    practitioner_id: int | None = None,
    patient_id: int | None = None,
    status: str | None = None,
    q: str = "",
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """One page of appointments in one query, whatever the page or the table's size.

    The page's ids are chosen by a subquery over appointments alone (their
    indexes cover every filter but the search), then only those rows are
    joined to their patient and practitioner: a deep page skips index entries,
    not joined rows. "Has next" comes from fetching one more id than shown,
    not from a COUNT."""
    now = utcnow()
    ids = select(Appointment.id)
    if user.has_role(Role.PRACTITIONER):
        own = select(Practitioner.id).where(Practitioner.user_id == user.id).scalar_subquery()
        ids = ids.where(Appointment.practitioner_id == own)
    elif practitioner_id:
        ids = ids.where(Appointment.practitioner_id == practitioner_id)
    if patient_id:
        ids = ids.where(Appointment.patient_id == patient_id)
    if status in {s.value for s in AppointmentStatus}:
        ids = ids.where(Appointment.status == status)
    q = (q or "").strip()
    if q:
        ids = ids.join(Appointment.patient).where(
            containing(q, Patient.first_name + " " + Patient.last_name, Patient.email, Appointment.reason)
        )
    if view == "today":
        today = clinic_today()
        ids = ids.where(
            Appointment.starts_at >= local_to_utc(today, time(0)),
            Appointment.starts_at < local_to_utc(today + timedelta(days=1), time(0)),
        )
        order = [Appointment.starts_at, Appointment.id]
    elif view == "upcoming":
        ids = ids.where(Appointment.starts_at >= now)
        order = [Appointment.starts_at, Appointment.id]
    elif view == "past":
        ids = ids.where(Appointment.starts_at < now)
        order = [Appointment.starts_at.desc(), Appointment.id.desc()]
    else:
        order = [Appointment.starts_at.desc(), Appointment.id.desc()]
    page = min(max(page, 1), MAX_PAGE)
    chosen = ids.order_by(*order).offset((page - 1) * per_page).limit(per_page + 1).subquery()
    query = (
        select(Appointment)
        .join(chosen, chosen.c.id == Appointment.id)
        .join(Appointment.patient)
        .join(Appointment.practitioner)
        .options(contains_eager(Appointment.patient), contains_eager(Appointment.practitioner))
        .order_by(*order)
    )
    rows = list(db.session.scalars(query))
    return first_rows(rows, page, per_page)
