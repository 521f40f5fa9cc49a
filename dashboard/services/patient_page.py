"""What a patient's page shows beyond their appointments: invoices and balance, waiting lists,
offers and emails; a short list each, one statement each, however many rows they have."""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from dashboard.extensions import db
from dashboard.models import OWING, EmailMessage, Invoice, Offer, Slot, WaitlistEntry
from dashboard.notify import kinds

SHOWN = 5


@dataclass
class Email:
    message: EmailMessage
    kind_label: str


@dataclass
class Sections:
    invoices: list[Invoice] = field(default_factory=list)
    invoice_count: int = 0
    owing: Decimal = Decimal("0.00")
    waiting: list[WaitlistEntry] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    more_offers: bool = False
    emails: list[Email] = field(default_factory=list)
    more_emails: bool = False


def _invoices(patient_id: int, sections: Sections) -> None:
    """The latest invoices, with the balance and the count of all of them, in one statement (window sums)."""
    owing = func.sum(case((Invoice.status.in_(OWING), Invoice.total - Invoice.amount_paid), else_=0)).over()
    rows = db.session.execute(
        select(Invoice, owing, func.count().over())
        .where(Invoice.patient_id == patient_id)
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        .limit(SHOWN)
    ).all()
    sections.invoices = [row[0] for row in rows]
    if rows:
        sections.owing = Decimal(rows[0][1] or 0).quantize(Decimal("0.01"))
        sections.invoice_count = rows[0][2]


def _waiting(patient_id: int) -> list[WaitlistEntry]:
    return list(
        db.session.scalars(
            select(WaitlistEntry)
            .options(joinedload(WaitlistEntry.practitioner))
            .where(WaitlistEntry.patient_id == patient_id, WaitlistEntry.ended_at.is_(None))
            .order_by(WaitlistEntry.created_at)
        )
    )


def _offers(patient_id: int) -> list[Offer]:
    return list(
        db.session.scalars(
            select(Offer)
            .options(joinedload(Offer.slot).joinedload(Slot.practitioner))
            .where(Offer.patient_id == patient_id)
            .order_by(Offer.created_at.desc(), Offer.id.desc())
            .limit(SHOWN + 1)
        )
    )


def _emails(patient_id: int) -> list[EmailMessage]:
    return list(
        db.session.scalars(
            select(EmailMessage)
            .where(EmailMessage.patient_id == patient_id)
            .order_by(EmailMessage.id.desc())
            .limit(SHOWN + 1)
        )
    )


def kind_label(kind: str) -> str:
    known = kinds.KINDS.get(kind)
    return known.label if known else kind.replace("_", " ").capitalize()


def sections(patient_id: int) -> Sections:
    """The patient page's sections (the appointments come from services.appointments.listing)."""
    found = Sections()
    _invoices(patient_id, found)
    found.waiting = _waiting(patient_id)
    offers = _offers(patient_id)
    found.offers, found.more_offers = offers[:SHOWN], len(offers) > SHOWN
    emails = _emails(patient_id)
    found.emails = [Email(m, kind_label(m.kind)) for m in emails[:SHOWN]]
    found.more_emails = len(emails) > SHOWN
    return found
