"""Delivering the outbox: claim rows, send them over one SMTP connection,
record what happened, and retry what can be retried.

RQ is only the fast path. Retries and recovery live in the rows themselves
(`attempts`, `next_attempt_at`, stuck `sending` rows returned to `queued`),
so a lost job, a Redis outage or a killed worker never loses an email.
"""

import functools
import logging
import queue
import random
import smtplib
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import bindparam, select, update

from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus
from dashboard.models.base import utcnow
from dashboard.navigation import external_url, path_for
from dashboard.notify import headers, in_app, mime
from dashboard.notify.handoff import enqueue

log = logging.getLogger(__name__)

GAVE_UP = "gave up after"  # how a failure that was only ever temporary starts its error


# ------------------------------------------------------------------- claiming


def claim(ids: list[int]) -> list[int]:
    """Atomically move due, queued rows to `sending`; two workers never claim one row."""
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
    db.session.commit()
    return sorted(claimed)


def release_stuck(now: datetime | None = None) -> int:
    """Rows left in `sending` by a killed worker go back to the queue."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["OUTBOX_SENDING_TIMEOUT"])
    result = db.session.execute(
        update(EmailMessage)
        .where(EmailMessage.status == EmailStatus.SENDING, EmailMessage.claimed_at < cutoff)
        .values(status=EmailStatus.QUEUED, claimed_at=None, last_error="worker stopped while sending; requeued")
    )
    db.session.commit()
    if result.rowcount:
        log.warning("requeued %d email(s) stuck in sending", result.rowcount)
    return result.rowcount


def sweep() -> dict:
    """Requeue stuck rows and re-enqueue every due queued row (cron, and `flask outbox flush`)."""
    if current_app.config["MAIL_BACKEND"] == "outbox":
        return {"released": 0, "enqueued": 0}
    released = release_stuck()
    due = db.session.scalars(
        select(EmailMessage.id)
        .where(EmailMessage.status == EmailStatus.QUEUED, EmailMessage.next_attempt_at <= utcnow())
        .order_by(EmailMessage.next_attempt_at)
        .limit(current_app.config["OUTBOX_SWEEP_LIMIT"])
    ).all()
    db.session.commit()
    now = utcnow()
    enqueue((message_id, now) for message_id in due)
    return {"released": released, "enqueued": len(due)}


# -------------------------------------------------------------------- sending


@dataclass
class Outcome:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"sent": len(self.sent), "retrying": len(self.retrying), "failed": len(self.failed)}


class PermanentFailure(Exception):
    """The server refused this message for good (5xx): retrying will not help."""


def deliver(ids: list[int]) -> Outcome:
    """Send the given rows that are still due; the delivery job's body."""
    claimed = claim(ids)
    if not claimed:
        return Outcome()
    messages = mime.load(claimed)
    db.session.commit()
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


def _send_batch(messages: list[mime.Outgoing], recorder: "Recorder") -> None:
    """Send over one connection, recording each message before sending the
    next, so a killed worker can leave at most the message in flight unrecorded.

    A helper thread builds the next messages while this one waits on the
    server; sending, recording and every failure stay on this thread.
    """
    pending = deque(messages)
    # A slow server must not keep rows `sending` long enough to look stuck.
    deadline = time.monotonic() + current_app.config["OUTBOX_SENDING_TIMEOUT"] / 2
    builder = Prefetcher(messages, current_app._get_current_object())
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
                    refused = _send(smtp, prepared)
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


