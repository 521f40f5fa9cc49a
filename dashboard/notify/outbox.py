"""Writing emails into the outbox, and handing them to the workers after commit.

`email()` renders the message and inserts its row in the caller's
transaction; nothing is sent inside the request. When that transaction
commits, the new ids go to RQ; if it rolls back, nothing was written and
nothing is queued. If Redis is down the rows simply wait for the sweeper.
"""

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from email.utils import make_msgid
from typing import cast

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult

from dashboard.extensions import db
from dashboard.models import EmailAttachment, EmailMessage, EmailStatus, PatientEmailPreference
from dashboard.models.base import utcnow
from dashboard.notify import handoff, ics, kinds, mime, quiet, recipients
from dashboard.notify.queued import KEY_CHUNK, used_keys
from dashboard.notify.render import Rendered, render_emails

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Message:
    """One email of a batch written by `emails()`; the fields are those of `email()`."""

    to: str | Iterable[str | None] | None
    context: dict
    dedupe_key: str | None = None
    not_before: datetime | None = None
    patient_id: int | None = None
    appointment_id: int | None = None
    attachments: Sequence[Attachment] = ()


def email(
    kind: str,
    *,
    to: str | Iterable[str | None] | None,
    context: dict,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    patient_id: int | None = None,
    appointment_id: int | None = None,
    attachments: Sequence[Attachment] = (),
) -> int | None:
    """Write one email to the outbox in the current transaction; returns its id.

    None when there is no valid recipient, or when `dedupe_key` was used
    before (so a scan that runs twice sends nothing new).
    """
    message = Message(to, context, dedupe_key, not_before, patient_id, appointment_id, attachments)
    written = emails(kind, [message])
    return written[0] if written else None


def emails(kind: str, messages: Iterable[Message]) -> list[int]:
    """Write a batch of emails of one kind in the current transaction; returns the new ids.

    What a fan-out or a reminder scan calls: the dedupe keys are checked in one
    query and the rows inserted with one executemany, so thousands of emails
    cost little more than their rendering. Messages without a valid recipient,
    or whose dedupe key was used before, are skipped as in `email()`.
    """
    messages = list(messages)
    used = used_keys([m.dedupe_key for m in messages if m.dedupe_key is not None])
    declined = _unsubscribed(kind, {m.patient_id for m in messages if m.patient_id is not None})
    todo, seen = [], set()
    for message in messages:  # keys first: a scan that finds everything sent validates nothing
        key = message.dedupe_key
        if message.patient_id in declined:
            continue
        if (key is None or (key not in used and key not in seen)) and (to_list := _recipients(kind, message)):
            todo.append((message, to_list))
            seen.add(key)

    now = utcnow()
    rows: list[dict] = []
    files: dict[str, list[Attachment]] = {}
    alone: list[int] = []
    invites = _calendars(kind, todo)
    config = current_app.config
    optional = kinds.get(kind).optional
    batch = _Batch(kind, optional, config.get("ADMIN_NOTIFICATION_EMAILS") or "",
                   mime.message_id_domain(), now, quiet.window() if optional else None)  # fmt: skip
    rendered_all = render_emails(kind, [m.context for m, _ in todo])
    for index, ((message, to_list), rendered) in enumerate(zip(todo, rendered_all, strict=True)):
        row = _row(batch, message, to_list, rendered)
        attachments = list(message.attachments) or invites.get(index, [])
        if attachments and message.dedupe_key is None:
            # Without a key the bulk insert cannot tell which new id is this row's.
            message_id = _insert(row)
            if message_id is not None:  # (a row without a key never conflicts)
                _attach({message_id: attachments})
                handoff.remember([(message_id, row["next_attempt_at"])])
                alone.append(message_id)
            continue
        if attachments and message.dedupe_key is not None:  # (always, past the branch above)
            files[message.dedupe_key] = attachments
        rows.append(row)
    if not rows:
        return alone

    written = _insert_many(rows)
    due = {row["dedupe_key"]: row["next_attempt_at"] for row in rows if row["dedupe_key"] is not None}
    _attach({message_id: files[key] for message_id, key in written if key in files})
    handoff.remember([(message_id, due.get(key, now)) for message_id, key in written])
    return alone + [message_id for message_id, _ in written]


@dataclass(frozen=True)
class _Batch:
    """What every row of a batch shares, read once."""

    kind: str
    optional: bool
    admins: str  # ADMIN_NOTIFICATION_EMAILS
    domain: str  # of the Message-IDs
    now: datetime
    quiet: tuple[time, time] | None = None  # an optional kind's quiet hours: it waits for their end


def _row(batch: _Batch, message: Message, to_list: list[str], rendered: Rendered) -> dict:
    return {
        "kind": batch.kind,
        "to_addrs": ",".join(to_list),
        "bcc_addrs": ",".join(recipients.admin_copies(to_list, batch.admins)),
        "subject": recipients.reject_line_breaks(rendered.subject, "subject"),
        "html": rendered.html,
        "text": rendered.text,
        "dedupe_key": message.dedupe_key,
        "status": EmailStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": quiet.not_before(message.not_before or batch.now, batch.quiet)
        if batch.quiet
        else message.not_before or batch.now,
        "created_at": batch.now,
        "patient_id": message.patient_id,
        "appointment_id": message.appointment_id,
        "list_unsubscribe": message.context.get("unsubscribe_url") if batch.optional else None,
        # Chosen now, so a retry after a worker died mid-send carries the same Message-ID
        # and the receiving side can tell the copy for what it is.
        "smtp_message_id": make_msgid(idstring="outbox", domain=batch.domain),
    }


