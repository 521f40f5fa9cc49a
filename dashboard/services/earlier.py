"""An appointment's "would like an earlier time" flag: new availability with its practitioner is offered to them."""

from dashboard.extensions import db
from dashboard.models import Appointment, AppointmentStatus, User
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, appointments


def set_wants_earlier(appointment_id: int, wants: bool, by_user: User) -> Appointment:
    """Set or clear the flag on an upcoming pending or confirmed appointment.

    Raises LookupError (no such appointment), PermissionError (another practitioner's) or ServiceError."""
    appointment = appointments.get(appointment_id, by_user)
    if appointment.status not in (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED):
        raise ServiceError("Only a pending or confirmed appointment can ask for an earlier time.")
    if appointment.starts_at <= utcnow():
        raise ServiceError("This appointment has already started.")
    appointment.wants_earlier = bool(wants)
    db.session.commit()
    return appointment
