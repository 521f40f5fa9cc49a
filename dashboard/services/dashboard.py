"""What each role's home page shows: a list of panels, each a template and its data.

Later features (appointments, billing, stock) add their panels here, so the
home pages grow without their routes changing.
"""

from dataclasses import dataclass, field

from dashboard.models import User
from dashboard.services import notifications


@dataclass
class Panel:
    title: str
    template: str
    data: dict = field(default_factory=dict)


def _needs_you(user: User) -> Panel:
    unread = [n for n in notifications.latest(user.id) if not n.is_read]
    return Panel("Needs you", "main/panels/needs_you.html", {"items": unread})


def desk_panels(user: User) -> list[Panel]:
    return [_needs_you(user)]


def practitioner_panels(user: User) -> list[Panel]:
    # Appointments arrive with the schedule feature; the panel is already in place.
    return [
        Panel("Today's appointments", "main/panels/todays_appointments.html", {"appointments": []}),
        _needs_you(user),
    ]
