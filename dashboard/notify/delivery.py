"""Delivering the outbox: claim rows, send them over one SMTP connection,
record what happened, and retry what can be retried.

RQ is only the fast path. Retries and recovery live in the rows themselves
(`attempts`, `next_attempt_at`, stuck `sending` rows returned to `queued`),
so a lost job, a Redis outage or a killed worker never loses an email.

Here: claiming, the send loop and the sweeper; `smtp.py` is the wire,
`recording.py` what happened to each message, `handoff.py` the queueing.
"""

import logging
import smtplib
import time
from collections import deque
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from dashboard.database import rows_changed, unit_of_work
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus
from dashboard.models.base import utcnow
from dashboard.notify import kinds, mime, quiet
from dashboard.notify.handoff import enqueue
from dashboard.notify.recording import GAVE_UP as GAVE_UP  # re-exported: the patients' pages read it
from dashboard.notify.recording import Outcome, Recorder
from dashboard.notify.smtp import PermanentFailure, Prefetcher, describe, open_smtp, send

log = logging.getLogger(__name__)


# ------------------------------------------------------------------- claiming


@unit_of_work()
def claim(ids: list[int]) -> list[int]:
    """Atomically move due, queued rows to `sending`; two workers never claim one row.
    Committed at once: a claim outlives the sending it guards."""
    now = utcnow()
    claimed = db.session.scalars(
        update(EmailMessage)
        .where(
            EmailMessage.id.in_(ids),
            EmailMessage.status == EmailStatus.QUEUED,
            EmailMessage.next_attempt_at <= now,
        )
        .values(status=EmailStatus.SENDING, claimed_at=now)
        .returning(EmailMessage.id)
    ).all()
    return sorted(claimed)


def release_stuck(now: datetime | None = None) -> int:
    """Rows left in `sending` by a killed worker go back to the queue."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["OUTBOX_SENDING_TIMEOUT"])
    statement = (
        update(EmailMessage)
        .where(EmailMessage.status == EmailStatus.SENDING, EmailMessage.claimed_at < cutoff)
        .values(status=EmailStatus.QUEUED, claimed_at=None, last_error="worker stopped while sending; requeued")
    )
    with unit_of_work():
        released = rows_changed(statement)
    if released:
        log.warning("requeued %d email(s) stuck in sending", released)
    return released


def sweep() -> dict:
    """Requeue stuck rows and re-enqueue every due queued row (cron, and `flask outbox flush`)."""
    if current_app.config["MAIL_BACKEND"] == "outbox":
        return {"released": 0, "enqueued": 0}
    released = release_stuck()
    with unit_of_work():  # a read, ended before the queueing
        due = db.session.scalars(
            select(EmailMessage.id)
            .where(EmailMessage.status == EmailStatus.QUEUED, EmailMessage.next_attempt_at <= utcnow())
            .order_by(EmailMessage.next_attempt_at)
            .limit(current_app.config["OUTBOX_SWEEP_LIMIT"])
        ).all()
    now = utcnow()
    enqueue((message_id, now) for message_id in due)
    return {"released": released, "enqueued": len(due)}


def hold_quiet(ids: list[int]) -> list[int]:
    """During quiet hours, move the optional emails among `ids` (queued before the window, or
    retried inside it) to the window's end, and wake up for them then; returns the rest."""
    until = quiet.quiet_until(utcnow()) if ids else None
    if until is None:
        return ids
    optional = [kind.name for kind in kinds.KINDS.values() if kind.optional]
    with unit_of_work():
        held = db.session.scalars(
            update(EmailMessage)
            .where(
                EmailMessage.id.in_(ids),
                EmailMessage.status == EmailStatus.QUEUED,
                EmailMessage.kind.in_(optional),
                EmailMessage.next_attempt_at < until,  # (never brought forward)
            )
            .values(next_attempt_at=until)
            .returning(EmailMessage.id)
        ).all()
    if held:
        log.info("%d optional email(s) wait for the end of quiet hours", len(held))
        enqueue((message_id, until) for message_id in held)
    waiting = set(held)
    return [message_id for message_id in ids if message_id not in waiting]


def deliver(ids: list[int]) -> Outcome:
    """Send the given rows that are still due (optional ones not in quiet hours); the delivery job's body."""
    claimed = claim(hold_quiet(ids))
    if not claimed:
        return Outcome()
    with unit_of_work():  # a read, ended before the sending (SQLite's readers hold no lock across it)
        messages = mime.load(claimed)
    with db.engine.connect() as connection:
        recorder = Recorder(connection)
        if current_app.config["MAIL_BACKEND"] == "console":
            for message in messages:
                log.info("email #%s (console backend)\n%s", message.id, mime.to_bytes(message).decode("utf-8"))
                recorder.sent(message, "console", {}, message.smtp_message_id)
        else:
            _send_batch(messages, recorder)
    _wake_up_for_retries(recorder.outcome.retrying)
    return recorder.outcome


def _send_batch(messages: list[mime.Outgoing], recorder: Recorder) -> None:
    """Send over one connection, recording each message before sending the
    next, so a killed worker can leave at most the message in flight unrecorded.

    A helper thread builds the next messages while this one waits on the
    server; sending, recording and every failure stay on this thread.
    """
    pending = deque(messages)
    # A slow server must not keep rows `sending` long enough to look stuck.
    deadline = time.monotonic() + current_app.config["OUTBOX_SENDING_TIMEOUT"] / 2
    # The app itself, not the proxy, for the helper thread (the proxy is typed as Flask, so its own method is unknown).
    builder = Prefetcher(messages, current_app._get_current_object())  # type: ignore[attr-defined]
    try:
        with open_smtp() as smtp:
            while pending:
                if time.monotonic() > deadline:
                    recorder.hand_back(list(pending))
                    pending.clear()
                    break
                message = pending.popleft()
                prepared = builder.next()
                if isinstance(prepared, Exception):
                    recorder.failed(message, f"could not build the message: {describe(prepared)}")
                    continue
                try:
                    refused = send(smtp, prepared)
                except PermanentFailure as exc:
                    recorder.failed(message, str(exc))
                except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
                    recorder.retry(message, describe(exc))  # a 4xx: this message only
                except (OSError, smtplib.SMTPException):
                    pending.appendleft(message)  # the connection died with it: retried with the rest
                    raise
                else:
                    recorder.sent(message, "smtp", refused, prepared.message_id)
    except (OSError, smtplib.SMTPException) as exc:
        # The connection failed or died: what was not sent is retried later.
        error = describe(exc)
        log.warning("SMTP connection failed after %d sent: %s", len(recorder.outcome.sent), error)
        for message in pending:
            recorder.retry(message, error)
    finally:
        builder.stop()


def _wake_up_for_retries(ids: list[int]) -> None:
    if not ids:
        return
    rows = db.session.execute(select(EmailMessage.id, EmailMessage.next_attempt_at).where(EmailMessage.id.in_(ids)))
    enqueue(list(rows))
