"""Practitioners' time: slots of availability.

Every time is stored in UTC; pages and emails show it in the clinic's zone.
A slot is booked by one conditional UPDATE (open → booked), so two people
racing for it get one appointment between them.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.models.practitioner import Practitioner


class SlotStatus(StrEnum):
    OPEN = "open"
    BOOKED = "booked"
    BLOCKED = "blocked"


class Slot(Model):
    __tablename__ = "slots"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'booked', 'blocked')", name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_slots_practitioner_starts", "practitioner_id", "starts_at"),
        Index("ix_slots_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10), default=SlotStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When it last became open (added, freed by a cancellation, unblocked): each opening
    # is offered anew. `offered_at` NULL on an open slot means that offer run is still
    # owed, which the cron catches up on.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    practitioner: Mapped[Practitioner] = relationship()

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def __repr__(self) -> str:
        return f"<Slot {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z {self.status}>"
