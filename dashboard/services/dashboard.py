"""What each role's home page shows: a list of panels, each a template and its data.

Later features (appointments, billing, stock) add their panels here, so the
home pages grow without their routes changing.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import RequestStatus, RescheduleRequest, User
from dashboard.services import appointments, notifications


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


def desk_panels(user: User) -> list[Panel]:
    return [_today(user), _needs_you(user), _requests()]


def practitioner_panels(user: User) -> list[Panel]:
    return [_today(user), _needs_you(user)]