class Prefetcher:
    """Builds messages on a helper thread, a few ahead of the one being sent,
    in the same order. It only reads the rows' values and the app's config."""

    AHEAD = 4

    def __init__(self, messages: list[mime.Outgoing], app):
        self._ready: queue.Queue = queue.Queue(maxsize=self.AHEAD)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(messages, app), name="mime-builder", daemon=True)
        self._thread.start()

    def _run(self, messages, app) -> None:
        with app.app_context():
            for message in messages:
                prepared = _prepare(message)
                while not self._stopped.is_set():
                    try:
                        self._ready.put(prepared, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stopped.is_set():
                    return

    def next(self) -> "Prepared | Exception":
        return self._ready.get()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


@dataclass(frozen=True)
class Prepared:
    message_id: str
    envelope_from: str
    to: list[headers.WireAddress]
    bcc: list[headers.WireAddress]
    data: bytes

    @property
    def needs_smtputf8(self) -> bool:
        return any(address.needs_smtputf8 for address in self.to)


def _prepare(message: mime.Outgoing) -> Prepared | Exception:
    try:
        message_id = message.smtp_message_id or mime.new_message_id(message.id)
        data = mime.to_bytes(message, message_id)
        return Prepared(
            message_id,
            headers.wire(mime.sender_address()).envelope,
            [headers.wire(address) for address in message.recipients],
            [headers.wire(address) for address in message.bcc],
            data,
        )
    except Exception as exc:  # noqa: BLE001  a broken row must not block the batch behind it
        log.exception("could not build email #%s", message.id)
        return exc


NO_SMTPUTF8 = (
    "The clinic's mail server can't deliver to an address with letters outside A-Z before the @ ({addresses}): "
    "it does not offer SMTPUTF8. Ask the patient for another address, or use a mail provider that supports it."
)


def _send(smtp: smtplib.SMTP, prepared: Prepared) -> dict:
    """Send one prepared message; returns the recipients the server refused (if it accepted others).

    An address with a non-ASCII local part goes only to a server that offers
    SMTPUTF8; without it the message fails for good with a reason the desk can
    act on (a hidden copy to such an address is dropped instead)."""
    smtp.ehlo_or_helo_if_needed()  # what the server offers is known after EHLO
    utf8 = smtp.has_extn("smtputf8")
    if prepared.needs_smtputf8 and not utf8:
        raise PermanentFailure(NO_SMTPUTF8.format(addresses=", ".join(a.header for a in prepared.to)))
    bcc = [a for a in prepared.bcc if utf8 or not a.needs_smtputf8]
    if len(bcc) < len(prepared.bcc):
        log.warning("hidden copies to non-ASCII addresses dropped: the server does not offer SMTPUTF8")
    envelope = [a.envelope for a in prepared.to + bcc]
    options = ["SMTPUTF8"] if utf8 and any(a.needs_smtputf8 for a in prepared.to + bcc) else []
    try:
        return smtp.sendmail(prepared.envelope_from, envelope, prepared.data, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        if all(code >= 500 for code, _ in exc.recipients.values()):
            raise PermanentFailure(describe(exc)) from exc
        raise
    except smtplib.SMTPResponseException as exc:
        # smtplib has already reset the session (or closed it on a 421, which
        # the next send notices as a disconnection).
        if exc.smtp_code >= 500:
            raise PermanentFailure(describe(exc)) from exc
        raise


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Verifies the server's certificate and name; loading the CA store is slow, so once per process."""
    return ssl.create_default_context()


def open_smtp() -> smtplib.SMTP:
    """One connection for a whole batch, with a socket timeout and verified TLS
    (Flask-Mail sets neither)."""
    config = current_app.config
    timeout = config["MAIL_TIMEOUT"]
    local_hostname = config["MAIL_EHLO_HOSTNAME"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], local_hostname, timeout=timeout, context=_tls_context()
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], local_hostname, timeout=timeout)
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=_tls_context())
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {detail}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {msg.decode(errors='replace')}" for rcpt, (code, msg) in exc.recipients.items()
        )
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# ------------------------------------------------------------- recording


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
            _tell_about_failure(message, error, message.attempts + 1)
            db.session.commit()
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


def _wake_up_for_retries(ids: list[int]) -> None:
    if not ids:
        return
    rows = db.session.execute(select(EmailMessage.id, EmailMessage.next_attempt_at).where(EmailMessage.id.in_(ids)))
    enqueue(list(rows))
