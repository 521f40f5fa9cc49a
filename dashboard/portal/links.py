"""What every patient page shares: reading its own purpose's signed link, refusing (`Refusal`,
shown by the blueprint's `notice`), and the links the pages give to the patient's other pages."""

from contextlib import suppress

from flask import g, url_for
from flask_babel import gettext as _

from dashboard import languages, patient_links
from dashboard.services import portal


def N_(message: str) -> str:
    """Marks words kept as data for `make translations`: translated (`_()`) where they are shown."""
    return message


# What the services say to a patient when they refuse (shown as they are: `said`), marked here so
# that the catalogue has them; a message the services build with names in it stays English.
SERVICE_WORDS = [
    N_("That time was just taken by someone else."),
    N_("That slot is blocked; choose another time."),
    N_("This time is being held for someone else who was waiting longer."),
    N_("This offer is no longer open."),
    N_("This time wasn't offered to you."),
    N_("That time has already passed."),
    N_("That time has already passed. If something isn't right, please call us."),
    N_("There is already a request to move this appointment waiting for an answer."),
    N_("Only a pending or confirmed appointment can be moved."),
    N_("That appointment has already started."),
]

# The appointments' states as a patient reads them (AppointmentStatus.label), translated where shown.
STATUS_WORDS = [N_("Requested"), N_("Confirmed"), N_("Cancelled"), N_("Completed"), N_("No-show")]


def said(error: Exception) -> str:
    """What a service's refusal says, in the patient's language when the catalogue has it."""
    return _(str(error))


class Refusal(Exception):
    """Stop here and show a friendly page with this status and a way forward."""

    def __init__(self, status: int, title: str, message: str, **context):
        super().__init__(title)
        self.status, self.title, self.message, self.context = status, title, message, context


# ------------------------------------------------------------------ reading links


def read(purpose: str, token: str) -> dict:
    """The ids the link carries; a 410 refusal if it is past its lifetime, 400 if it isn't ours."""
    try:
        return patient_links.read(purpose, token)
    except patient_links.LinkExpired as expired:
        _in_their_language(expired.ids)
        raise Refusal(
            410,
            _("This link has expired"),
            _(
                "For your security, the links in our emails only work for a while. "
                "Please use the link in a more recent email, or call us and we'll help."
            ),
        ) from None
    except patient_links.LinkInvalid:
        raise invalid() from None


def _in_their_language(ids: dict) -> None:
    """An expired link is still one we made: its refusal is in its patient's language. Only that:
    no link to their page (a fresh one) from a link past its lifetime."""
    with suppress(portal.NotFound):
        languages.for_patient(portal.patient(ids.get("p", 0)).language)  # a bad id is NotFound too


def invalid() -> Refusal:
    return Refusal(
        400,
        _("This link isn't valid"),
        _(
            "It may have been cut short or changed on its way to you. Please open the whole link from your email "
            "(or copy all of it into your browser), or call us and we'll help."
        ),
    )


def id_of(ids: dict, name: str) -> int:
    value = ids.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid()
    return value


def load_patient(patient_id: int):
    found = portal.patient(patient_id)
    g.patient_id = found.id  # from here on, refusals link to the patient's own page
    languages.for_patient(found.language)  # and the page is in their language
    return found


def patient_of(purpose: str, token: str) -> int:
    """The patient a `purpose` link (carrying only them) is for, loaded: their id."""
    patient_id = id_of(read(purpose, token), "p")
    load_patient(patient_id)
    return patient_id


def check_form(form) -> None:
    if not form.validate_on_submit():
        raise Refusal(
            400, _("This page has expired"), _("Please go back, reload the page and try again. Nothing has changed.")
        )


# ------------------------------------------------------------------ links to the patient's pages


def patient_url(patient_id: int) -> str:
    return url_for("portal.patient", token=patient_links.token("patient", p=patient_id))


def manage_url(appointment) -> str:
    return url_for(
        "portal.appointment", token=patient_links.token("appointment", a=appointment.id, p=appointment.patient_id)
    )


def availability_url(patient_id: int, practitioner_id: int) -> str:
    return url_for("portal.availability", token=patient_links.token("availability", p=patient_id, r=practitioner_id))


def preferences_url(patient_id: int) -> str:
    return url_for("portal.preferences", token=patient_links.token("preferences", p=patient_id))
