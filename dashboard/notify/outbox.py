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
from datetime import datetime

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dashboard.extensions import db
from dashboard.models import EmailAttachment, EmailMessage, EmailStatus
from dashboard.models.base import utcnow
from dashboard.notify import ics, kinds, recipients
from dashboard.notify.render import render_email

log = logging.getLogger(__name__)

PENDING = "outbox_pending"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


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
    spec = kinds.get(kind)
    to_list = recipients.clean([to] if isinstance(to, str) or to is None else to, context=f"for {kind}")
    if not to_list:
        log.warning("no valid recipient for %s email (dedupe key %s); nothing written", kind, dedupe_key)
        return None
    if dedupe_key is not None:
        recipients.reject_line_breaks(dedupe_key, "dedupe key")
        if db.session.scalar(select(EmailMessage.id).where(EmailMessage.dedupe_key == dedupe_key)):
            return None

    rendered = render_email(kind, context)
    if spec.calendar and not attachments and "appointment" in context:
        attachments = [calendar_attachment(context)]
    due = not_before or utcnow()
    row = {
        "kind": kind,
        "to_addrs": ",".join(to_list),
        "bcc_addrs": ",".join(recipients.admin_copies(to_list)),
        "subject": recipients.reject_line_breaks(rendered.subject, "subject"),
        "html": rendered.html,
        "text": rendered.text,
        "dedupe_key": dedupe_key,
        "status": EmailStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": due,
        "created_at": utcnow(),
        "patient_id": patient_id,
        "appointment_id": appointment_id,
    }
    message_id = _insert_once(row)
    if message_id is None:
        return None
    if attachments:
        db.session.execute(
            EmailAttachment.__table__.insert(),
            [
                {
                    "message_id": message_id,
                    "filename": recipients.reject_line_breaks(a.filename, "attachment name"),
                    "content_type": a.content_type,
                    "data": a.data,
                }
                for a in attachments
            ],
        )
    db.session.info.setdefault(PENDING, []).append((message_id, due))
    return message_id


def _insert_once(row: dict) -> int | None:
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING: a concurrent duplicate is skipped, not an error."""
    return db.session.execute(_insert_statement(db.session.get_bind().dialect.name), row).scalar()


@functools.cache
def _insert_statement(dialect: str):
    """Built once per dialect; Core, not the ORM: a fan-out writes thousands."""
    table = EmailMessage.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


def calendar_attachment(context: dict) -> Attachment:
    appointment = context["appointment"]
    uid_part = getattr(appointment, "id", None) or appointment.starts_at.strftime("%Y%m%dT%H%M")
    data = ics.appointment_invite(
        uid=f"appointment-{uid_part}@{current_app.config['CLINIC_NAME'].replace(' ', '-').lower()}",
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        summary=f"Appointment with {appointment.practitioner_name}",
        description=getattr(appointment, "reason", "") or "",
    )
    return Attachment("appointment.ics", "text/calendar; method=PUBLISH", data)


def cancel(*, message_id: int | None = None, dedupe_key: str | None = None) -> bool:
    """Cancel a queued email (e.g. within a grace period); False once it is on its way or sent."""
    if (message_id is None) == (dedupe_key is None):
        raise ValueError("give exactly one of message_id or dedupe_key")
    condition = EmailMessage.id == message_id if message_id is not None else EmailMessage.dedupe_key == dedupe_key
    result = db.session.execute(
        update(EmailMessage)
        .where(condition, EmailMessage.status == EmailStatus.QUEUED)
        .values(status=EmailStatus.CANCELLED, last_error="cancelled before sending")
    )
    return result.rowcount > 0


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending:
        from dashboard.notify import delivery

        try:
            delivery.enqueue(pending)
        except Exception:  # noqa: BLE001  the change is committed; the sweeper delivers what was not queued
            log.exception("could not queue %d email(s) after commit; the sweeper will", len(pending))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
