"""Outbox rows as plain data, and as the MIME messages that go on the wire.

The delivery job reads each batch once into `Outgoing` values (no ORM
objects to expire and reload between per-message commits) and writes each
MIME message straight to bytes. Every header value is checked for line
breaks, so nothing a patient typed can add a header.
"""

import binascii
import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from flask import current_app
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import EmailAttachment, EmailMessage
from dashboard.models.outbox import AddressLists
from dashboard.notify.recipients import reject_line_breaks


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Outgoing(AddressLists):
    id: int
    kind: str
    subject: str
    html: str
    text: str
    to_addrs: str
    bcc_addrs: str
    attempts: int
    smtp_message_id: str | None = None
    list_unsubscribe: str | None = None
    attachments: list[OutgoingAttachment] = field(default_factory=list)


def load(ids: list[int]) -> list[Outgoing]:
    """The rows with these ids, in id order, with their attachments: two queries."""
    columns = [getattr(EmailMessage, name) for name in Outgoing.__dataclass_fields__ if name != "attachments"]
    rows = db.session.execute(select(*columns).where(EmailMessage.id.in_(ids)).order_by(EmailMessage.id)).all()
    attachments = defaultdict(list)
    for message_id, filename, content_type, data in db.session.execute(
        select(EmailAttachment.message_id, EmailAttachment.filename, EmailAttachment.content_type, EmailAttachment.data)
        .where(EmailAttachment.message_id.in_(ids))
        .order_by(EmailAttachment.id)
    ):
        attachments[message_id].append(OutgoingAttachment(filename, content_type, data))
    return [Outgoing(**row._asdict(), attachments=attachments[row.id]) for row in rows]


def sender() -> str:
    return current_app.config["MAIL_DEFAULT_SENDER"]


def sender_address() -> str:
    return _parsed(sender())[1]


@functools.lru_cache(maxsize=8)
def _parsed(address: str) -> tuple[str, str]:
    return parseaddr(address)


@functools.lru_cache(maxsize=8)
def _from_header(address: str) -> str:
    name, addr = parseaddr(address)
    return formataddr((name, addr), charset="utf-8") if name else addr


def new_message_id(message_id: int | None = None) -> str:
    domain = sender_address().rpartition("@")[2] or "localhost"
    return make_msgid(idstring=f"outbox{message_id}" if message_id else "outbox", domain=domain)


def headers(message, message_id: str | None = None) -> list[tuple[str, str]]:
    """The top-level headers, every value checked for line breaks (no header injection)."""
    subject = reject_line_breaks(message.subject, "subject")
    values = [
        ("From", _from_header(sender())),
        ("To", ", ".join(message.recipients)),
        ("Subject", subject if subject.isascii() else Header(subject, "utf-8").encode()),
        ("Date", formatdate(localtime=False)),
        ("Message-ID", message_id or message.smtp_message_id or new_message_id(message.id)),
        ("MIME-Version", "1.0"),
    ]
    if message.list_unsubscribe:
        values += [
            ("List-Unsubscribe", f"<{message.list_unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
    return [(header, reject_line_breaks(value, header)) for header, value in values]


def to_bytes(message, message_id: str | None = None) -> bytes:
    """The message as it goes on the wire (CRLF line ends): text and HTML
    alternatives, quoted-printable, then any attachments in base64.

    Written by hand rather than with the `email` package, which spends
    several times longer producing the same structure; tests parse the result
    with the `email` package to hold it to the standard.
    """
    boundary = f"=_alt_{uuid.uuid4().hex}"
    body = [
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
        f"--{boundary}",
        *_qp_part("text/plain", message.text),
        f"--{boundary}",
        *_qp_part("text/html", message.html),
        f"--{boundary}--",
    ]
    if message.attachments:
        mixed = f"=_mixed_{uuid.uuid4().hex}"
        parts = [f'Content-Type: multipart/mixed; boundary="{mixed}"', "", f"--{mixed}", *body]
        for attachment in message.attachments:
            parts += [f"--{mixed}", *_base64_part(attachment)]
        parts.append(f"--{mixed}--")
        body = parts
    head = [f"{header}: {value}" for header, value in headers(message, message_id)]
    return "\r\n".join(head + body + [""]).encode("ascii")


def _qp_part(content_type: str, content: str) -> list[str]:
    encoded = binascii.b2a_qp(content.encode("utf-8"), istext=True).decode("ascii")
    return [
        f'Content-Type: {content_type}; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        *encoded.split("\n"),
    ]


def _base64_part(attachment) -> list[str]:
    # The type keeps its parameters: a calendar reads an invitation's method from
    # "text/calendar; method=REQUEST; charset=utf-8". Our name= replaces any given.
    kind, *parameters = (p.strip() for p in reject_line_breaks(attachment.content_type, "attachment type").split(";"))
    content_type = "; ".join([kind, *(p for p in parameters if p and not p.lower().startswith("name="))])
    filename = reject_line_breaks(attachment.filename, "attachment name").replace("\\", "").replace('"', "")
    data = attachment.data
    lines = [binascii.b2a_base64(data[i : i + 57], newline=False).decode("ascii") for i in range(0, len(data), 57)]
    return [
        f'Content-Type: {content_type}; name="{filename}"',
        "Content-Transfer-Encoding: base64",
        f'Content-Disposition: attachment; filename="{filename}"',
        "",
        *lines,
    ]
