"""Finding, adding and editing patients (they never log in; the desk keeps their details)."""

from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from dashboard import languages
from dashboard.clinic_time import clinic_birth_date, clinic_today
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus, Patient
from dashboard.notify import recipients
from dashboard.notify.delivery import GAVE_UP
from dashboard.pages import Page, page_of
from dashboard.services import ServiceError, unit_of_work
from dashboard.services.patient_search import condition

NAME_LENGTH = 80
EMAIL_LENGTH = 254
PHONE_LENGTH = 40
EARLIEST_BIRTH = date(1900, 1, 1)


def _search_query(q: str):
    query = select(Patient).order_by(Patient.sort_key, Patient.id)
    where = condition(q)
    return query if where is None else query.where(where)


def search(q: str = "", *, page: int = 1, per_page: int = 25) -> Page:
    """One page of patients found by `q` (services/patient_search.py), all of them without it."""
    return page_of(_search_query(q), page, per_page)


def matches(q: str, *, limit: int = 20) -> list[Patient]:
    """Up to `limit` patients matching `q`: the booking form's chooser."""
    if not (q or "").strip():
        return []
    return list(db.session.scalars(_search_query(q).limit(limit)))


def choices(q: str, *, limit: int = 10) -> list[dict]:
    """What the chooser shows as you type: up to `limit` matches, each with what tells two
    patients of one name apart (number, date of birth, phone)."""
    return [
        {
            "id": patient.id,
            "name": patient.name,
            "number": patient.number,
            "born": clinic_birth_date(patient.date_of_birth),
            "phone": patient.phone or "",
            "email": patient.email or "",
        }
        for patient in matches(q, limit=limit)
    ]


@dataclass
class Chooser:
    """What a form's patient chooser shows: the search typed, the patient already chosen
    (kept at the top of the matches), and the patients matching the search."""

    q: str
    chosen: Patient | None
    matches: list[Patient]

    def context(self) -> dict:
        return {"q": self.q, "chosen": self.chosen, "matches": self.matches}


def chooser(q: str, chosen_id: int | None, *, limit: int = 20) -> Chooser:
    """The chooser the booking, invoice and waiting-list forms share."""
    chosen = db.session.get(Patient, chosen_id) if chosen_id else None
    found = matches(q, limit=limit) if q else []
    if chosen is not None and all(p.id != chosen.id for p in found):
        found.insert(0, chosen)
    return Chooser(q, chosen, found)


def get(patient_id: int) -> Patient:
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise LookupError(patient_id)
    return patient


def check_date_of_birth(day: date | None) -> None:
    """A date of birth the clinic can hold: not after today, not before 1900."""
    if day is None:
        return
    if day > clinic_today():
        raise ServiceError("The date of birth can't be in the future.")
    if day < EARLIEST_BIRTH:
        raise ServiceError("The date of birth can't be before 1900: check the year.")


def _clean(first_name: str, last_name: str, email: str | None, phone: str | None, date_of_birth: date | None) -> dict:
    first_name = (first_name or "").strip()
    last_name = (last_name or "").strip()
    if not first_name or not last_name:
        raise ServiceError("Give the patient's first and last name.")
    if len(first_name) > NAME_LENGTH or len(last_name) > NAME_LENGTH:
        raise ServiceError(f"Names can be at most {NAME_LENGTH} characters.")
    email = (email or "").strip() or None
    if email is not None:
        if len(email) > EMAIL_LENGTH:
            raise ServiceError(f"The email address can be at most {EMAIL_LENGTH} characters.")
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ServiceError(f"That email address is not valid: {exc}") from exc
    phone = (phone or "").strip() or None
    if phone is not None and len(phone) > PHONE_LENGTH:
        raise ServiceError(f"The phone number can be at most {PHONE_LENGTH} characters.")
    check_date_of_birth(date_of_birth)
    return {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "date_of_birth": date_of_birth,
    }


def _language(code: str | None) -> str:
    """The language of a patient's emails and pages, one we write in."""
    if code not in languages.LANGUAGES:
        raise ServiceError("Choose the patient's language from the list.")
    return languages.known(code)


@unit_of_work()
def create(
    *,
    first_name: str,
    last_name: str,
    email: str | None = None,
    phone: str | None = None,
    date_of_birth: date | None = None,
    language: str = languages.DEFAULT,
) -> Patient:
    """A new patient; their number comes from their id as the row is inserted (models/patient.py)."""
    patient = Patient(**_clean(first_name, last_name, email, phone, date_of_birth), language=_language(language))
    db.session.add(patient)
    db.session.flush()
    return patient


@unit_of_work()
def update(
    patient_id: int,
    *,
    first_name: str,
    last_name: str,
    email: str | None = None,
    phone: str | None = None,
    date_of_birth: date | None = None,
    language: str | None = None,
) -> Patient:
    """The patient's details saved; their language too when given (None keeps it)."""
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise ServiceError("That patient no longer exists.")
    for key, value in _clean(first_name, last_name, email, phone, date_of_birth).items():
        setattr(patient, key, value)
    if language is not None:
        patient.language = _language(language)
    return patient


# ------------------------------------------------------------------ can we reach them by email?


@dataclass(frozen=True)
class Reach:
    """Whether the patient's emails can reach them, and if not, why (for the desk to read)."""

    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def email_reach(patient: Patient) -> Reach:
    """No address, one that isn't valid, or the last email to it failed for good: this
    patient will get no emails until someone changes it (two indexed lookups at most)."""
    if not patient.email:
        return Reach("there is no email address on file")
    address = recipients.normalise(patient.email)
    if address is None:
        return Reach(f"{patient.email} is not a valid email address")
    last = db.session.execute(
        select(EmailMessage.status, EmailMessage.last_error)
        .where(
            EmailMessage.patient_id == patient.id,
            EmailMessage.to_addrs == address,
            EmailMessage.status.in_([EmailStatus.SENT, EmailStatus.FAILED]),
        )
        .order_by(EmailMessage.id.desc())
        .limit(1)
    ).first()
    # A server that was down until the retries ran out says nothing about the address.
    if last is not None and last.status == EmailStatus.FAILED and not (last.last_error or "").startswith(GAVE_UP):
        return Reach(f"the last email to {address} could not be delivered: {last.last_error}")
    return Reach()
