"""Finding, adding and editing patients (they never log in; the desk keeps their details)."""

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Patient
from dashboard.services import ServiceError
from dashboard.services.search import containing

NAME_LENGTH = 80
EMAIL_LENGTH = 254
PHONE_LENGTH = 40


def _search_query(q: str):
    query = select(Patient).order_by(func.lower(Patient.last_name), func.lower(Patient.first_name), Patient.id)
    q = (q or "").strip()
    if q:
        query = query.where(
            containing(
                q,
                Patient.first_name + " " + Patient.last_name,
                Patient.last_name + " " + Patient.first_name,
                Patient.email,
                Patient.phone,
            )
        )
    return query


def search(q: str = "", *, page: int = 1, per_page: int = 25):
    """One page of patients whose name, email or phone contains `q` (all of them without it)."""
    return db.paginate(_search_query(q), page=max(page, 1), per_page=per_page, error_out=False)


def matches(q: str, *, limit: int = 20) -> list[Patient]:
    """Up to `limit` patients matching `q`: the booking form's chooser."""
    if not (q or "").strip():
        return []
    return list(db.session.scalars(_search_query(q).limit(limit)))


def get(patient_id: int) -> Patient:
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise LookupError(patient_id)
    return patient


def _clean(first_name: str, last_name: str, email: str | None, phone: str | None) -> dict:
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
    return {"first_name": first_name, "last_name": last_name, "email": email, "phone": phone}


def create(*, first_name: str, last_name: str, email: str | None = None, phone: str | None = None) -> Patient:
    patient = Patient(**_clean(first_name, last_name, email, phone))
    db.session.add(patient)
    db.session.commit()
    return patient


def update(
    patient_id: int, *, first_name: str, last_name: str, email: str | None = None, phone: str | None = None
) -> Patient:
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise ServiceError("That patient no longer exists.")
    for key, value in _clean(first_name, last_name, email, phone).items():
        setattr(patient, key, value)
    db.session.commit()
    return patient
