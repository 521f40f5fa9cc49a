"""The invoice list, with the total owing and the overdue count across every matching invoice."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import OWING, Invoice, Patient
from dashboard.pages import Page, page_of
from dashboard.services.search import containing


def invoices(
    *, view: str = "all", patient_id: int | None = None, q: str = "", page: int = 1, per_page: int = 25
) -> Page:
    """One page of invoices, newest first: all, owing, overdue, paid or void; with the total owing."""
    today = clinic_today()
    query = select(Invoice).join(Invoice.patient)
    if view == "owing":
        query = query.where(Invoice.status.in_(OWING))
    elif view == "overdue":
        query = query.where(Invoice.status.in_(OWING), Invoice.due_on < today)
    elif view in ("paid", "void"):
        query = query.where(Invoice.status == view)
    if patient_id:
        query = query.where(Invoice.patient_id == patient_id)
    if (q or "").strip():
        query = query.where(containing(q, Patient.first_name + " " + Patient.last_name, Invoice.number))
    filtered = query.subquery()
    owing = db.session.scalar(
        select(func.coalesce(func.sum(filtered.c.total - filtered.c.amount_paid), 0)).where(
            filtered.c.status.in_(OWING)
        )
    )
    overdue = db.session.scalar(select(func.count()).where(filtered.c.status.in_(OWING), filtered.c.due_on < today))
    # owing and overdue_count: across every matching invoice, not only this page
    return page_of(
        query.options(joinedload(Invoice.patient)).order_by(Invoice.issued_on.desc(), Invoice.id.desc()),
        page,
        per_page,
        owing=Decimal(owing or 0),
        overdue_count=overdue or 0,
    )
