"""What the patient and the desk are told about an appointment.

Emails are written to the outbox in the caller's transaction (see notify), so a
rollback sends nothing. With PATIENT_EMAIL_GRACE_MINUTES set, the patient's emails
about a change wait that long and are withdrawn if the change is undone meanwhile.
"""

from datetime import datetime, timedelta

from dashboard import notify, patient_links
from dashboard.clinic_time import describe
from dashboard.models import Appointment, AppointmentStatus
from dashboard.models.base import utcnow
from dashboard.navigation import external_url, path_for
from dashboard.notify import kinds
from dashboard.settings import setting


def tell_desk_about(appointment: Appointment, booked_by: str) -> None:
    """The new-appointment notice to all staff and the owner, and the practitioner: a bell entry,
    and an email unless they turned that off (as whoever booked it may well do)."""
    when = describe(appointment.starts_at)
    state = "requested" if appointment.status == AppointmentStatus.PENDING else "booked"
    notify.bell(
        notify.desk_and(appointment.practitioner),
        "new_appointment_notice",
        f"{appointment.patient.name} {state} with {appointment.practitioner.name}, {when}",
        link=path_for("appointments.detail", appointment_id=appointment.id),
        email_context={
            "patient": appointment.patient,
            "appointment": appointment,
            "booked_by": booked_by,
            "appointment_url": external_url("appointments.detail", appointment_id=appointment.id),
        },
        dedupe_key=f"appointment:{appointment.id}:notice",
    )


def _grace_until() -> datetime | None:
    minutes = setting("PATIENT_EMAIL_GRACE_MINUTES")
    return utcnow() + timedelta(minutes=minutes) if minutes > 0 else None


def patient_context(kind: str, appointment: Appointment, **context) -> dict:
    """What the patient's `kind` email about `appointment` is rendered with (also its preview's)."""
    links = patient_links.for_appointment(appointment.id, appointment.patient_id)
    if kinds.get(kind).optional:
        links |= patient_links.for_optional_email(kind, appointment.patient_id)
    return {"patient": appointment.patient, "appointment": appointment, **links, **context}


def email_patient(kind: str, appointment: Appointment, dedupe_key: str, **context) -> int | None:
    return notify.email(
        kind,
        to=appointment.patient.email,
        context=patient_context(kind, appointment, **context),
        dedupe_key=dedupe_key,
        not_before=_grace_until(),
        patient_id=appointment.patient_id,
        appointment_id=appointment.id,
    )


def open_times_link(appointment: Appointment) -> dict[str, str]:
    """The patient's page of the practitioner's open times, to book another one themselves;
    none once the practitioner has left (a deactivated profile takes no bookings)."""
    practitioner = appointment.practitioner
    if practitioner is None or not practitioner.active:
        return {}
    return {"availability_url": patient_links.url("availability", p=appointment.patient_id, r=practitioner.id)}
