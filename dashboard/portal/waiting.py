"""The button under an offer that can't be booked: keep me on the waiting list."""

from dashboard.clinic_time import clinic_datetime
from dashboard.forms import ActionForm
from dashboard.models import AppointmentStatus
from dashboard.portal.blueprint import bp, notice
from dashboard.portal.links import Refusal, availability_url, check_form, patient_of, preferences_url
from dashboard.services import ServiceError, portal


@bp.post("/book/<token>/<int:slot_id>/waitlist")
def keep_waiting(token: str, slot_id: int):
    """A POST, so a mail scanner opening the page puts nobody on a list."""
    patient_id = patient_of("book", token)
    offer = portal.offer(patient_id, slot_id)
    check_form(ActionForm())
    try:
        waiting = portal.keep_waiting(patient_id, offer.slot.practitioner_id)
    except ServiceError as error:
        raise Refusal(409, "We couldn't keep you on the waiting list", str(error)) from None
    title, message = _waiting_words(waiting)
    links = [(availability_url(patient_id, waiting.practitioner.id), "See open times")]
    if waiting.emails_off:
        message += " You've turned off our emails about new times, so turn them back on to hear of one."
        links.insert(0, (preferences_url(patient_id), "Turn on emails about new times"))
    return notice(200, title, message, links=links)


def _waiting_words(waiting: portal.Waiting) -> tuple[str, str]:
    name = waiting.practitioner.name
    if waiting.appointment is not None and waiting.appointment.status == AppointmentStatus.PENDING:
        return "Your request is still with the clinic", f"We'll email you when a time with {name} opens up."
    if waiting.appointment is not None:
        return (
            "You're still waiting for an earlier time",
            f"Your appointment on {clinic_datetime(waiting.appointment.starts_at)} stays as it is, "
            f"and we'll email you if an earlier time with {name} opens up.",
        )
    if waiting.added:
        return f"You're on {name}'s waiting list", f"We'll email you when a new time with {name} opens up."
    return f"You're still on {name}'s waiting list", f"We'll email you when a new time with {name} opens up."
