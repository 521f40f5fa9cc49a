"""What patients waiting for a practitioner's time were offered.

An `Offer` is one slot put to one patient: the record of who was offered
which slot, when, in what order, and how it ended. With the clinic's
"everyone at once" mode every interested patient gets their offers at once
(first come, first served); with "one at a time" the queue is written up
front and each slot is held for one patient at a time.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.models.patient import Patient
from dashboard.models.slot import Slot


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
