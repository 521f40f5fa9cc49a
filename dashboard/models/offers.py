"""Who is waiting for a practitioner's time, what they were offered, and what
patients read on their own page.

An `Offer` is one slot put to one patient: the record of who was offered
which slot, when, in what order, and how it ended. With the clinic's
"everyone at once" mode every interested patient gets their offers at once
(first come, first served); with "one at a time" the queue is written up
front and each slot is held for one patient at a time.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.models.patient import Patient
from dashboard.models.practitioner import Practitioner
from dashboard.models.schedule import Slot


class WaitlistEntry(Model):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint("end_reason IN ('booked', 'expired', 'removed')", name="end_reason_known"),
        Index("ix_waitlist_entries_practitioner_open", "practitioner_id", "ended_at", "position"),
        # One open entry per patient per practitioner.
        Index(
            "uq_waitlist_entries_open",
            "practitioner_id",
            "patient_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    preferences: Mapped[str] = mapped_column(String(200), default="")  # e.g. "Mornings, not Fridays"
    position: Mapped[int] = mapped_column(default=0)  # the desk's order within urgent / not urgent
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(10))

    patient: Mapped[Patient] = relationship()
    practitioner: Mapped[Practitioner] = relationship()

    def __repr__(self) -> str:
        return f"<WaitlistEntry {self.id} patient {self.patient_id} for {self.practitioner_id}>"


class OfferStatus(StrEnum):
    OFFERED = "offered"  # everyone at once: open to whoever books first
    QUEUED = "queued"  # one at a time: waiting for their turn
    HELD = "held"  # one at a time: theirs alone until expires_at
    BOOKED = "booked"
    TAKEN = "taken"  # someone else booked the slot
    EXPIRED = "expired"  # the hold ran out, or the slot's time came
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the slot was blocked or removed

    @property
    def label(self) -> str:
        return {"taken": "Taken by another", "held": "Held for them"}.get(self.value, self.value.capitalize())


OPEN_OFFERS = (OfferStatus.OFFERED, OfferStatus.QUEUED, OfferStatus.HELD)


class InterestReason(StrEnum):
    WAITLIST = "waitlist"
    REQUEST = "request"  # a pending appointment request with the practitioner
    EARLIER = "earlier"  # a confirmed appointment marked "would like an earlier time"

    @property
    def label(self) -> str:
        return {"waitlist": "Waiting list", "request": "Pending request", "earlier": "Wants an earlier time"}[
            self.value
        ]


class Offer(Model):
    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('offered', 'queued', 'held', 'booked', 'taken', 'expired', 'declined', 'withdrawn')",
            name="status_known",
        ),
        CheckConstraint("reason IN ('waitlist', 'request', 'earlier')", name="reason_known"),
        UniqueConstraint("slot_id", "patient_id", name="uq_offers_slot_patient"),
        Index("ix_offers_slot_status_rank", "slot_id", "status", "rank"),
        Index("ix_offers_status_expires", "status", "expires_at"),
        Index("ix_offers_patient", "patient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    reason: Mapped[str] = mapped_column(String(10))
    # The waitlist entry or appointment that made the patient interested.
    source_id: Mapped[int | None] = mapped_column()
    rank: Mapped[int] = mapped_column(default=0)  # order among the slot's offers: 0 first
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when the patient was told
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # end of a hold
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))

    slot: Mapped[Slot] = relationship()
    patient: Mapped[Patient] = relationship()

    @property
    def status_enum(self) -> OfferStatus:
        return OfferStatus(self.status)

    @property
    def reason_enum(self) -> InterestReason:
        return InterestReason(self.reason)

    def __repr__(self) -> str:
        return f"<Offer {self.id} slot {self.slot_id} to {self.patient_id} {self.status}>"


class PatientMessage(Model):
    """What a patient sees on their own page: offers and news about their appointments."""

    __tablename__ = "patient_messages"
    __table_args__ = (Index("ix_patient_messages_patient_created", "patient_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PatientEmailPreference(Model):
    """A patient's choice about one optional kind of email (offers, reminders...); no row: they get it."""

    __tablename__ = "patient_email_preferences"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
