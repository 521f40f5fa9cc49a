"""What each role's home page shows: a list of panels, each a template and its data.

Later features (appointments, billing, stock) add their panels here, so the
home pages grow without their routes changing.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import OWING, Invoice, RequestStatus, RescheduleRequest, User
from dashboard.services import appointments, billing, notifications
from dashboard.services.inventory import low_items


@dataclass
class Panel:
    title: str
    template: str
    data: dict = field(default_factory=dict)


def _needs_you(user: User) -> Panel:
    unread = [n for n in notifications.latest(user.id) if not n.is_read]
    return Panel("Needs you", "main/panels/needs_you.html", {"items": unread})


def _today(user: User) -> Panel:
    today = appointments.listing(user, view="today", per_page=50)
    return Panel("Today's appointments", "main/panels/todays_appointments.html", {"appointments": today})


def _requests() -> Panel:
    waiting = db.session.scalar(
        select(func.count()).select_from(RescheduleRequest).where(RescheduleRequest.status == RequestStatus.PENDING)
    )
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