def _calendars(kind: str, todo: list[tuple[Message, list[str]]]) -> dict[int, list[Attachment]]:
    """The .ics invitation each message of a calendar kind carries (unless given its own
    attachments), by position: each appointment's is built once, addressed to each recipient."""
    method = kinds.get(kind).calendar
    if not method:
        return {}
    by_appointment: dict[int, list[int]] = {}
    for index, (message, _) in enumerate(todo):
        if not message.attachments and "appointment" in message.context:
            by_appointment.setdefault(id(message.context["appointment"]), []).append(index)
    made = {}
    for indices in by_appointment.values():
        appointment = todo[indices[0]][0].context["appointment"]
        attendees = [(todo[i][1][0], getattr(todo[i][0].context.get("patient"), "name", "")) for i in indices]
        for index, data in zip(indices, ics.invitations(method, appointment, attendees), strict=True):
            made[index] = [Attachment(ics.FILENAME, ics.content_type(method), data)]
    return made


def _recipients(kind: str, message: Message) -> list[str]:
    to = message.to
    to_list = recipients.clean([to] if isinstance(to, str) or to is None else to, context=f"for {kind}")
    if not to_list:
        log.warning("no valid recipient for %s email (dedupe key %s); nothing written", kind, message.dedupe_key)
    if message.dedupe_key is not None:
        recipients.reject_line_breaks(message.dedupe_key, "dedupe key")
    return to_list


def _unsubscribed(kind: str, patient_ids: set[int]) -> set[int]:
    """Patients among `patient_ids` who unsubscribed from this optional kind: it is not even written."""
    if not patient_ids or not kinds.get(kind).optional:
        return set()
    ids = sorted(patient_ids)
    declined: set[int] = set()
    for start in range(0, len(ids), KEY_CHUNK):
        declined.update(
            db.session.scalars(
                select(PatientEmailPreference.patient_id).where(
                    PatientEmailPreference.kind == kind,
                    PatientEmailPreference.email.is_(False),
                    PatientEmailPreference.patient_id.in_(ids[start : start + KEY_CHUNK]),
                )
            )
        )
    if declined:
        log.info("%d patient(s) unsubscribed from %s emails; not written", len(declined), kind)
    return declined


def _insert(row: dict) -> int | None:
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING: a concurrent duplicate is skipped, not an error."""
    written = db.session.execute(_insert_statement(db.session.get_bind().dialect.name), row).first()
    return written[0] if written else None


def _insert_many(rows: list[dict]) -> list[tuple[int, str | None]]:
    """Insert the rows (a concurrent duplicate key is skipped); returns (id, dedupe_key) of each written.

    PostgreSQL: INSERT .. RETURNING, in chunks (SQLAlchemy's insertmanyvalues). SQLite: a
    many-row RETURNING costs about a third more than executemany, so rows that all have a key
    go by executemany. In the write transaction it then holds, SQLite numbers each new row one
    above the highest, so n of n written are the n ids up to last_insert_rowid() (checked by
    the first and last Message-IDs); when a conflict skipped some, the rows are read back by
    their keys, and only those with this batch's own Message-IDs are ours."""
    dialect = db.session.get_bind().dialect.name
    if dialect != "sqlite" or len(rows) < 2 or any(row["dedupe_key"] is None for row in rows):
        return [tuple(row) for row in db.session.execute(_insert_statement(dialect), rows).all()]
    count = cast(CursorResult, db.session.execute(_insert_statement("sqlite", returning=False), rows)).rowcount
    last = db.session.scalar(text("SELECT last_insert_rowid()"))
    table = EmailMessage.__table__
    if count == len(rows):
        first = last - count + 1
        query = select(table.c.id, table.c.smtp_message_id).where(table.c.id.in_([first, last]))
        ends = {message_id: smtp_id for message_id, smtp_id in db.session.execute(query)}
        if ends == {first: rows[0]["smtp_message_id"], last: rows[-1]["smtp_message_id"]}:
            return [(first + n, row["dedupe_key"]) for n, row in enumerate(rows)]
    ours = {row["smtp_message_id"] for row in rows}
    written = []
    for start in range(0, len(rows), KEY_CHUNK):
        keys = [row["dedupe_key"] for row in rows[start : start + KEY_CHUNK]]
        found = db.session.execute(
            select(table.c.id, table.c.dedupe_key, table.c.smtp_message_id).where(table.c.dedupe_key.in_(keys))
        )
        written += [(message_id, key) for message_id, key, smtp_id in found if smtp_id in ours]
    return sorted(written)


@functools.cache
def _insert_statement(dialect: str, returning: bool = True):
    """Built once per dialect; Core, not the ORM: a fan-out writes thousands."""
    table = EmailMessage.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return statement.returning(table.c.id, table.c.dedupe_key) if returning else statement


def _attach(attachments: dict[int | None, Sequence[Attachment]]) -> None:
    rows = [
        {
            "message_id": message_id,
            "filename": recipients.reject_line_breaks(a.filename, "attachment name"),
            "content_type": a.content_type,
            "data": a.data,
        }
        for message_id, files in attachments.items()
        if message_id is not None
        for a in files
    ]
    if rows:
        db.session.execute(EmailAttachment.__table__.insert(), rows)


def calendar_attachment(kind: str, context: dict, to: str | None = None) -> Attachment:
    """The invitation a calendar kind carries for the context's appointment, to the address
    `to` (by default the context's patient's): the attendee, named as the patient."""
    method = kinds.get(kind).calendar
    if method is None:
        raise ValueError(f"{kind} emails carry no calendar invitation")
    patient = context.get("patient")
    to = to or getattr(patient, "email", None)
    if not to:
        raise ValueError("no address to send the invitation to")
    data = ics.invitation(method, context["appointment"], attendee=to, attendee_name=getattr(patient, "name", ""))
    return Attachment(ics.FILENAME, ics.content_type(method), data)
