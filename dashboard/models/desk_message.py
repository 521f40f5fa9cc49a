"""Messages from the desk: a subject and the desk's own words, to one patient or to everyone
with an appointment on a day (optionally one practitioner's), sent now or at a chosen time.

The emails are written to the outbox when the message is (one per patient, `next_attempt_at`
its time, dedupe key `desk:<id>:patient:<patient id>`), so this row is what the desk lists
and cancels: cancelling it cancels those of its emails still queued.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.models.patient import Patient
from dashboard.models.practitioner import Practitioner
from dashboard.models.user import User


class DeskMessageStatus(StrEnum):
    SCHEDULED = "scheduled"  # written, its emails waiting for (or past) its time
    CANCELLED = "cancelled"


class DeskMessage(Model):
    __tablename__ = "desk_messages"
    __table_args__ = (CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="SET NULL"), index=True)
    day: Mapped[date | None] = mapped_column(Date)  # everyone with an appointment that clinic day
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioners.id", ondelete="SET NULL"))
    send_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(10), default=DeskMessageStatus.SCHEDULED)
    recipients: Mapped[int] = mapped_column(default=0)  # emails written
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    patient: Mapped[Patient | None] = relationship()
    practitioner: Mapped[Practitioner | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def key_prefix(self) -> str:
        """The start of its emails' dedupe keys."""
        return f"desk:{self.id}:"
