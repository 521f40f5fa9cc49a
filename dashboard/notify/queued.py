"""What the outbox already holds: the dedupe keys used, and cancelling an email
that is still queued (within a grace period, say).
"""

from typing import cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus
from dashboard.models.base import utcnow

KEY_CHUNK = 500  # dedupe keys (or ids) per IN (...) query


def used_keys(keys: list[str]) -> set[str]:
    """The dedupe keys among `keys` already in the outbox, so their emails are not even rendered."""
    used: set[str] = set()
    column = EmailMessage.dedupe_key
    for start in range(0, len(keys), KEY_CHUNK):
        used.update(db.session.scalars(select(column).where(column.in_(keys[start : start + KEY_CHUNK]))))
    return used


def cancel(*, message_id: int | None = None, dedupe_key: str | None = None, held_only: bool = False) -> bool:
    """Cancel a queued email (e.g. within a grace period); False once it is on its way or sent.

    With `held_only`, only an email still waiting for its not-before time and
    never tried: one a worker simply hasn't reached yet is left to go."""
    if (message_id is None) == (dedupe_key is None):
        raise ValueError("give exactly one of message_id or dedupe_key")
    condition = EmailMessage.id == message_id if message_id is not None else EmailMessage.dedupe_key == dedupe_key
    conditions = [condition, EmailMessage.status == EmailStatus.QUEUED]
    if held_only:
        conditions += [EmailMessage.attempts == 0, EmailMessage.next_attempt_at > utcnow()]
    cancelled = {"status": EmailStatus.CANCELLED, "last_error": "cancelled before sending"}
    result = cast(CursorResult, db.session.execute(update(EmailMessage).where(*conditions).values(**cancelled)))
    return result.rowcount > 0
