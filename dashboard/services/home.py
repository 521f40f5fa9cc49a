"""What each role's home page shows: a list of panels, each a template and its data.

Later features (appointments, billing, stock) add their panels here, so the
home pages grow without their routes changing.
"""

from dataclasses import dataclass, field
from datetime import time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from dashboard.clinic_time import clinic_today, local_to_utc
from dashboard.extensions import db
from dashboard.models import (
    OWING,
    Appointment,
    AppointmentStatus,
    EmailMessage,
    EmailStatus,
    Invoice,
    Practitioner,
    RequestStatus,
    RescheduleRequest,
    Role,
    User,
)
from dashboard.services import appointments, billing
from dashboard.services.inventory import low_items


@dataclass
class Panel:
    title: str
    template: str
    data: dict = field(default_factory=dict)


def _needs_you(user: User) -> Panel:
    """What a person has to act on: requests to move, emails that failed, tomorrow's appointments
    nobody has confirmed, stock that is low. (What the clinic did, such as "Offered 5 new times",
    is in the notifications: the bell and its list.)"""
    desk = user.has_role(Role.OWNER, Role.STAFF)
    counts = {
        "requests": _pending_requests() if desk else 0,
        "failed_emails": _failed_emails() if user.has_role(Role.OWNER) else 0,
        "unconfirmed_tomorrow": _unconfirmed_tomorrow(user),
        "low_stock": len(low_items(100)) if desk else 0,
    }
    return Panel("Needs you", "main/panels/needs_you.html", counts)


def _pending_requests() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(RescheduleRequest).where(RescheduleRequest.status == RequestStatus.PENDING)
        )
        or 0
    )


def _failed_emails() -> int:
    """Failed emails nobody has resent yet."""
    resent = select(EmailMessage.resent_from_id).where(EmailMessage.resent_from_id.is_not(None))
    failed = EmailMessage.status == EmailStatus.FAILED
    return (
        db.session.scalar(select(func.count()).select_from(EmailMessage).where(failed, EmailMessage.id.not_in(resent)))
        or 0
    )


def _unconfirmed_tomorrow(user: User) -> int:
    """Tomorrow's appointments still waiting to be confirmed (a practitioner's own)."""
    tomorrow = clinic_today() + timedelta(days=1)
    query = (
        select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.status == AppointmentStatus.PENDING,
            Appointment.starts_at >= local_to_utc(tomorrow, time(0)),
            Appointment.starts_at < local_to_utc(tomorrow + timedelta(days=1), time(0)),
        )
    )
    if user.has_role(Role.PRACTITIONER):
        query = query.join(Practitioner, Practitioner.id == Appointment.practitioner_id).where(
            Practitioner.user_id == user.id
        )
    return db.session.scalar(query) or 0


def _today(user: User) -> Panel:
    today = appointments.listing(user, view="today", per_page=50)
    return Panel("Today's appointments", "main/panels/todays_appointments.html", {"appointments": today})


def _requests() -> Panel:
    waiting = _pending_requests()
    return Panel("Requests to move an appointment", "main/panels/reschedule_requests.html", {"waiting": waiting})


def _low_stock() -> Panel:
    return Panel("Low stock", "main/panels/low_stock.html", {"items": low_items(5)})


def _overdue_invoices() -> Panel:
    today = clinic_today()
    overdue = billing.invoices(view="overdue", per_page=1)  # the count and the total owing on them
    most_overdue = db.session.scalars(
        select(Invoice)
        .options(joinedload(Invoice.patient))
        .where(Invoice.status.in_(OWING), Invoice.due_on < today)
        .order_by(Invoice.due_on, Invoice.id)
        .limit(5)
    ).all()
    rows = [(invoice, (today - invoice.due_on).days) for invoice in most_overdue]
    return Panel(
        "Overdue invoices",
        "main/panels/overdue_invoices.html",
        {"count": overdue.totals["overdue_count"], "owing": overdue.totals["owing"], "invoices": rows},
    )


def desk_panels(user: User) -> list[Panel]:
    return [_today(user), _needs_you(user), _requests(), _low_stock(), _overdue_invoices()]


def practitioner_panels(user: User) -> list[Panel]:
    return [_today(user), _needs_you(user)]
