"""What every patient page shares: reading its own purpose's signed link, refusing (`Refusal`,
shown by the blueprint's `notice`), and the links the pages give to the patient's other pages."""

from flask import g, url_for

from dashboard import languages, patient_links
from dashboard.services import portal


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
    except patient_links.LinkExpired:
        raise Refusal(
            410,
            "This link has expired",
            "For your security, the links in our emails only work for a while. "
            "Please use the link in a more recent email, or call us and we'll help.",
        ) from None
    except patient_links.LinkInvalid:
        raise invalid() from None


def invalid() -> Refusal:
    return Refusal(
        400,
        "This link isn't valid",
        "It may have been cut short or changed on its way to you. Please open the whole link from your email "
        "(or copy all of it into your browser), or call us and we'll help.",
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
            400, "This page has expired", "Please go back, reload the page and try again. Nothing has changed."
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
