"""Messages from the desk: staff's own words to one patient, or to every patient with an
appointment on a day (optionally one practitioner's), sent now or at a chosen time.

The emails are written when the message is, one per patient with their own link, and wait
in the outbox for their `next_attempt_at`; cancelling the message cancels those still
queued, so the worker never sends them. The words are printed into the email (escaped,
line breaks kept), never evaluated as a template.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from dashboard import notify, patient_links
from dashboard.clinic_time import SkippedTime, local_to_utc
from dashboard.extensions import db
from dashboard.models import (
    ACTIVE,
    Appointment,
    DeskMessage,
    DeskMessageStatus,
    EmailMessage,
    EmailStatus,
    Patient,
    User,
)
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, rows_changed, unit_of_work

KIND = "desk_message"
SUBJECT_LENGTH = 150
BODY_LENGTH = 5000
FURTHEST = timedelta(days=366)  # a message is scheduled at most a year ahead


@dataclass(frozen=True)
class Draft:
    """What the desk typed, and to whom."""

    subject: str
    body: str
    patient_id: int | None = None
    day: date | None = None
    practitioner_id: int | None = None

    def cleaned(self) -> "Draft":
        """The words as they will go (line endings made one, outer blank space trimmed), or a ServiceError."""
        subject = " ".join((self.subject or "").split())
        body = (self.body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if not subject:
            raise ServiceError("Give the message a subject.")
        if len(subject) > SUBJECT_LENGTH:
            raise ServiceError(f"The subject can be at most {SUBJECT_LENGTH} characters.")
        if not body:
            raise ServiceError("Write the message.")
        if len(body) > BODY_LENGTH:
            raise ServiceError(f"The message can be at most {BODY_LENGTH} characters.")
        if (self.patient_id is None) == (self.day is None):
            raise ServiceError("Choose a patient, or a day whose patients get the message.")
        return Draft(subject, body, self.patient_id, self.day, self.practitioner_id)


def recipients(draft: Draft) -> list[Patient]:
    """Who gets it: the patient, or everyone with an active appointment that clinic day (once each)."""
    if draft.patient_id is not None:
        patient = db.session.get(Patient, draft.patient_id)
        if patient is None:
            raise ServiceError("Choose a patient.")
        return [patient]
    assert draft.day is not None
    start = local_to_utc(draft.day, datetime.min.time())
    end = local_to_utc(draft.day + timedelta(days=1), datetime.min.time())
    query = (
        select(Patient)
        .join(Appointment, Appointment.patient_id == Patient.id)
        .where(Appointment.starts_at >= start, Appointment.starts_at < end, Appointment.status.in_(ACTIVE))
        .distinct()
        .order_by(Patient.id)
    )
    if draft.practitioner_id is not None:
        query = query.where(Appointment.practitioner_id == draft.practitioner_id)
    return list(db.session.scalars(query))


def context(draft: Draft, patient: Patient, written_by: str, links: patient_links.Links | None = None) -> dict:
    """One patient's email: the desk's words, and their own page's link."""
    links = links or patient_links.Links()
    return {
        "patient": patient,
        "message_subject": draft.subject,
        "message_body": draft.body,
        "written_by": written_by,
        "patient_url": links.url("patient", p=patient.id),
    }


def preview(draft: Draft, by_user: User) -> tuple[dict, str | None, int]:
    """The first recipient's email context and address, and how many would get it (nothing written)."""
    draft = draft.cleaned()
    people = recipients(draft)
    if not people:
        raise ServiceError("Nobody has an appointment that day: there is no one to send it to.")
    return context(draft, people[0], by_user.full_name), people[0].email, len(people)


def send_time(when: str, on: date | None, at, now: datetime | None = None) -> datetime:
    """The UTC moment from the form: now, or a clinic-time date and time in the future."""
    now = now or utcnow()
    if when != "later":
        return now
    if on is None or at is None:
        raise ServiceError("Choose the day and time to send it.")
    try:
        moment = local_to_utc(on, at)
    except SkippedTime as exc:
        raise ServiceError(str(exc)) from None
    if moment <= now:
        raise ServiceError("Choose a time in the future to send it later, or send it now.")
    if moment > now + FURTHEST:
        raise ServiceError("A message can be scheduled at most a year ahead.")
    return moment


@unit_of_work()
def send(draft: Draft, send_at: datetime, *, by_user: User) -> DeskMessage:
    """Write the message and its emails (each patient's own); they go at `send_at`."""
    draft = draft.cleaned()
    people = recipients(draft)
    with_email = [p for p in people if p.email]
    if not with_email:
        raise ServiceError("Nobody to send it to: no patient with an email address.")
    message = DeskMessage(
        subject=draft.subject,
        body=draft.body,
        patient_id=draft.patient_id,
        day=draft.day,
        practitioner_id=draft.practitioner_id,
        send_at=send_at,
        created_by_id=by_user.id,
    )
    db.session.add(message)
    db.session.flush()
    links = patient_links.Links()
    written = notify.emails(
        KIND,
        [
            notify.Message(
                to=patient.email,
                context=context(draft, patient, by_user.full_name, links),
                dedupe_key=f"{message.key_prefix}patient:{patient.id}",
                not_before=send_at,
                patient_id=patient.id,
            )
            for patient in with_email
        ],
    )
    message.recipients = len(written)
    return message


@unit_of_work()
def cancel(message_id: int, *, by_user: User) -> int:
    """Cancel a scheduled message: its emails still queued are cancelled (the worker never sends
    them); returns how many. A ServiceError once they have all gone."""
    message = db.session.get(DeskMessage, message_id)
    if message is None:
        raise LookupError(message_id)
    if message.status == DeskMessageStatus.CANCELLED:
        raise ServiceError("That message is already cancelled.")
    cancelled = rows_changed(
        update(EmailMessage)
        .where(
            EmailMessage.dedupe_key.startswith(message.key_prefix, autoescape=True),
            EmailMessage.status == EmailStatus.QUEUED,
        )
        .values(status=EmailStatus.CANCELLED, last_error="cancelled before sending")
        .execution_options(synchronize_session=False)
    )
    if not cancelled:
        raise ServiceError("Too late to cancel: that message has already gone.")
    message.status = DeskMessageStatus.CANCELLED
    message.cancelled_at = utcnow()
    message.cancelled_by_id = by_user.id
    return cancelled


def recent(limit: int = 50) -> list[DeskMessage]:
    """The messages written, the ones still to go first (soonest first), then the rest, newest first."""
    now = utcnow()
    waiting = db.session.scalars(
        select(DeskMessage)
        .where(DeskMessage.status == DeskMessageStatus.SCHEDULED, DeskMessage.send_at > now)
        .order_by(DeskMessage.send_at)
    ).all()
    done = db.session.scalars(
        select(DeskMessage)
        .where((DeskMessage.status == DeskMessageStatus.CANCELLED) | (DeskMessage.send_at <= now))
        .order_by(DeskMessage.send_at.desc())
        .limit(limit)
    ).all()
    return [*waiting, *done]
