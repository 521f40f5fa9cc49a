"""In-app notifications for staff, with an email copy for those who want one."""

from collections.abc import Iterable

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Notification, NotificationPreference, Role, User
from dashboard.notify import outbox


def bell(
    users: Iterable[User | int],
    kind: str,
    title: str,
    *,
    body: str = "",
    link: str | None = None,
    email_context: dict | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """A bell entry for each user; with `email_context`, also an email of `kind`
    to each user who has not turned that kind's emails off."""
    people = _load(users)
    wanted = email_wanted({u.id for u in people}, kind) if email_context is not None else set()
    notes = [Notification(user_id=user.id, kind=kind, title=title[:200], body=body, link=link) for user in people]
    db.session.add_all(notes)
    copies = [
        outbox.Message(
            to=user.email,
            context={**email_context, "recipient_name": user.full_name},
            dedupe_key=f"{dedupe_key}:user:{user.id}" if dedupe_key else None,
        )
        for user in people
        if user.id in wanted
    ]
    if copies:
        outbox.emails(kind, copies)
    return notes


def _load(users: Iterable[User | int]) -> list[User]:
    items = list(users)
    ids = [u for u in items if isinstance(u, int)]
    loaded = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    return [u for u in items if isinstance(u, User)] + loaded


def email_wanted(user_ids: set[int], kind: str) -> set[int]:
    """Of these users, those who want `kind` by email too (everyone, unless they said no)."""
    if not user_ids:
        return set()
    declined = set(
        db.session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.user_id.in_(user_ids),
                NotificationPreference.kind == kind,
                NotificationPreference.email.is_(False),
            )
        )
    )
    return user_ids - declined


def owners() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.OWNER, User.active.is_(True))))


def desk() -> list[User]:
    """Everyone at the front desk: active staff and owners."""
    return list(db.session.scalars(select(User).where(User.role.in_([Role.OWNER, Role.STAFF]), User.active.is_(True))))


def set_email_preference(user_id: int, kind: str, wants_email: bool) -> None:
    pref = db.session.get(NotificationPreference, (user_id, kind))
    if pref is None:
        db.session.add(NotificationPreference(user_id=user_id, kind=kind, email=wants_email))
    else:
        pref.email = wants_email
