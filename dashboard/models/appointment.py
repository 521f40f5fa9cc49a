"""Appointments booked into slots, and patients' requests to move one.

A partial unique index on appointments.slot_id backs up the slot's conditional
UPDATE for the appointments that hold a slot (pending and confirmed: ACTIVE).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.models.patient import Patient
from dashboard.models.practitioner import Practitioner
from dashboard.models.slot import Slot
from dashboard.models.user import User


class AppointmentStatus(StrEnum):
    PENDING = "pending"  # requested, not yet confirmed; holds its slot
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return {"no_show": "No-show", "pending": "Requested"}.get(self.value, self.value.capitalize())


# Appointments that hold their slot and their time.
ACTIVE = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)
_ACTIVE_SQL = "status IN ('pending', 'confirmed')"


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class Appointment(Model):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')", name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_appointments_starts", "starts_at"),
        Index("ix_appointments_status_starts", "status", "starts_at"),
        Index("ix_appointments_practitioner_starts", "practitioner_id", "starts_at"),
        Index("ix_appointments_patient_starts", "patient_id", "starts_at"),
        # One live appointment per slot, whatever the code above it does.
        Index(
            "uq_appointments_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default=AppointmentStatus.CONFIRMED)
    # When the current time was set (booking or reschedule): a reminder whose
    # moment had already passed by then is not sent late.
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The form's one-time token: a second identical POST finds this row instead of booking again.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the patient themself said they're coming (from their link); the desk confirming
    # doesn't set it, and a move clears it: they said so for the old time.
    patient_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # "Would like an earlier time": new availability with this practitioner is offered to them.
    wants_earlier: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The SEQUENCE of the patient's calendar invitation (RFC 5545): 0 at the first one,
    # raised by each move or cancellation of a confirmed appointment, so their calendar
    # replaces the entry rather than keeping the old one (see notify/ics.py).
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    patient: Mapped[Patient] = relationship()
    practitioner: Mapped[Practitioner] = relationship()
    slot: Mapped[Slot | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def status_enum(self) -> AppointmentStatus:
        return AppointmentStatus(self.status)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    # What the email templates read (see notify/samples.py).
    @property
    def practitioner_name(self) -> str:
        return self.practitioner.name

    @property
    def specialty(self) -> str:
        return self.practitioner.specialty

    def __repr__(self) -> str:
        return f"<Appointment {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z {self.status}>"


class RescheduleRequest(Model):
    __tablename__ = "reschedule_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'expired')", name="status_known"),
        Index("ix_reschedule_requests_status_created", "status", "created_at"),
        # At most one open request per appointment.
        Index(
            "uq_reschedule_requests_pending",
            "appointment_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.PENDING)
    note: Mapped[str] = mapped_column(Text, default="")  # what the patient would prefer
    source: Mapped[str] = mapped_column(String(10), default="staff")  # staff (phoned in) or link
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected
    old_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id"))

    appointment: Mapped[Appointment] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<RescheduleRequest {self.id} for {self.appointment_id} {self.status}>"
