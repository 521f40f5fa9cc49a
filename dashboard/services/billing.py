"""Invoices, payments and overdue reminders, and the emails each sends.

Money is Decimal from the form to the database: a line is quantity × unit
price rounded to cents; tax is on the subtotal less the discount, rounded
once, half up. A payment is recorded with one conditional UPDATE (only if
the invoice is still owing and the amount fits the balance), so two people
recording at once can't overpay it.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from dashboard import notify, patient_links, queues
from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import OWING, Appointment, Invoice, InvoiceItem, InvoiceStatus, Patient, Payment, User
from dashboard.models.base import utcnow
from dashboard.pages import Page, page_of
from dashboard.services import ServiceError
from dashboard.services.search import containing

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000")
MAX_QUANTITY = Decimal("10000")
METHODS = ["Card", "Cash", "Bank transfer", "Insurance", "Other"]


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
    rate = decimal(current_app.config["CLINIC_TAX_RATE"] or "0", "CLINIC_TAX_RATE")
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


# ------------------------------------------------------------------ invoices


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
    due_on = due_on or today + timedelta(days=current_app.config["INVOICE_DUE_DAYS"])
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
    from dashboard.services.pdf import invoice_pdf

    notify.email(
        "invoice",
        to=patient.email,
        context=_context(invoice, has_pdf=True),
        dedupe_key=f"invoice:{invoice.id}:issued",
        patient_id=patient.id,
        attachments=[notify.Attachment(f"invoice-{invoice.number}.pdf", "application/pdf", invoice_pdf(invoice))],
    )
    db.session.commit()
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


def void(invoice_id: int, reason: str, *, by_user: User) -> Invoice:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason for voiding the invoice.")
    invoice = get(invoice_id)
    changed = db.session.execute(
        update(Invoice)
        .where(
            Invoice.id == invoice.id,
            Invoice.status.in_([InvoiceStatus.UNPAID, InvoiceStatus.PAID]),
            Invoice.amount_paid == 0,
        )
        .values(status=InvoiceStatus.VOID, voided_at=utcnow(), void_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(invoice)
    if not changed:
        if invoice.status == InvoiceStatus.VOID:
            raise ServiceError("That invoice is already void.")
        raise ServiceError("An invoice with payments against it can't be voided.")
    return invoice


# ------------------------------------------------------------------ payments


def record_payment(
    invoice_id: int,
    *,
    amount: Decimal,
    method: str,
    by_user: User,
    reference: str = "",
    paid_at: datetime | None = None,
) -> Payment:
    """Record a payment (partial or full); refuses a void or paid invoice and more than owed."""
    invoice = get(invoice_id)
    if not amount.is_finite():
        raise ServiceError("The amount must be a number.")
    amount = cents(amount)
    if amount <= 0:
        raise ServiceError("The amount must be more than zero.")
    if method not in METHODS:
        raise ServiceError("Choose how it was paid.")
    paid_at = paid_at or utcnow()
    if paid_at > utcnow() + timedelta(minutes=5):
        raise ServiceError("The payment date is in the future.")
    # Rounded in SQL too: SQLite does NUMERIC arithmetic in floating point (0.10 + 0.20).
    new_paid = func.round(Invoice.amount_paid + amount, 2)
    changed = db.session.execute(
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.status.in_(OWING), new_paid <= Invoice.total)
        .values(
            amount_paid=new_paid,
            status=case(
                (new_paid >= Invoice.total, InvoiceStatus.PAID.value), else_=InvoiceStatus.PARTIALLY_PAID.value
            ),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        db.session.refresh(invoice)
        if invoice.status == InvoiceStatus.VOID:
            raise ServiceError("That invoice is void; nothing is owed on it.")
        if invoice.status == InvoiceStatus.PAID:
            raise ServiceError("That invoice is already paid in full.")
        raise ServiceError(f"That is more than is owed: the balance is {_money(invoice.balance)}.")
    payment = Payment(
        invoice_id=invoice.id,
        amount=amount,
        method=method,
        reference=(reference or "").strip()[:100],
        paid_at=paid_at,
        receipt_number=f"R-{invoice.number.removeprefix('INV-')}-{len(invoice.payments) + 1}",
        recorded_by_id=by_user.id,
    )
    db.session.add(payment)
    db.session.flush()
    db.session.refresh(invoice)
    from dashboard.services.pdf import receipt_pdf

    notify.email(
        "payment_confirmation",
        to=invoice.patient.email,
        context={**_context(invoice, has_pdf=True), "payment": payment},
        dedupe_key=f"payment:{payment.id}:receipt",
        patient_id=invoice.patient_id,
        attachments=[
            notify.Attachment(f"receipt-{payment.receipt_number}.pdf", "application/pdf", receipt_pdf(payment))
        ],
    )
    db.session.commit()
    return payment


def _money(value: Decimal) -> str:
    from dashboard.wording import money

    return money(value)


def _context(invoice: Invoice, **extra) -> dict:
    return {
        "patient": invoice.patient,
        "invoice": invoice,
        "payment_instructions": current_app.config["PAYMENT_INSTRUCTIONS"],
        "patient_url": patient_links.url("patient", p=invoice.patient_id),
        **extra,
    }


# ------------------------------------------------------------------ overdue


REMINDER_BATCH = 500  # reminders written in one go; more are split into jobs for the workers
WRITE_JOB = "dashboard.jobs.billing.write_payment_reminders"


@dataclass
class ReminderRun:
    due: int  # owing and at least `days` overdue
    written: int  # reminders written here
    queued: int  # reminders handed to the workers, in batches
    already: int  # reminded already this period


def send_payment_reminders(days: int | None = None, *, today: date | None = None) -> ReminderRun:
    """Remind every invoice owing and at least `days` overdue, once per invoice every `days`
    days (the dedupe key names the period): running it twice in a period sends nothing.

    The scan reads ids and dates only and checks the keys first, so a run that finds
    everything reminded costs a few queries. Up to REMINDER_BATCH reminders are written
    here; a larger run is split into jobs of that size, which the workers render side by
    side (if Redis is down, they are written here instead)."""
    days = days or current_app.config["PAYMENT_REMINDER_DAYS"]
    if days <= 0:
        raise ValueError("days must be positive")
    today = today or clinic_today()
    due = db.session.execute(
        select(Invoice.id, Invoice.due_on)
        .where(Invoice.status.in_(OWING), Invoice.due_on <= today - timedelta(days=days))
        .order_by(Invoice.due_on, Invoice.id)
    ).all()
    keys = {invoice_id: _reminder_key(invoice_id, due_on, days, today) for invoice_id, due_on in due}
    used = notify.used_keys(list(keys.values()))
    todo = [invoice_id for invoice_id, key in keys.items() if key not in used]
    run = ReminderRun(due=len(due), written=0, queued=0, already=len(due) - len(todo))
    if len(todo) <= REMINDER_BATCH:
        run.written = write_payment_reminders(todo, days, today)
    else:
        for start in range(0, len(todo), REMINDER_BATCH):
            chunk = todo[start : start + REMINDER_BATCH]
            if queues.enqueue(WRITE_JOB, chunk, days, today.isoformat(), queue="default") is not None:
                run.queued += len(chunk)
            else:
                run.written += write_payment_reminders(chunk, days, today)
    db.session.commit()
    log.info("payment reminders (%s days): %s", days, run)
    return run


def _reminder_key(invoice_id: int, due_on: date, days: int, today: date) -> str:
    return f"invoice:{invoice_id}:overdue:{days}d:{(today - due_on).days // days}"


def write_payment_reminders(invoice_ids: list[int], days: int, today: date) -> int:
    """Write the reminders of these invoices (still owing: a payment since the scan wins)."""
    if not invoice_ids:
        return 0
    invoices = db.session.scalars(
        select(Invoice)
        .options(joinedload(Invoice.patient))
        .where(Invoice.id.in_(invoice_ids), Invoice.status.in_(OWING))
        .order_by(Invoice.due_on, Invoice.id)
    ).all()
    messages = [
        notify.Message(
            to=invoice.patient.email,
            context={
                **_context(invoice),
                "days_overdue": (today - invoice.due_on).days,
                **patient_links.for_optional_email("payment_reminder", invoice.patient_id),
            },
            dedupe_key=_reminder_key(invoice.id, invoice.due_on, days, today),
            patient_id=invoice.patient_id,
        )
        for invoice in invoices
    ]
    written = len(notify.emails("payment_reminder", messages))
    db.session.commit()
    return written


# ------------------------------------------------------------------ lists


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
