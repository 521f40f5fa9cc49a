"""Believable sample data for every kind of email, for previews and tests.

`sample_context(kind)` returns a fresh context each call (so a caller may
change it), made of plain objects: no database needed, only an app context
when the email is rendered. Times are aware datetimes in UTC, as the
application stores them; the templates show them in the clinic's time zone.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace as NS

from dashboard.notify.kinds import get

BASE_URL = "https://clinic.example.org"

# 2026-03-03 20:30 UTC is Wednesday 4 March 2026, 9:30 am in Auckland.
APPOINTMENT_START = datetime(2026, 3, 3, 20, 30, tzinfo=UTC)


def _patient() -> NS:
    return NS(
        first_name="Aroha",
        last_name="Ngata",
        name="Aroha Ngata",
        email="aroha.ngata@example.com",
        phone="+64 21 555 0199",
    )


def _appointment(starts_at: datetime = APPOINTMENT_START, minutes: int = 30) -> NS:
    return NS(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        practitioner_name="Dr Hannah Wilson",
        specialty="General practice",
        reason="Follow-up on blood test results",
        calendar_sequence=0,  # its invitation's SEQUENCE; no id, so the UID comes from the start time
    )


def _invoice() -> NS:
    items = [
        NS(description="Standard consultation", quantity=1, unit_price=Decimal("85.00"), total=Decimal("85.00")),
        NS(description="Blood test (full panel)", quantity=1, unit_price=Decimal("42.50"), total=Decimal("42.50")),
        NS(description="Wound dressing", quantity=2, unit_price=Decimal("7.25"), total=Decimal("14.50")),
    ]
    subtotal = sum((item.total for item in items), Decimal("0"))
    discount = Decimal("10.00")
    tax = ((subtotal - discount) * Decimal("0.15")).quantize(Decimal("0.01"))
    total = subtotal - discount + tax
    return NS(
        number="INV-2026-0142",
        issued_on=date(2026, 3, 4),
        due_on=date(2026, 3, 18),
        items=items,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=total,
        amount_paid=Decimal("0.00"),
        amount_due=total,
        balance=total,
    )


PAYMENT_INSTRUCTIONS = (
    "Pay by bank transfer to Harbourside Clinic, 12-3456-7890123-00, using your invoice number as the reference.\n"
    "Or pay by card at reception, or over the phone."
)


def appointment_confirmation() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        "manage_url": f"{BASE_URL}/p/appointment/sample-token",
        "reschedule_url": f"{BASE_URL}/p/reschedule/sample-token",
        "cancel_url": f"{BASE_URL}/p/cancel/sample-token",
    }


def appointment_reminder() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        "hours_ahead": 24,
        "reschedule_url": f"{BASE_URL}/p/reschedule/sample-token",
        "cancel_url": f"{BASE_URL}/p/cancel/sample-token",
        "unsubscribe_url": f"{BASE_URL}/p/unsubscribe/sample-token",
        "preferences_url": f"{BASE_URL}/p/preferences/sample-token",
    }


def appointment_cancelled() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        "cancelled_by": "the clinic",
        "reason": "Dr Wilson is unwell today.",
    }


def reschedule_approved() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(APPOINTMENT_START + timedelta(days=2, hours=-1)),
        "old_starts_at": APPOINTMENT_START,
    }


def reschedule_rejected() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        "reason": "Dr Wilson has no free times that week. We've added you to her waiting list.",
    }


def invoice() -> dict:
    return {
        "patient": _patient(),
        "invoice": _invoice(),
        "payment_instructions": PAYMENT_INSTRUCTIONS,
        "has_pdf": True,
    }


def payment_confirmation() -> dict:
    bill = _invoice()
    amount = Decimal("100.00")
    bill.amount_paid = amount
    bill.balance = bill.total - amount
    bill.amount_due = bill.balance
    return {
        "patient": _patient(),
        "invoice": bill,
        "payment": NS(
            amount=amount,
            method="Card (Visa ending 4242)",
            reference="TXN-8F3K2Q",
            paid_at=datetime(2026, 3, 5, 2, 15, tzinfo=UTC),
        ),
        "has_pdf": True,
    }


def payment_reminder() -> dict:
    return {
        "patient": _patient(),
        "invoice": _invoice(),
        "days_overdue": 14,
        "payment_instructions": PAYMENT_INSTRUCTIONS,
        "unsubscribe_url": f"{BASE_URL}/p/unsubscribe/sample-token",
        "preferences_url": f"{BASE_URL}/p/preferences/sample-token",
    }


def low_stock_alert() -> dict:
    return {
        "recipient_name": "Sam",
        "item": NS(
            name="Nitrile gloves, medium",
            sku="GLV-NIT-M",
            unit="boxes",
            quantity=3,
            minimum_level=10,
            supplier="MedSupply NZ",
        ),
        "item_url": f"{BASE_URL}/inventory/items/42",
    }


def new_appointment_notice() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        "booked_by": "Sam at the front desk",
        "appointment_url": f"{BASE_URL}/appointments/1234",
    }


def new_availability() -> dict:
    first = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)  # Tuesday 10 March 2026, 9:00 am in Auckland
    starts = [first, first + timedelta(minutes=30), first + timedelta(days=1, hours=4), first + timedelta(days=3)]
    return {
        "patient": _patient(),
        "practitioner": NS(
            name="Dr Hannah Wilson",
            specialty="General practice",
            consultation_fee=Decimal("85.00"),
        ),
        "slots": [
            NS(starts_at=start, ends_at=start + timedelta(minutes=30), book_url=f"{BASE_URL}/p/book/sample-token-{n}")
            for n, start in enumerate(starts, start=1)
        ],
        "more_url": f"{BASE_URL}/p/availability/sample-token",
        "unsubscribe_url": f"{BASE_URL}/p/unsubscribe/sample-token",
        "preferences_url": f"{BASE_URL}/p/preferences/sample-token",
    }


def delivery_failed() -> dict:
    return {
        "failed": NS(
            subject="Invoice INV-2026-0142 from Harbourside Clinic",
            recipients="aroha.ngata@exmaple.com",
            error="550 5.1.1 <aroha.ngata@exmaple.com>: Recipient address rejected: User unknown",
            attempts=5,
        ),
        "outbox_url": f"{BASE_URL}/admin/outbox/987",
    }


SAMPLES: dict[str, Callable[[], dict]] = {
    "appointment_confirmation": appointment_confirmation,
    "appointment_reminder": appointment_reminder,
    "appointment_cancelled": appointment_cancelled,
    "reschedule_approved": reschedule_approved,
    "reschedule_rejected": reschedule_rejected,
    "invoice": invoice,
    "payment_confirmation": payment_confirmation,
    "payment_reminder": payment_reminder,
    "low_stock_alert": low_stock_alert,
    "new_appointment_notice": new_appointment_notice,
    "new_availability": new_availability,
    "delivery_failed": delivery_failed,
}


def sample_context(kind: str) -> dict:
    """A fresh sample context for `kind`; ValueError for a kind that doesn't exist."""
    get(kind)  # ValueError for an unknown kind
    if kind not in SAMPLES:
        raise ValueError(f"no sample for email kind {kind!r}")
    return SAMPLES[kind]()
