"""A patient changes an appointment from its link: says they're coming (which confirms a requested
one), cancels it or asks to move it, and (cancelling, moving) the desk and the practitioner hear
of it. Each is an entry point: one unit of work, rolled back whole when it refuses."""

from dashboard import notify
from dashboard.models import Appointment, RescheduleRequest
from dashboard.navigation import path_for
from dashboard.services import appointments, unit_of_work


def _tell_desk(appointment: Appointment, title: str) -> None:
    """The desk's bell, and the practitioner's: it is their day that changes."""
    notify.bell(
        notify.desk_and(appointment.practitioner),
        "patient_action",
        title,
        link=path_for("appointments.detail", appointment_id=appointment.id),
    )


@unit_of_work()
def confirm(appointment: Appointment) -> appointments.PatientSaid:
    """The patient says they're coming, from their link ("I'll be there", or confirming a requested
    one): "confirmed", "coming" or "already" (said before). ServiceError if it is past or not active."""
    return appointments.patient_confirms(appointment.id)


@unit_of_work()
def cancel(appointment: Appointment, reason: str) -> Appointment:
    """The patient cancels from their link; the desk's and the practitioner's bells ring.
    ServiceError if it can't be cancelled."""
    reason = (reason or "").strip()
    name = appointment.patient.name
    done = appointments.cancel(
        appointment.id, by_user=None, reason=reason, cancelled_by=f"{name} (online)", by_patient=True
    )
    _tell_desk(done, f"{name} cancelled online: {reason}")
    return done


@unit_of_work()
def ask_to_move(appointment: Appointment, note: str) -> RescheduleRequest:
    """The patient asks for another time; the desk's and the practitioner's bells ring.
    ServiceError if one is already waiting."""
    request = appointments.request_reschedule(appointment.id, note=note, by_user=None, source="link")
    note = request.note
    name = appointment.patient.name
    _tell_desk(appointment, f"{name} asked online to move their appointment" + (f": {note}" if note else ""))
    return request
