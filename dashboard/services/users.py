"""Creating, authenticating and deactivating the people who log in."""

import secrets
from decimal import Decimal
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard import languages
from dashboard.extensions import db
from dashboard.models import Practitioner, Role, User
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, unit_of_work

MIN_PASSWORD_LENGTH = 8


class WrongPassword(ServiceError):
    """The current password given to change it is not the user's: a failed attempt, as at the login."""


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


@unit_of_work()
def create_user(
    *,
    username: str,
    email: str,
    full_name: str,
    role: Role | str,
    password: str,
    specialty: str | None = None,
    consultation_fee: Decimal | None = None,
    language: str = languages.DEFAULT,
) -> User:
    """Add a user; a practitioner also gets the profile patients will see. Inside another unit
    of work (the demo's seed) it joins that one."""
    username = normalise_username(username)
    if not username:
        raise ServiceError("A username is required.")
    if role not in {r.value for r in Role}:
        raise ServiceError(f"Unknown role {role!r}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ServiceError(f"That email address is not valid: {exc}") from exc
    if find_by_username(username):
        raise ServiceError(f"The username {username!r} is already taken.")
    _check_language(language)

    user = User(username=username, email=email, full_name=full_name.strip(), role=str(role), language=language)
    user.set_password(password)
    db.session.add(user)
    if role == Role.PRACTITIONER:
        db.session.add(
            Practitioner(
                user=user,
                name=user.full_name,
                specialty=(specialty or "General practice").strip(),
                consultation_fee=consultation_fee or Decimal("0.00"),
            )
        )
    return user


@cache
def _dummy_hash(method: str) -> str:
    """A hash made once per process with the clinic's method, checked when nobody has the
    username: an unknown username then takes as long to refuse as a wrong password."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(username: str, password: str) -> User | None:
    """The user whose password this is, active or not; None otherwise. Exactly one password
    check either way, so the time taken doesn't tell whether the username exists."""
    user = find_by_username(username)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")), password)
        return None
    return user if user.check_password(password) else None


@unit_of_work()
def change_password(user: User, current_password: str, new_password: str) -> None:
    """The user's own change: the current password first. Ends every other session of theirs."""
    if not user.check_password(current_password):
        raise WrongPassword(_("The current password is not right."))
    _set_new_password(user, new_password)


@unit_of_work()
def reset_password(user_id: int, new_password: str) -> User:
    """The owner sets another user's password; every session of that user ends."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ServiceError("No such user.")
    _set_new_password(user, new_password)
    return user


def _set_new_password(user: User, new_password: str) -> None:
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(_("The password must be at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    user.set_password(new_password)
    user.end_sessions()


def _check_language(code: str) -> None:
    if code not in languages.LANGUAGES:
        raise ServiceError(f"Unknown language {code!r}.")


@unit_of_work()
def set_language(user: User, code: str) -> None:
    """The language of the user's own pages and of the emails to them."""
    _check_language(code)
    user.language = code


@unit_of_work()
def end_sessions(user: User) -> None:
    """Log the user out everywhere: every session and remember cookie made before now."""
    user.end_sessions()


@unit_of_work()
def record_login(user: User) -> None:
    user.last_login_at = utcnow()


@unit_of_work()
def set_active(user_id: int, active: bool, *, acting_user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise ServiceError("No such user.")
    if user.id == acting_user_id and not active:
        raise ServiceError("You cannot deactivate your own account.")
    if not active and user.role == Role.OWNER and _active_owner_count() <= 1:
        raise ServiceError("The clinic must keep at least one active owner.")
    user.active = active
    if not active:
        user.end_sessions()  # reactivating must not bring the old sessions back
    if user.role == Role.PRACTITIONER:
        profile = db.session.scalar(select(Practitioner).where(Practitioner.user_id == user.id))
        if profile is not None:
            profile.active = active
    return user


def _active_owner_count() -> int:
    return db.session.execute(
        select(func.count()).select_from(User).where(User.role == Role.OWNER, User.active.is_(True))
    ).scalar_one()  # a count always has its one row


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.role, User.full_name)))
