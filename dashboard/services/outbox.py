"""Reading the outbox for the owner's pages, and resending a failed email."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from dashboard.clinic_time import clinic_zone
from dashboard.extensions import db
from dashboard.models import EmailAttachment, EmailMessage, EmailStatus
from dashboard.models.base import utcnow
from dashboard.notify import handoff
from dashboard.pages import Page, page_of
from dashboard.services import ServiceError, unit_of_work
from dashboard.services.search import containing


def search(
    *,
    status: str | None = None,
    kind: str | None = None,
    recipient: str | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    query = select(EmailMessage).order_by(EmailMessage.created_at.desc(), EmailMessage.id.desc())
    if status:
        query = query.where(EmailMessage.status == status)
    if kind:
        query = query.where(EmailMessage.kind == kind)
    if recipient:
        query = query.where(containing(recipient, EmailMessage.to_addrs))
    if created_from:
        query = query.where(EmailMessage.created_at >= _clinic_midnight(created_from))
    if created_to:
        query = query.where(EmailMessage.created_at < _clinic_midnight(created_to + timedelta(days=1)))
    return page_of(query, page, per_page)


def _clinic_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clinic_zone())


@unit_of_work()
def resend(message_id: int) -> EmailMessage:
    """Queue a fresh copy of a failed (or cancelled) email; the original keeps its history."""
    original = db.session.get(EmailMessage, message_id)
    if original is None:
        raise ServiceError("No such email.")
    if original.status not in (EmailStatus.FAILED, EmailStatus.CANCELLED):
        raise ServiceError(f"Only failed or cancelled emails can be resent; this one is {original.status}.")
    copy = EmailMessage(
        kind=original.kind,
        to_addrs=original.to_addrs,
        bcc_addrs=original.bcc_addrs,
        subject=original.subject,
        html=original.html,
        text=original.text,
        patient_id=original.patient_id,
        appointment_id=original.appointment_id,
        resent_from_id=original.id,
        next_attempt_at=utcnow(),
    )
    copy.attachments = [
        EmailAttachment(filename=a.filename, content_type=a.content_type, data=a.data) for a in original.attachments
    ]
    db.session.add(copy)
    db.session.flush()
    handoff.remember([(copy.id, copy.next_attempt_at)])
    return copy
