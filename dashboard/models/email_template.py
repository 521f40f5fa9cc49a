"""The owner's versions of the emails' words: every save kept, the newest of a kind in use.

A version holds the three parts an owner edits together (the subject, the HTML content and
the text content); one with no parts is a return to the file's default (templates/emails/),
so reverting keeps the history. `language` is "en" until emails are translated.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.models.user import User


class EmailTemplateVersion(Model):
    __tablename__ = "email_template_versions"
    __table_args__ = (
        # The version in use: the newest of (kind, language); the list of a kind's versions.
        Index("ix_email_template_versions_kind", "kind", "language", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8), default="en")
    subject: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Kept when the user is deleted (SET NULL): the history still says "a former user".
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[User | None] = relationship()

    @property
    def is_default(self) -> bool:
        """A return to the file's default rather than the owner's words."""
        return self.subject is None
