"""Outbox rows as plain data, and as the MIME messages that go on the wire.

The delivery job reads each batch once into `Outgoing` values (no ORM
objects to expire and reload between per-message commits) and writes each
MIME message straight to bytes. Header values are encoded by
`dashboard.notify.headers`, which refuses line breaks in what it is given, so
nothing a patient typed can add a header.
"""

import binascii
import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from email.header import Header
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import EmailAttachment, EmailMessage
from dashboard.models.base import utcnow
from dashboard.models.outbox import AddressLists
from dashboard.notify import headers, recipients
from dashboard.notify.recipients import reject_line_breaks
from dashboard.settings import setting


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
    patient_id: int | None = None
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
    return setting("MAIL_DEFAULT_SENDER")


def sender_address() -> str:
    return _parsed(sender())[1]


@functools.lru_cache(maxsize=8)
def _parsed(address: str) -> tuple[str, str]:
    return parseaddr(address)


def from_header() -> str:
    """The sender with a display name: MAIL_DEFAULT_SENDER's own, else the clinic's name."""
    name, address = _parsed(sender())
    return headers.mailbox(name or setting("CLINIC_NAME"), address, len("From: "))


def reply_to() -> str | None:
    address = recipients.normalise(setting("CLINIC_REPLY_TO"))
    return headers.mailbox("", address) if address else None


def message_id_domain() -> str:
    """The sender's domain, which is where replies and bounces go; never "localhost"."""
    return _message_id_domain(sender(), setting("CLINIC_NAME"))


@functools.lru_cache(maxsize=8)
def _message_id_domain(sender: str, clinic_name: str) -> str:
    address = parseaddr(sender)[1]
    domain = headers.ascii_domain(address) if "@" in address else ""
    if "." in domain and domain != "localhost":
        return domain
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in clinic_name.lower()).strip("-")
    return f"{slug or 'clinic'}.invalid"  # RFC 2606: a name nobody owns


def new_message_id(message_id: int | None = None) -> str:
    return make_msgid(idstring=f"outbox{message_id}" if message_id else "outbox", domain=message_id_domain())


def display_headers(message) -> list[tuple[str, str]]:
    """The top-level headers as a person reads them (decoded), for the outbox page.
    Never raises: it shows any row, whatever its status or content."""
    name, address = _parsed(sender())
    values = [
        ("From", f"{name or setting('CLINIC_NAME')} <{address}>"),
        ("To", ", ".join(message.recipients)),
        ("Reply-To", recipients.normalise(setting("CLINIC_REPLY_TO")) or ""),
        ("Subject", message.subject),
        ("Message-ID", message.smtp_message_id or ""),
    ]
    if message.list_unsubscribe:
        values += [
            ("List-Unsubscribe", f"<{message.list_unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
    return [(header, value) for header, value in values if value]


def wire_headers(message, message_id: str | None = None) -> list[tuple[str, str]]:
    """The top-level headers as they go on the wire. Every raw value is checked for
    line breaks before it is encoded (no header injection); the folds the encoding
    makes are the only line breaks in the result."""
    values = [
        ("From", from_header()),
        ("To", ", ".join(headers.wire(address).header for address in message.recipients)),
    ]
    if reply := reply_to():
        values.append(("Reply-To", reply))
    values += [
        ("Subject", headers.unstructured("Subject", message.subject)),
        ("Date", format_datetime(utcnow().astimezone(ZoneInfo(setting("CLINIC_TIMEZONE"))))),
        ("Message-ID", reject_line_breaks(message_id or message.smtp_message_id or new_message_id(message.id))),
        ("MIME-Version", "1.0"),
    ]
    if message.list_unsubscribe:
        values += [
            ("List-Unsubscribe", f"<{reject_line_breaks(message.list_unsubscribe, 'List-Unsubscribe')}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
    return values


def needs_smtputf8(addresses: list[str]) -> bool:
    return any(headers.wire(address).needs_smtputf8 for address in addresses)


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
    head = [f"{header}: {value}" for header, value in wire_headers(message, message_id)]
    # Only an address with a non-ASCII local part puts UTF-8 in a header, and only a
    # server offering SMTPUTF8 is given such a message (see smtp.send).
    encoding = "utf-8" if needs_smtputf8(message.recipients) else "ascii"
    return "\r\n".join(head + body + [""]).encode(encoding)


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
    name, filename = _file_name_parameters(reject_line_breaks(attachment.filename, "attachment name"))
    data = attachment.data
    lines = [binascii.b2a_base64(data[i : i + 57], newline=False).decode("ascii") for i in range(0, len(data), 57)]
    return [
        f"Content-Type: {content_type};\r\n {name}",
        "Content-Transfer-Encoding: base64",
        f"Content-Disposition: attachment;\r\n {filename}",
        "",
        *lines,
    ]


# What RFC 2231 lets a parameter value carry unencoded: ASCII letters and digits
# and these (attribute-char: no space, no "*'%", no tspecials).
ATTRIBUTE_CHARS = "!#$&+-.^_`|~"


@functools.lru_cache(maxsize=256)
def _file_name_parameters(filename: str) -> tuple[str, str]:
    """The attachment's name for Content-Type (name=) and Content-Disposition
    (filename=), each ready to follow a fold. A plain ASCII name goes quoted as
    it is. Any other (a macron, an emoji, a quote, what looks like an
    encoded-word, a long name) goes the way mail clients write it: filename*
    in RFC 2231 (percent-encoded UTF-8, in continuations if long), which
    clients read first, and name= as RFC 2047 encoded-words, the ASCII
    fallback for a client that knows no RFC 2231.
    Both are ASCII on the wire and decode to exactly the name given."""
    plain = filename.isascii() and filename.isprintable() and "=?" not in filename and not set(filename) & set('"\\')
    if plain and len(filename) < 60:
        return f'name="{filename}"', f'filename="{filename}"'
    words = Header(filename, "utf-8", maxlinelen=headers.LINE - 1, header_name=' name="').encode(linesep="\r\n")
    return f'name="{words}"', _rfc2231("filename", filename)


def _rfc2231(attribute: str, value: str) -> str:
    """attribute*=utf-8''... (RFC 2231), split into numbered continuations
    (attribute*0*=, attribute*1*=, ...) so that no line is longer than FOLD."""
    encoded = "utf-8''" + quote(value, safe=ATTRIBUTE_CHARS)
    if len(f" {attribute}*={encoded}") <= headers.FOLD:
        return f"{attribute}*={encoded}"
    room = headers.FOLD - len(f" {attribute}*99*=;")
    pieces: list[str] = []
    while encoded:
        cut = min(room, len(encoded))
        if "%" in encoded[max(cut - 2, 0) : cut]:  # never split a %XX
            cut = encoded.rindex("%", 0, cut)
        pieces.append(encoded[:cut])
        encoded = encoded[cut:]
    return ";\r\n ".join(f"{attribute}*{n}*={piece}" for n, piece in enumerate(pieces))
