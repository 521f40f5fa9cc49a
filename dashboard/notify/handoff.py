"""Handing written rows to the workers, once the transaction that wrote them commits.

Writers (`outbox.emails`, the outbox page's resend) `remember` the new ids in the
session; when it commits they go to RQ (`enqueue`), and when it rolls back they
are forgotten. If Redis is down the rows simply wait for the sweeper.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from dashboard import queues
from dashboard.extensions import db
from dashboard.models.base import utcnow

log = logging.getLogger(__name__)

DELIVER_JOB = "dashboard.jobs.email.deliver"
PENDING = "outbox_pending"  # the session.info key of the ids to queue at commit


def enqueue(pending: Iterable[tuple[int, datetime]]) -> None:
    """Hand written rows to the workers: due ones now, later ones at their time."""
    if current_app.config["MAIL_BACKEND"] == "outbox":
        return  # kept in the outbox, not sent (the development default)
    pending = list(pending)
    now = utcnow()
    due = sorted(message_id for message_id, at in pending if at <= now)
    later: dict[datetime, list[int]] = {}
    for message_id, at in pending:
        if at > now:
            later.setdefault(at.replace(microsecond=0), []).append(message_id)
    for chunk in _chunks(due, current_app.config["OUTBOX_BATCH_SIZE"]):
        queues.enqueue(DELIVER_JOB, chunk, queue="emails", job_timeout=_job_timeout())
    for at, ids in later.items():
        queues.enqueue_at(at + timedelta(seconds=1), DELIVER_JOB, ids, queue="emails", job_timeout=_job_timeout())


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _job_timeout() -> int:
    """RQ stops a job before its rows could look stuck, so the sweeper never
    requeues rows that a live worker is still sending."""
    return max(60, current_app.config["OUTBOX_SENDING_TIMEOUT"] - 60)


def remember(written: Iterable[tuple[int | None, datetime]]) -> None:
    """Queue these ids when the current transaction commits."""
    db.session.info.setdefault(PENDING, []).extend((i, due) for i, due in written if i is not None)


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending:
        try:
            enqueue(pending)
        except Exception:  # noqa: BLE001  the change is committed; the sweeper delivers what was not queued
            log.exception("could not queue %d email(s) after commit; the sweeper will", len(pending))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
