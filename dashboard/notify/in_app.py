"""In-app notifications for staff, with an email copy for those who want one.

Whether a user gets a kind by email is their saved choice, or else a default
that follows their role (computed, not stored: a user who never chose follows
their role as it changes). The default is yes, except where a kind is not
their work: the new-appointment notice for staff who keep the stock.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select

from dashboard.extensions import db
from dashboard.models import Notification, NotificationPreference, Practitioner, Role, User
from dashboard.notify import outbox
from dashboard.notify.kinds import Kind, staff_kinds


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
    notes = [Notification(user_id=user.id, kind=kind, title=title[:200], body=body, link=link) for user in people]
    db.session.add_all(notes)
    if email_context is None:
        return notes
    wanted = email_wanted(people, kind)
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


def email_default(user: User, kind: str) -> tuple[bool, str]:
    """Whether `user` gets `kind` by email when they haven't chosen, and why not when they don't."""
    if kind == "new_appointment_notice" and user.role == Role.STAFF and user.inventory_keeper:
        return False, "you keep the stock"
    return True, ""


def email_wanted(users: Iterable[User | int], kind: str) -> set[int]:
    """The ids of these users who want `kind` by email too: their choice, else their role's default (one query)."""
    people = _load(users)
    if not people:
        return set()
    saved = dict(
        db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.email).where(
                NotificationPreference.user_id.in_([u.id for u in people]), NotificationPreference.kind == kind
            )
        ).all()
    )
    return {u.id for u in people if saved.get(u.id, email_default(u, kind)[0])}


@dataclass(frozen=True)
class EmailChoice:
    kind: Kind
    wanted: bool  # what they get now
    default: bool  # what their role gets when they haven't chosen
    why_not: str = ""  # why the default is no


def email_choices(user: User) -> list[EmailChoice]:
    """For the preferences page: each staff kind, whether `user` gets it by email, and their default."""
    saved = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.email).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    choices = []
    for kind in staff_kinds():
        default, why_not = email_default(user, kind.name)
        choices.append(EmailChoice(kind, saved.get(kind.name, default), default, why_not))
    return choices


def save_email_choices(user: User, wanted: set[str]) -> None:
    """Keep the choices that differ from the user's default; where they match it, forget the
    saved row, so the user follows their role's default again (in the caller's transaction)."""
    for kind in staff_kinds():
        wants = kind.name in wanted
        if wants == email_default(user, kind.name)[0]:
            db.session.execute(
                delete(NotificationPreference).where(
                    NotificationPreference.user_id == user.id, NotificationPreference.kind == kind.name
                )
            )
        else:
            set_email_preference(user.id, kind.name, wants)


def owners() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.OWNER, User.active.is_(True))))


def desk() -> list[User]:
    """Everyone at the front desk: active staff and owners."""
    return list(db.session.scalars(select(User).where(User.role.in_([Role.OWNER, Role.STAFF]), User.active.is_(True))))


def desk_and(practitioner: Practitioner) -> list[User]:
    """The desk and the practitioner's own account (while it is active), once each:
    who hears of a change to that practitioner's day."""
    people = {u.id: u for u in desk()}
    user = practitioner.user
    if user is not None and user.active:
        people[user.id] = user
    return list(people.values())


def set_email_preference(user_id: int, kind: str, wants_email: bool) -> None:
    pref = db.session.get(NotificationPreference, (user_id, kind))
    if pref is None:
        db.session.add(NotificationPreference(user_id=user_id, kind=kind, email=wants_email))
    else:
        pref.email = wants_email
