"""The patient's own page: their upcoming appointments, latest messages and open offers."""

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from dashboard.extensions import db
from dashboard.models import ACTIVE, Appointment, Offer, Patient, PatientMessage, Practitioner, WaitlistEntry
from dashboard.models.base import utcnow
from dashboard.services import unit_of_work
from dashboard.services.portal.lookup import patient
from dashboard.services.portal.waiting import open_offers

MESSAGES_SHOWN = 20


@dataclass
class Overview:
    patient: Patient
    upcoming: list[Appointment]
    messages: list[PatientMessage]
    unread: set[int] = field(default_factory=set)  # ids of the messages that were new on this visit
    offers: list[Offer] = field(default_factory=list)
    practitioners: list[Practitioner] = field(default_factory=list)  # whose open times they may book


def practitioners_for(patient_id: int) -> list[Practitioner]:
    """The active practitioners a patient has seen or waits for; everyone active if none."""
    seen = select(Appointment.practitioner_id).where(Appointment.patient_id == patient_id)
    waits = select(WaitlistEntry.practitioner_id).where(WaitlistEntry.patient_id == patient_id)
    active = select(Practitioner).where(Practitioner.active.is_(True)).order_by(Practitioner.name, Practitioner.id)
    theirs = list(db.session.scalars(active.where(Practitioner.id.in_(seen.union(waits)))))
    return theirs or list(db.session.scalars(active))


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
        with unit_of_work():
            db.session.execute(
                update(PatientMessage)
                .where(PatientMessage.id.in_(unread), PatientMessage.read_at.is_(None))
                .values(read_at=now)
                .execution_options(synchronize_session=False)
            )
    return Overview(who, upcoming, messages, unread, open_offers(who.id, now=now), practitioners_for(who.id))
