"""Recording what happened to each message of a batch: sent, a retry with
exponential backoff and jitter, or failed for good (and the owners told).
"""

import functools
import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import bindparam, update

from dashboard.database import unit_of_work
from dashboard.models import EmailMessage, EmailStatus
from dashboard.models.base import utcnow
from dashboard.navigation import external_url, path_for
from dashboard.notify import in_app
from dashboard.notify.handoff import enqueue

log = logging.getLogger(__name__)

GAVE_UP = "gave up after"  # how a failure that was only ever temporary starts its error


@dataclass
class Outcome:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"sent": len(self.sent), "retrying": len(self.retrying), "failed": len(self.failed)}


class Recorder:
    """Writes what happened to each message of a batch, committing message by
    message on one connection held for the whole batch (a checkout, ping and
    reset per message would cost more than the write itself)."""

    def __init__(self, connection):
        self.connection = connection
        self.outcome = Outcome()
        self.table = EmailMessage.__table__

    def _update(self, message_id: int, **values) -> None:
        self.connection.execute(_update_statement(tuple(sorted(values))), {"message_id": message_id, **values})
        self.connection.commit()  # before the next send: a killed worker re-sends at most the one in flight

    def sent(self, message, transport: str, refused: dict, smtp_message_id: str | None) -> None:
        self._update(
            message.id,
            status=EmailStatus.SENT,
            sent_at=utcnow(),
            attempts=message.attempts + 1,
            transport=transport,
            smtp_message_id=smtp_message_id,
            last_error=f"refused by the server: {', '.join(refused)}" if refused else None,
        )
        self.outcome.sent.append(message.id)

    def retry(self, message, error: str) -> None:
        attempts = message.attempts + 1
        if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            self.failed(message, f"{GAVE_UP} {attempts} attempts: {error}")
            return
        self._update(
            message.id,
            status=EmailStatus.QUEUED,
            attempts=attempts,
            claimed_at=None,
            last_error=error,
            next_attempt_at=utcnow() + timedelta(seconds=backoff(attempts)),
        )
        self.outcome.retrying.append(message.id)

    def failed(self, message, error: str) -> None:
        log.error("email #%s (%s to %s) failed: %s", message.id, message.kind, message.to_addrs, error)
        self._update(
            message.id, status=EmailStatus.FAILED, attempts=message.attempts + 1, claimed_at=None, last_error=error
        )
        if message.kind != "delivery_failed":  # never a failure notice about a failure notice
            with unit_of_work():
                _tell_about_failure(message, error, message.attempts + 1)
        self.outcome.failed.append(message.id)

    def hand_back(self, messages: list) -> None:
        """Return claimed but unsent rows to the queue, without counting an attempt."""
        ids = [m.id for m in messages]
        self.connection.execute(
            update(self.table).where(self.table.c.id.in_(ids)).values(status=EmailStatus.QUEUED, claimed_at=None)
        )
        self.connection.commit()
        now = utcnow()
        enqueue([(message_id, now) for message_id in ids])


@functools.cache
def _update_statement(columns: tuple[str, ...]):
    """One UPDATE per set of columns, built once: building a statement per
    message costs more than the write itself."""
    table = EmailMessage.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("message_id"))
        .values({column: bindparam(column) for column in columns})
    )


def backoff(attempts: int) -> float:
    """Exponential backoff with jitter: about base·2^(n-1), capped, spread over its upper half."""
    config = current_app.config
    delay = min(config["OUTBOX_RETRY_CAP"], config["OUTBOX_RETRY_BASE"] * 2 ** (attempts - 1))
    return delay * random.uniform(0.5, 1.0)


def _tell_about_failure(message, error: str, attempts: int) -> None:
    """The owners hear of every email that failed for good, with a link to it in the
    outbox; when it was a patient's, the rest of the desk hears too, with a link to
    the patient's page (where the failure shows beside their address)."""
    failed = SimpleNamespace(subject=message.subject, recipients=message.to_addrs, error=error, attempts=attempts)
    patient_url = external_url("patients.detail", patient_id=message.patient_id) if message.patient_id else None

    def ring(people, link: str, **links) -> None:
        in_app.bell(
            people,
            "delivery_failed",
            f"Email not delivered: {message.subject}",
            body=f"To {message.to_addrs}: {error}",
            link=link,
            email_context={"failed": failed, "patient_url": patient_url, **links},
            dedupe_key=f"delivery_failed:{message.id}",
        )

    owners = in_app.owners()
    ring(
        owners,
        path_for("outbox.detail", message_id=message.id),
        outbox_url=external_url("outbox.detail", message_id=message.id),
    )
    if message.patient_id:
        staff = [user for user in in_app.desk() if user.id not in {owner.id for owner in owners}]
        ring(staff, path_for("patients.detail", patient_id=message.patient_id))
