"""The button under an offer that can't be booked: keep me on the waiting list."""

from flask_babel import gettext as _

from dashboard.clinic_time import clinic_datetime
from dashboard.forms import ActionForm
from dashboard.models import AppointmentStatus
from dashboard.portal.blueprint import bp, notice
from dashboard.portal.links import Refusal, availability_url, check_form, patient_of, preferences_url, said
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
        raise Refusal(409, _("We couldn't keep you on the waiting list"), said(error)) from None
    title, message = _waiting_words(waiting)
    links = [(availability_url(patient_id, waiting.practitioner.id), _("See open times"))]
    if waiting.emails_off:
        message += " " + _("You've turned off our emails about new times, so turn them back on to hear of one.")
        links.insert(0, (preferences_url(patient_id), _("Turn on emails about new times")))
    return notice(200, title, message, links=links)


def _waiting_words(waiting: portal.Waiting) -> tuple[str, str]:
    name = waiting.practitioner.name
    if waiting.appointment is not None and waiting.appointment.status == AppointmentStatus.PENDING:
        return _("Your request is still with the clinic"), _(
            "We'll email you when a time with %(name)s opens up.", name=name
        )
    if waiting.appointment is not None:
        return (
            _("You're still waiting for an earlier time"),
            _(
                "Your appointment on %(when)s stays as it is, "
                "and we'll email you if an earlier time with %(name)s opens up.",
                when=clinic_datetime(waiting.appointment.starts_at),
                name=name,
            ),
        )
    new_time = _("We'll email you when a new time with %(name)s opens up.", name=name)
    if waiting.added:
        return _("You're on %(name)s's waiting list", name=name), new_time
    return _("You're still on %(name)s's waiting list", name=name), new_time
