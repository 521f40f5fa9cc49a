"""The wire: each message's envelope and bytes (built a few ahead on a helper
thread), one SMTP connection for a batch, and one message sent over it.

Uses smtplib directly, for a socket timeout, a verifying TLS context and a
per-message envelope with SMTPUTF8 when needed (see DESIGN.md).
"""

import functools
import logging
import queue
import smtplib
import ssl
import threading
from dataclasses import dataclass

from flask import current_app

from dashboard.notify import headers, mime

log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """The server refused this message for good (5xx): retrying will not help."""


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
                prepared = prepare(message)
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


def prepare(message: mime.Outgoing) -> Prepared | Exception:
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


def send(smtp: smtplib.SMTP, prepared: Prepared) -> dict:
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
    (smtplib's defaults give neither)."""
    config = current_app.config
    timeout = config["MAIL_TIMEOUT"]
    local_hostname = config["MAIL_EHLO_HOSTNAME"]
    smtp: smtplib.SMTP
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
