"""Reading and marking the bell's notifications.

Writing them (with the emails that go with them) belongs to the
notification pipeline; this module only serves the header and its pages.
"""

from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult

from dashboard.extensions import db
from dashboard.models import Notification, User
from dashboard.models.base import utcnow
from dashboard.notify import in_app
from dashboard.pages import Page, page_of
from dashboard.services import unit_of_work

DROPDOWN_SIZE = 10


def unread_count(user_id: int) -> int:
    """One query on the (user_id, read_at) index."""
    return db.session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()  # a count always has its one row


def latest(user_id: int, limit: int = DROPDOWN_SIZE) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def page_for(user_id: int, page: int, per_page: int = 25) -> Page:
    query = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return page_of(query, page, per_page)


@unit_of_work()
def mark_read(user_id: int, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read; None if it is not theirs."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        return None
    if note.read_at is None:
        note.read_at = utcnow()
    return note


@unit_of_work()
def mark_all_read(user_id: int) -> int:
    result = cast(
        CursorResult,
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        ),
    )
    return result.rowcount


@unit_of_work()
def save_email_choices(user: User, kinds: set[str]) -> None:
    """The bell notifications this user also wants by email (the rest: only the bell)."""
    in_app.save_email_choices(user, kinds)
