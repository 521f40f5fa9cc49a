"""Invoices: numbers, lines, totals, writing and voiding one, and what their emails say.

Money is Decimal from the form to the database: a line is quantity × unit
price rounded to cents; tax is on the subtotal less the discount, rounded
once, half up.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from dashboard import notify, patient_links
from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import Appointment, Invoice, InvoiceItem, InvoiceStatus, Patient, User
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, rows_changed, unit_of_work
from dashboard.services.pdf import invoice_pdf
from dashboard.settings import setting

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000")
MAX_QUANTITY = Decimal("10000")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def decimal(value, what: str) -> Decimal:
    """A Decimal from a form value, or a clear ServiceError (floats never reach here)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(f"{what} must be a number.") from None
    if not number.is_finite():
        raise ServiceError(f"{what} must be a number.")
    return number


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


def tax_rate() -> Decimal:
    rate = decimal(setting("CLINIC_TAX_RATE") or "0", "CLINIC_TAX_RATE")
    if not Decimal("0") <= rate < Decimal("1"):
        raise ValueError("CLINIC_TAX_RATE must be a fraction, e.g. 0.15")
    return rate


def totals(lines: list[Line], discount: Decimal) -> Totals:
    subtotal = sum((cents(line.quantity * line.unit_price) for line in lines), Decimal("0.00"))
    if discount > subtotal:
        raise ServiceError("The discount can't be more than the subtotal.")
    rate = tax_rate()
    tax = cents((subtotal - discount) * rate)
    return Totals(subtotal, discount, rate, tax, subtotal - discount + tax)


def _checked_lines(lines: list[Line]) -> list[Line]:
    kept = [line for line in lines if line.description.strip()]
    if not kept:
        raise ServiceError("Add at least one line with a description.")
    for line in kept:
        if not (line.quantity.is_finite() and line.unit_price.is_finite()):
            raise ServiceError(f"The quantity and price of “{line.description}” must be numbers.")
        if line.quantity != line.quantity.quantize(CENT) or line.quantity > MAX_QUANTITY:
            raise ServiceError(f"The quantity of “{line.description}” must be at most {MAX_QUANTITY} in hundredths.")
        if line.quantity <= 0:
            raise ServiceError(f"The quantity of “{line.description}” must be more than zero.")
        if line.unit_price < 0:
            raise ServiceError(f"The price of “{line.description}” can't be negative.")
        if line.quantity * line.unit_price > MAX_AMOUNT:
            raise ServiceError(f"“{line.description}” is over the largest amount an invoice line can hold.")
    return kept


@unit_of_work()
def create_invoice(
    *,
    patient_id: int,
    lines: list[Line],
    by_user: User,
    discount: Decimal = Decimal("0"),
    due_on: date | None = None,
    appointment_id: int | None = None,
    notes: str = "",
) -> Invoice:
    """Write the invoice and email it to the patient with its PDF."""
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise ServiceError("Choose a patient.")
    if not discount.is_finite() or discount < 0:
        raise ServiceError("The discount must be a number, zero or more.")
    if appointment_id is not None:
        appointment = db.session.get(Appointment, appointment_id)
        if appointment is None or appointment.patient_id != patient.id:
            raise ServiceError("That appointment is not this patient's.")
    lines = _checked_lines(lines)
    figures = totals(lines, cents(discount))
    today = clinic_today()
    due_on = due_on or today + timedelta(days=setting("INVOICE_DUE_DAYS"))
    if due_on < today:
        raise ServiceError("The due date is in the past.")
    invoice = Invoice(
        patient_id=patient.id,
        appointment_id=appointment_id,
        issued_on=today,
        due_on=due_on,
        status=InvoiceStatus.UNPAID if figures.total > 0 else InvoiceStatus.PAID,
        subtotal=figures.subtotal,
        discount=figures.discount,
        tax_rate=figures.tax_rate,
        tax=figures.tax,
        total=figures.total,
        amount_paid=Decimal("0.00"),
        notes=(notes or "").strip(),
        created_by_id=by_user.id,
        items=[
            InvoiceItem(
                description=line.description.strip()[:200],
                quantity=line.quantity,
                unit_price=cents(line.unit_price),
                total=cents(line.quantity * line.unit_price),
            )
            for line in lines
        ],
    )
    _insert_numbered(invoice, today.year)
    notify.email(
        "invoice",
        to=patient.email,
        context=email_context(invoice, has_pdf=True),
        dedupe_key=f"invoice:{invoice.id}:issued",
        patient_id=patient.id,
        attachments=[notify.Attachment(f"invoice-{invoice.number}.pdf", "application/pdf", invoice_pdf(invoice))],
    )
    log.info("invoice %s for patient %s: %s", invoice.number, patient.id, invoice.total)
    return invoice


def _next_number(year: int) -> str:
    """INV-<year>-<n>: one more than the year's highest (compared as numbers: longest first)."""
    prefix = f"INV-{year}-"
    last = db.session.scalar(
        select(Invoice.number)
        .where(Invoice.number.like(f"{prefix}%"))
        .order_by(func.length(Invoice.number).desc(), Invoice.number.desc())
        .limit(1)
    )
    n = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{n:05d}"


def _insert_numbered(invoice: Invoice, year: int) -> None:
    """Insert with the next number; two desks taking the same one at once: the second retries."""
    for attempt in range(5):
        invoice.number = _next_number(year)
        try:
            with db.session.begin_nested():
                db.session.add(invoice)
            return
        except IntegrityError:
            if attempt == 4:
                raise
            log.info("invoice number %s was just taken; trying the next", invoice.number)


def get(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id, options=[joinedload(Invoice.patient), joinedload(Invoice.items)])
    if invoice is None:
        raise LookupError(invoice_id)
    return invoice


@unit_of_work()
def void(invoice_id: int, reason: str, *, by_user: User) -> Invoice:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason for voiding the invoice.")
    invoice = get(invoice_id)
    changed = rows_changed(
        update(Invoice)
        .where(
            Invoice.id == invoice.id,
            Invoice.status.in_([InvoiceStatus.UNPAID, InvoiceStatus.PAID]),
            Invoice.amount_paid == 0,
        )
        .values(status=InvoiceStatus.VOID, voided_at=utcnow(), void_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(invoice)
    if not changed:  # nothing was written: the refusal rolls back an empty unit
        if invoice.status == InvoiceStatus.VOID:
            raise ServiceError("That invoice is already void.")
        raise ServiceError("An invoice with payments against it can't be voided.")
    notify.email(
        "invoice_void",
        to=invoice.patient.email,
        context=void_email_context(invoice, reason),
        dedupe_key=f"invoice:{invoice.id}:void",
        patient_id=invoice.patient_id,
    )
    return invoice


def void_email_context(invoice: Invoice, reason: str) -> dict:
    """What the patient is told when `invoice` is voided with the desk's `reason` (also the preview's)."""
    return email_context(invoice, reason=(reason or "").strip())


def email_context(invoice: Invoice, **extra) -> dict:
    return {
        "patient": invoice.patient,
        "invoice": invoice,
        "payment_instructions": setting("PAYMENT_INSTRUCTIONS"),
        "patient_url": patient_links.url("patient", p=invoice.patient_id),
        **extra,
    }
