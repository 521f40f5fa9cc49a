"""Payments against an invoice, and the receipt each one emails.

A payment is recorded with one conditional UPDATE (only if the invoice is
still owing and the amount fits the balance), so two people recording at
once can't overpay it.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, update

from dashboard import notify
from dashboard.extensions import db
from dashboard.models import OWING, Invoice, InvoiceStatus, Payment, User
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, rows_changed, unit_of_work
from dashboard.services.billing.invoices import cents, email_context, get
from dashboard.services.pdf import receipt_pdf
from dashboard.wording import money

METHODS = ["Card", "Cash", "Bank transfer", "Insurance", "Other"]


@unit_of_work()
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
    changed = rows_changed(
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.status.in_(OWING), new_paid <= Invoice.total)
        .values(
            amount_paid=new_paid,
            status=case(
                (new_paid >= Invoice.total, InvoiceStatus.PAID.value), else_=InvoiceStatus.PARTIALLY_PAID.value
            ),
        )
        .execution_options(synchronize_session=False)
    )
    if not changed:  # nothing was written; the refusal below rolls the unit back
        db.session.refresh(invoice)
        if invoice.status == InvoiceStatus.VOID:
            raise ServiceError("That invoice is void; nothing is owed on it.")
        if invoice.status == InvoiceStatus.PAID:
            raise ServiceError("That invoice is already paid in full.")
        raise ServiceError(f"That is more than is owed: the balance is {money(invoice.balance)}.")
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
    notify.email(
        "payment_confirmation",
        to=invoice.patient.email,
        context={**email_context(invoice, has_pdf=True), "payment": payment},
        dedupe_key=f"payment:{payment.id}:receipt",
        patient_id=invoice.patient_id,
        attachments=[
            notify.Attachment(f"receipt-{payment.receipt_number}.pdf", "application/pdf", receipt_pdf(payment))
        ],
    )
    return payment
