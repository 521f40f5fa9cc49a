"""Invoices, payments and overdue reminders, and the emails each sends.

invoices: numbers, lines, totals, writing and voiding an invoice (and its emails' context);
payments: recording a payment and its receipt; reminders: the overdue scan; listing: the
invoice list with its totals. Callers use `billing.X`; the submodules import each other
directly, never through this package.
"""

from dashboard.services import ServiceError
from dashboard.services.billing.invoices import (
    CENT,
    MAX_AMOUNT,
    MAX_QUANTITY,
    Line,
    Totals,
    cents,
    create_invoice,
    decimal,
    email_context,
    get,
    tax_rate,
    totals,
    void,
    void_email_context,
)
from dashboard.services.billing.listing import invoices
from dashboard.services.billing.payments import METHODS, record_payment
from dashboard.services.billing.reminders import (
    REMINDER_BATCH,
    WRITE_JOB,
    ReminderRun,
    send_payment_reminders,
    write_payment_reminders,
)

__all__ = [
    "CENT",
    "MAX_AMOUNT",
    "MAX_QUANTITY",
    "METHODS",
    "REMINDER_BATCH",
    "WRITE_JOB",
    "Line",
    "ReminderRun",
    "ServiceError",
    "Totals",
    "cents",
    "create_invoice",
    "decimal",
    "email_context",
    "get",
    "invoices",
    "record_payment",
    "send_payment_reminders",
    "tax_rate",
    "totals",
    "void",
    "void_email_context",
    "write_payment_reminders",
]
