"""A patient's choices about our optional emails: their preferences page and one-click unsubscribe."""

from flask_babel import gettext as _
from sqlalchemy import select

from dashboard import languages
from dashboard.extensions import db
from dashboard.models import PatientEmailPreference
from dashboard.notify.kinds import KINDS, Kind
from dashboard.services import ServiceError, unit_of_work
from dashboard.services.portal.lookup import patient


def optional_kinds() -> list[Kind]:
    """The patients' emails they may turn off."""
    return [k for k in KINDS.values() if k.audience == "patient" and k.optional]


def optional_kind(name: object) -> Kind:
    """The optional patient kind called `name`; ServiceError for any other."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None or kind.audience != "patient" or not kind.optional:
        raise ServiceError("That isn't a kind of email you can unsubscribe from.")
    return kind


def preferences(patient_id: int) -> dict[str, bool]:
    """Whether the patient wants each optional kind (no row: they do)."""
    saved = {
        p.kind: p.email
        for p in db.session.scalars(
            select(PatientEmailPreference).where(PatientEmailPreference.patient_id == patient_id)
        )
    }
    return {k.name: saved.get(k.name, True) for k in optional_kinds()}


def _set(patient_id: int, kind: str, wanted: bool) -> bool:
    """Record the choice (in the caller's transaction); True if it changed anything."""
    pref = db.session.get(PatientEmailPreference, (patient_id, kind))
    if pref is None:
        db.session.add(PatientEmailPreference(patient_id=patient_id, kind=kind, email=wanted))
        return not wanted
    if pref.email == wanted:
        return False
    pref.email = wanted
    return True


def save_preferences(patient_id: int, wanted: dict[str, bool], *, language: str | None = None) -> dict[str, bool]:
    """Save the patient's choices for the optional kinds named in `wanted` (others are ignored), and
    the language of their emails and pages if given; ServiceError (nothing saved) for one we don't write in."""
    if language is not None and language not in languages.LANGUAGES:
        raise ServiceError(_("Please choose one of the languages in the list."))
    with unit_of_work():
        who = patient(patient_id)
        if language is not None:
            who.language = language
        for kind in optional_kinds():
            if kind.name in wanted:
                _set(patient_id, kind.name, bool(wanted[kind.name]))
    return preferences(patient_id)


@unit_of_work()
def unsubscribe(patient_id: int, kind_name: str) -> bool:
    """Turn off one optional kind; False if it was already off."""
    patient(patient_id)
    kind = optional_kind(kind_name)
    return _set(patient_id, kind.name, False)
