"""One appointment from its link: see it, confirm it, cancel it, or ask to move it."""

from flask import render_template
from flask_babel import gettext as _

from dashboard.forms import ActionForm
from dashboard.models import AppointmentStatus
from dashboard.portal.blueprint import bp, notice
from dashboard.portal.forms import CancelForm, RescheduleForm
from dashboard.portal.links import (
    N_,
    Refusal,
    availability_url,
    check_form,
    id_of,
    load_patient,
    manage_url,
    patient_url,
    read,
    said,
)
from dashboard.services import ServiceError, portal


def _appointment_from(token: str):
    ids = read("appointment", token)
    appointment_id, patient_id = id_of(ids, "a"), id_of(ids, "p")
    load_patient(patient_id)
    return portal.appointment(appointment_id, patient_id)


def _summary(appointment) -> dict:
    return {"appointment": appointment, "links": [(manage_url(appointment), _("See your appointment"))]}


_TOO_LATE = {
    "confirm": N_("It's too late to confirm it online. If something isn't right, please call us."),
    "cancel": N_("It's too late to cancel it online. If something isn't right, please call us."),
    "move": N_("It's too late to move it online. If something isn't right, please call us."),
}


def _not_changeable(appointment, doing: str) -> Refusal | None:
    """Why an appointment can't be confirmed/cancelled/moved online any more (None if it can)."""
    if appointment.status == AppointmentStatus.CANCELLED:
        return None  # each page says "already cancelled" its own way
    if not appointment.is_active or portal.is_past(appointment):
        return Refusal(409, _("This appointment has passed"), _(_TOO_LATE[doing]), **_summary(appointment))
    return None


def _already_cancelled(appointment, status: int = 200):
    who = appointment.cancelled_by
    return notice(
        status,
        _("This appointment is already cancelled"),
        _("It was cancelled by %(who)s. If you'd like a new appointment, please call us.", who=who)
        if who
        else _("It was cancelled by the clinic. If you'd like a new appointment, please call us."),
        **_summary(appointment),
    )


def _already_asked(appointment):
    return notice(
        200,
        _("You've already asked to move this appointment"),
        _("The clinic will email you with another time. Until then, your appointment stays as it is."),
        **_summary(appointment),
    )


@bp.route("/appointment/<token>")
def appointment(token: str):
    found = _appointment_from(token)
    past = portal.is_past(found)
    return render_template(
        "portal/appointment.html",
        appointment=found,
        past=past,
        pending=portal.pending_request(found.id) if found.is_active and not past else None,
        can_change=found.is_active and not past,
        can_confirm=found.status == AppointmentStatus.PENDING and not past,
        confirm_form=ActionForm(),
        token=token,
        patient_url=patient_url(found.patient_id),
    )


# What the patient reads after saying they're coming, by what the service says it did.
_CONFIRMED = {
    "confirmed": (N_("Thank you, your appointment is confirmed"), N_("We've emailed you the details.")),
    "coming": (N_("Thank you for letting us know you're coming"), N_("Nothing more to do: see you then.")),
    "already": (N_("You've already told us you're coming"), N_("Nothing more to do: see you then.")),
}


@bp.post("/appointment/<token>/confirm")
def confirm(token: str):
    """The patient's "I'll be there" (or "Confirm this appointment" on a requested one): a POST from
    their appointment page, never a GET, so a mail scanner following links confirms nothing."""
    found = _appointment_from(token)
    check_form(ActionForm())
    if found.status == AppointmentStatus.CANCELLED:
        return _already_cancelled(found, 409)
    refusal = _not_changeable(found, "confirm")
    if refusal is not None:
        raise refusal
    try:
        done = portal.confirm(found)
    except ServiceError as error:
        raise Refusal(409, _("We couldn't confirm this appointment"), said(error), **_summary(found)) from None
    title, message = _CONFIRMED[done]
    return notice(200, _(title), _(message), **_summary(found))


def _cancelled(found):
    again = found.practitioner.active
    return notice(
        200,
        _("Your appointment is cancelled"),
        _("We've emailed you to confirm. If you'd like another time, book one below or call us.")
        if again
        else _("We've emailed you to confirm. If you'd like another time, please call us."),
        appointment=found,
        links=[(availability_url(found.patient_id, found.practitioner_id), _("Book again"))] if again else [],
    )


@bp.route("/appointment/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    found = _appointment_from(token)
    if found.status == AppointmentStatus.CANCELLED:
        return _already_cancelled(found)
    refusal = _not_changeable(found, "cancel")
    if refusal is not None:
        raise refusal
    form = CancelForm()
    if form.validate_on_submit():
        try:
            portal.cancel(found, form.reason.data)
        except ServiceError as error:
            # The service rolled its unit back, so `found` is read afresh here.
            if found.status == AppointmentStatus.CANCELLED:  # cancelled a moment ago, by them or the clinic
                return _already_cancelled(found)
            raise Refusal(409, _("We couldn't cancel this appointment"), said(error), **_summary(found)) from None
        return _cancelled(found)
    return render_template(
        "portal/cancel.html", appointment=found, form=form, manage_url=manage_url(found)
    ), 400 if form.is_submitted() else 200


@bp.route("/appointment/<token>/reschedule", methods=["GET", "POST"])
def reschedule(token: str):
    found = _appointment_from(token)
    if found.status == AppointmentStatus.CANCELLED:
        return _already_cancelled(found, 409)
    refusal = _not_changeable(found, "move")
    if refusal is not None:
        raise refusal
    if portal.pending_request(found.id) is not None:
        return _already_asked(found)
    form = RescheduleForm()
    if form.validate_on_submit():
        try:
            portal.ask_to_move(found, form.note.data or "")
        except ServiceError as error:
            if portal.pending_request(found.id) is not None:  # asked a moment ago
                return _already_asked(found)
            raise Refusal(409, _("We couldn't ask the clinic"), said(error), **_summary(found)) from None
        return notice(
            200,
            _("We've asked the clinic"),
            _("They'll find you another time and email you. Until then, your appointment stays as it is."),
            **_summary(found),
        )
    return render_template(
        "portal/reschedule.html", appointment=found, form=form, manage_url=manage_url(found)
    ), 400 if form.is_submitted() else 200
