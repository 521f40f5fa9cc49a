"""Who is waiting for a practitioner's time: one row per patient per practitioner's list."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.models.patient import Patient
from dashboard.models.practitioner import Practitioner


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
