"""The owner's settings: overrides of the environment's defaults, their audit, and the logo."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow


class ClinicSetting(Model):
    """One setting the owner changed: its value as the environment would give it (a string)."""

    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who last changed it; the audit keeps the name even after the user is gone.
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SettingChange(Model):
    """Every change of a setting, newest shown first on the settings page."""

    __tablename__ = "setting_changes"
    __table_args__ = (Index("ix_setting_changes_changed_at", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)  # None: it was the environment's default
    new_value: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_by_name: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ClinicLogo(Model):
    """An uploaded logo. Rows are never changed: the setting CLINIC_LOGO names the current one, so
    its URL (/logo/<id>) can be cached for good and an old email's logo keeps showing."""

    __tablename__ = "clinic_logos"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
