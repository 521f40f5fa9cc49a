"""Who is interested in a practitioner's new times, and in what order: their waiting list,
pending requests with them, confirmed appointments marked "earlier, please"; never someone who
unsubscribed from these emails."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import (
    Appointment,
    AppointmentStatus,
    InterestReason,
    Patient,
    PatientEmailPreference,
    Slot,
    WaitlistEntry,
)
from dashboard.models.base import utcnow


@dataclass(frozen=True)
class Person:
    """What an offer needs of a patient, copied out of the ORM: a fan-out commits every
    batch, and ORM objects would then be reloaded one by one (thousands of SELECTs)."""

    id: int
    first_name: str
    last_name: str
    email: str | None
    language: str = "en"  # their emails and the messages on their page are written in it

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @classmethod
    def of(cls, patient: Patient) -> "Person":
        return cls(patient.id, patient.first_name, patient.last_name, patient.email, patient.language)


@dataclass
class Interest:
    patient: Person
    reason: str
    source_id: int
    urgent: bool = False
    order: int = 0  # within urgency: requests first, then the waiting list in the desk's order, then "earlier"
    since: datetime | None = None
    before: datetime | None = None  # "earlier, please": only times before their appointment

    def wants(self, slot: Slot) -> bool:
        return self.before is None or slot.starts_at < self.before


def interested(practitioner_id: int, *, now: datetime | None = None) -> list[Interest]:
    """Everyone waiting for this practitioner, once each, best reason first, in offer order (3 queries)."""
    now = now or utcnow()
    today = clinic_today()
    found: list[Interest] = []
    for appointment in db.session.scalars(
        select(Appointment)
        .options(joinedload(Appointment.patient))
        .where(
            Appointment.practitioner_id == practitioner_id,
            Appointment.starts_at > now,
            (Appointment.status == AppointmentStatus.PENDING)
            | ((Appointment.status == AppointmentStatus.CONFIRMED) & Appointment.wants_earlier.is_(True)),
        )
    ):
        pending = appointment.status == AppointmentStatus.PENDING
        found.append(
            Interest(
                Person.of(appointment.patient),
                InterestReason.REQUEST if pending else InterestReason.EARLIER,
                appointment.id,
                order=0 if pending else 10**9,
                since=appointment.created_at,
                before=None if pending else appointment.starts_at,
            )
        )
    # Columns, not ORM rows: a waiting list can be thousands long.
    for entry in db.session.execute(
        select(
            WaitlistEntry.id,
            WaitlistEntry.urgent,
            WaitlistEntry.position,
            WaitlistEntry.created_at,
            Patient.id.label("patient_id"),
            Patient.first_name,
            Patient.last_name,
            Patient.email,
            Patient.language,
        )
        .join(Patient, Patient.id == WaitlistEntry.patient_id)
        .where(
            WaitlistEntry.practitioner_id == practitioner_id,
            WaitlistEntry.ended_at.is_(None),
            (WaitlistEntry.expires_on.is_(None)) | (WaitlistEntry.expires_on >= today),
        )
    ):
        found.append(
            Interest(
                Person(entry.patient_id, entry.first_name, entry.last_name, entry.email, entry.language),
                InterestReason.WAITLIST,
                entry.id,
                urgent=entry.urgent,
                order=entry.position,
                since=entry.created_at,
            )
        )
    declined = set(
        db.session.scalars(
            select(PatientEmailPreference.patient_id).where(
                PatientEmailPreference.kind == "new_availability", PatientEmailPreference.email.is_(False)
            )
        )
    )
    found.sort(key=lambda i: (not i.urgent, i.order, i.since or now, i.patient.id))
    seen: set[int] = set()
    people = []
    for interest in found:
        if interest.patient.id not in seen and interest.patient.id not in declined:
            seen.add(interest.patient.id)
            people.append(interest)
    return people
