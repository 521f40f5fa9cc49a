"""People who log in: the owner, staff and practitioners."""

from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String, false, text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow


def N_(message: str) -> str:
    """Marks words for `make translations`; the header translates the role where it shows it."""
    return message


class Role(StrEnum):
    OWNER = "owner"
    STAFF = "staff"
    PRACTITIONER = "practitioner"

    @property
    def label(self) -> str:
        return {"owner": N_("Owner"), "staff": N_("Staff"), "practitioner": N_("Practitioner")}[self.value]


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('owner', 'staff', 'practitioner')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    # Gets the low-stock alerts (bell, and email unless turned off).
    inventory_keeper: Mapped[bool] = mapped_column(default=False, server_default=false())
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")  # their pages and emails
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # In every session and remember-me cookie (see get_id); bumping it ends them all: logout,
    # a password change or reset, deactivation.
    session_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: id and session version."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session and remember cookie made before this stops working (commit to apply)."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {str(r) for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"
