"""The outbox: one row per email, written in the same transaction as the
change that causes it, and the only record of what was sent.

Rows move queued → sending → sent, or back to queued with a later
`next_attempt_at` after a temporary failure, or to failed after a permanent
one or the last attempt. A queued row can be cancelled until it is claimed.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow


class AddressLists:
    """`recipients` and `bcc` as lists, from the comma-separated `to_addrs` and `bcc_addrs`."""

    to_addrs: str
    bcc_addrs: str

    @property
    def recipients(self) -> list[str]:
        return [address for address in self.to_addrs.split(",") if address]

    @property
    def bcc(self) -> list[str]:
        return [address for address in self.bcc_addrs.split(",") if address]


class EmailStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class EmailMessage(AddressLists, Model):
    __tablename__ = "email_messages"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')", name="status_known"),
        # The sweeper and the claim look for due rows by status and time.
        Index("ix_email_messages_status_due", "status", "next_attempt_at"),
        Index("ix_email_messages_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    to_addrs: Mapped[str] = mapped_column(Text)  # comma-separated, validated
    bcc_addrs: Mapped[str] = mapped_column(Text, default="")  # envelope only, never a header
    subject: Mapped[str] = mapped_column(String(300))
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=EmailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    smtp_message_id: Mapped[str | None] = mapped_column(String(250))
    # For optional emails: the one-click unsubscribe URL (List-Unsubscribe, RFC 8058).
    list_unsubscribe: Mapped[str | None] = mapped_column(String(500))
    transport: Mapped[str | None] = mapped_column(String(10))  # smtp | console
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="SET NULL"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)
    resent_from_id: Mapped[int | None] = mapped_column(ForeignKey("email_messages.id", ondelete="SET NULL"), index=True)

    attachments: Mapped[list["EmailAttachment"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="EmailAttachment.id"
    )


class EmailAttachment(Model):
    __tablename__ = "email_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("email_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[EmailMessage] = relationship(back_populates="attachments")


class NotificationPreference(Model):
    """Whether a user also wants a kind of bell notification by email (default: yes)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
