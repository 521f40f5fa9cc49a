"""The appointments lists: today, upcoming, past, all, filtered and searched, a page at a time."""

from datetime import time, timedelta

from sqlalchemy import UnaryExpression, select
from sqlalchemy.orm import contains_eager

from dashboard.clinic_time import clinic_today, local_to_utc
from dashboard.extensions import db
from dashboard.models import Appointment, AppointmentStatus, Patient, Practitioner, Role, User
from dashboard.models.base import utcnow
from dashboard.pages import MAX_PAGE, Page, first_rows
from dashboard.services.search import containing

LISTS = ("today", "upcoming", "past", "all")


def listing(
    user: User,
    *,
    view: str = "upcoming",
    practitioner_id: int | None = None,
    patient_id: int | None = None,
    status: str | None = None,
    q: str = "",
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """One page of appointments in one query, whatever the page or the table's size.

    The page's ids are chosen by a subquery over appointments alone (their
    indexes cover every filter but the search), then only those rows are
    joined to their patient and practitioner: a deep page skips index entries,
    not joined rows. "Has next" comes from fetching one more id than shown,
    not from a COUNT."""
    now = utcnow()
    ids = select(Appointment.id)
    if user.has_role(Role.PRACTITIONER):
        own = select(Practitioner.id).where(Practitioner.user_id == user.id).scalar_subquery()
        ids = ids.where(Appointment.practitioner_id == own)
    elif practitioner_id:
        ids = ids.where(Appointment.practitioner_id == practitioner_id)
    if patient_id:
        ids = ids.where(Appointment.patient_id == patient_id)
    if status in {s.value for s in AppointmentStatus}:
        ids = ids.where(Appointment.status == status)
    q = (q or "").strip()
    if q:
        ids = ids.join(Appointment.patient).where(
            containing(q, Patient.first_name + " " + Patient.last_name, Patient.email, Appointment.reason)
        )
    if view == "today":
        today = clinic_today()
        ids = ids.where(
            Appointment.starts_at >= local_to_utc(today, time(0)),
            Appointment.starts_at < local_to_utc(today + timedelta(days=1), time(0)),
        )
        order: list[UnaryExpression] = [Appointment.starts_at.asc(), Appointment.id.asc()]
    elif view == "upcoming":
        ids = ids.where(Appointment.starts_at >= now)
        order = [Appointment.starts_at.asc(), Appointment.id.asc()]
    elif view == "past":
        ids = ids.where(Appointment.starts_at < now)
        order = [Appointment.starts_at.desc(), Appointment.id.desc()]
    else:
        order = [Appointment.starts_at.desc(), Appointment.id.desc()]
    page = min(max(page, 1), MAX_PAGE)
    chosen = ids.order_by(*order).offset((page - 1) * per_page).limit(per_page + 1).subquery()
    query = (
        select(Appointment)
        .join(chosen, chosen.c.id == Appointment.id)
        .join(Appointment.patient)
        .join(Appointment.practitioner)
        .options(contains_eager(Appointment.patient), contains_eager(Appointment.practitioner))
        .order_by(*order)
    )
    rows = list(db.session.scalars(query))
    return first_rows(rows, page, per_page)
