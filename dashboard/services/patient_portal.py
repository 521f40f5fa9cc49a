"""What patients see and change from the signed links in their emails (they never log in).

The link is the authority: each function takes the ids a link carried and
checks that the rows exist and belong together (an appointment of another
patient is as missing as one that doesn't exist). Booking, confirming,
cancelling and moving go through the offers and appointments services; this
module adds the patient's side: their page, their email preferences, and
telling the desk and the practitioner when a patient acts.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from dashboard import notify
from dashboard.extensions import db
from dashboard.models import (
    ACTIVE,
    OPEN_OFFERS,
    Appointment,
    AppointmentStatus,
    Offer,
    OfferStatus,
    Patient,
    PatientEmailPreference,
    PatientMessage,
    Practitioner,
    RequestStatus,
    RescheduleRequest,
    Slot,
    SlotStatus,
)
from dashboard.models.base import utcnow
from dashboard.navigation import path_for
from dashboard.notify.kinds import KINDS, Kind
from dashboard.services import ServiceError, appointments, waitlist

MESSAGES_SHOWN = 20
MAX_ID = 2**63 - 1  # ids beyond this don't exist, and some drivers can't even compare them


class NotFound(LookupError):
    """A row a link points at is gone, or isn't this patient's."""


# ------------------------------------------------------------------ loading what a link points at


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


# ------------------------------------------------------------------ offers


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


def keep_waiting(patient_id: int, practitioner_id: int) -> Waiting:
    """The patient's "keep me on the waiting list": on that practitioner's list, unless they already
    wait through an appointment of theirs (a pending request, or one marked "earlier, please"),
    which new times are offered to already: a list entry too would book them a second appointment.
    ServiceError if the practitioner takes no bookings any more."""
    patient(patient_id)
    doctor = practitioner(practitioner_id)
    if not doctor.active:
        raise ServiceError(f"{doctor.name} isn't taking appointments any more. Please call us and we'll help.")
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


# ------------------------------------------------------------------ the patient's own page


@dataclass
class Overview:
    patient: Patient
    upcoming: list[Appointment]
    messages: list[PatientMessage]
    unread: set[int] = field(default_factory=set)  # ids of the messages that were new on this visit
    offers: list[Offer] = field(default_factory=list)


def overview(patient_id: int) -> Overview:
    """Their upcoming appointments, latest messages (marked read: they have now seen them) and open offers."""
    who = patient(patient_id)
    now = utcnow()
    upcoming = list(
        db.session.scalars(
            select(Appointment)
            .options(joinedload(Appointment.practitioner))
            .where(Appointment.patient_id == who.id, Appointment.status.in_(ACTIVE), Appointment.starts_at > now)
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )
    messages = list(
        db.session.scalars(
            select(PatientMessage)
            .where(PatientMessage.patient_id == who.id)
            .order_by(PatientMessage.created_at.desc(), PatientMessage.id.desc())
            .limit(MESSAGES_SHOWN)
        )
    )
    unread = {m.id for m in messages if m.read_at is None}
    if unread:
        db.session.execute(
            update(PatientMessage)
            .where(PatientMessage.id.in_(unread), PatientMessage.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return Overview(who, upcoming, messages, unread, open_offers(who.id, now=now))


# ------------------------------------------------------------------ email preferences


def optional_kinds() -> list[Kind]:
    """The patients' emails they may turn off."""
    return [k for k in KINDS.values() if k.audience == "patient" and k.optional]


def optional_kind(name: object) -> Kind:
    """The optional patient kind called `name`; ServiceError for any other."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None or kind.audience != "patient" or not kind.optional:
        raise ServiceError("That isn't a kind of email you can unsubscribe from.")
    return kind


def preferences(patient_id: int) -> dict[str, bool]:
    """Whether the patient wants each optional kind (no row: they do)."""
    saved = {
        p.kind: p.email
        for p in db.session.scalars(
            select(PatientEmailPreference).where(PatientEmailPreference.patient_id == patient_id)
        )
    }
    return {k.name: saved.get(k.name, True) for k in optional_kinds()}


def _set(patient_id: int, kind: str, wanted: bool) -> bool:
    """Record the choice (in the caller's transaction); True if it changed anything."""
    pref = db.session.get(PatientEmailPreference, (patient_id, kind))
    if pref is None:
        db.session.add(PatientEmailPreference(patient_id=patient_id, kind=kind, email=wanted))
        return not wanted
    if pref.email == wanted:
        return False
    pref.email = wanted
    return True


def save_preferences(patient_id: int, wanted: dict[str, bool]) -> dict[str, bool]:
    """Save the patient's choices for the optional kinds named in `wanted` (others are ignored)."""
    patient(patient_id)
    for kind in optional_kinds():
        if kind.name in wanted:
            _set(patient_id, kind.name, bool(wanted[kind.name]))
    db.session.commit()
    return preferences(patient_id)


def unsubscribe(patient_id: int, kind_name: str) -> bool:
    """Turn off one optional kind; False if it was already off."""
    patient(patient_id)
    kind = optional_kind(kind_name)
    changed = _set(patient_id, kind.name, False)
    db.session.commit()
    return changed


# ------------------------------------------------------------------ acting on an appointment


def _tell_desk(appointment: Appointment, title: str) -> None:
    """The desk's bell, and the practitioner's: it is their day that changes."""
    notify.bell(
        notify.desk_and(appointment.practitioner),
        "patient_action",
        title,
        link=path_for("appointments.detail", appointment_id=appointment.id),
    )
    db.session.commit()


def cancel(appointment: Appointment, reason: str) -> Appointment:
    """The patient cancels from their link; the desk's and the practitioner's bells ring.
    ServiceError if it can't be cancelled."""
    reason = (reason or "").strip()
    name = appointment.patient.name
    done = appointments.cancel(
        appointment.id, by_user=None, reason=reason, cancelled_by=f"{name} (online)", by_patient=True
    )
    _tell_desk(done, f"{name} cancelled online: {reason}")
    return done


def ask_to_move(appointment: Appointment, note: str) -> RescheduleRequest:
    """The patient asks for another time; the desk's and the practitioner's bells ring.
    ServiceError if one is already waiting."""
    request = appointments.request_reschedule(appointment.id, note=note, by_user=None, source="link")
    note = request.note
    name = appointment.patient.name
    _tell_desk(appointment, f"{name} asked online to move their appointment" + (f": {note}" if note else ""))
    return request
