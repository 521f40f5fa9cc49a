"""Believable sample data for every kind of email, for previews and tests.

`sample_context(kind)` returns a fresh context each call (so a caller may
change it), made of plain objects: no database needed, only an app context.
Times are aware datetimes in UTC, as the application stores them; the
templates show them in the clinic's time zone. Links are made by the real
builders (signed patients' links on BASE_URL, staff pages by endpoint) for
sample ids, so each link in the gallery points at a real route; the rows
behind them don't exist, and the page says so.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace as NS

from dashboard import patient_links
from dashboard.navigation import external_url
from dashboard.notify.kinds import get

# The ids the sample links are signed for (no such rows: the gallery's links show the "not found" pages).
PATIENT_ID = 4217
APPOINTMENT_ID = 1234
PRACTITIONER_ID = 7
SLOT_IDS = [301, 302, 303, 304]
ITEM_ID = 42
OUTBOX_ID = 987

# 2026-03-03 20:30 UTC is Wednesday 4 March 2026, 9:30 am in Auckland.
APPOINTMENT_START = datetime(2026, 3, 3, 20, 30, tzinfo=UTC)
# The 24-hour reminder's scan: Tuesday 3 March 2026, 9:05 am in Auckland ("tomorrow at 9:30 am").
REMINDER_WRITTEN_AT = datetime(2026, 3, 2, 20, 5, tzinfo=UTC)


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
        patient_confirmed_at=None,  # not yet: the reminder asks them to say they're coming
    )


def _appointment_links() -> dict[str, str]:
    return patient_links.for_appointment(APPOINTMENT_ID, PATIENT_ID)


def _optional_links(kind: str) -> dict[str, str]:
    return patient_links.for_optional_email(kind, PATIENT_ID)


def _open_times_url() -> str:
    return patient_links.url("availability", p=PATIENT_ID, r=PRACTITIONER_ID)


def _line(description: str, quantity: str, unit_price: str) -> NS:
    """An invoice line as the database gives it back: NUMERIC(10, 2) quantities, "1.00"."""
    amount = (Decimal(quantity) * Decimal(unit_price)).quantize(Decimal("0.01"))
    return NS(description=description, quantity=Decimal(quantity), unit_price=Decimal(unit_price), total=amount)


def _invoice() -> NS:
    items = [
        _line("Standard consultation", "1.00", "85.00"),
        _line("Blood test (full panel)", "1.00", "42.50"),
        _line("Wound dressing", "2.00", "7.25"),
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


# A clinic's own PAYMENT_INSTRUCTIONS, over two lines (the templates keep its line breaks).
PAYMENT_INSTRUCTIONS = (
    "Pay by bank transfer to Harbourside Clinic, 12-3456-0123456-00, with your invoice number as the reference.\n"
    "Or pay by card at reception, or over the phone."
)


def appointment_confirmation() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        **_appointment_links(),
    }


def appointment_reminder() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        "written_at": REMINDER_WRITTEN_AT,
        **_appointment_links(),
        **_optional_links("appointment_reminder"),
    }


def appointment_cancelled() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        "cancelled_by": "the clinic",
        "cancelled_by_patient": False,
        "reason": "Dr Wilson is unwell today.",
        "availability_url": _open_times_url(),
        **_appointment_links(),
    }


def reschedule_approved() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(APPOINTMENT_START + timedelta(days=2, hours=-1)),
        "old_starts_at": APPOINTMENT_START,
        **_appointment_links(),
    }


def reschedule_rejected() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        "reason": "Dr Wilson has no free times that week. We've added you to her waiting list.",
        "availability_url": _open_times_url(),
        **_appointment_links(),
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
        **_optional_links("payment_reminder"),
    }


def invoice_void() -> dict:
    return {
        "patient": _patient(),
        "invoice": _invoice(),
        "reason": "Charged twice by mistake: the same visit is on INV-2026-0141.",
        "patient_url": patient_links.url("patient", p=PATIENT_ID),
    }


def desk_message() -> dict:
    return {
        "patient": _patient(),
        "message_subject": "Our car park is closed on Friday",
        "message_body": (
            "Kia ora,\n\nThe council is resealing our car park on Friday 6 March, so please park on Quay Street"
            " (free after 9 am).\nThe entrance on Quay Street is open as usual.\n\nNgā mihi"
        ),
        "written_by": "Sam at the front desk",
        "patient_url": patient_links.url("patient", p=PATIENT_ID),
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
        "item_url": external_url("inventory.detail", item_id=ITEM_ID),
    }


def new_appointment_notice() -> dict:
    return {
        "patient": _patient(),
        "appointment": _appointment(),
        "booked_by": "Sam at the front desk",
        "appointment_url": external_url("appointments.detail", appointment_id=APPOINTMENT_ID),
    }


def new_availability() -> dict:
    first = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)  # Tuesday 10 March 2026, 9:00 am in Auckland
    starts = [first, first + timedelta(minutes=30), first + timedelta(days=1, hours=4), first + timedelta(days=3)]
    book = patient_links.token("book", p=PATIENT_ID)
    return {
        "patient": _patient(),
        "practitioner": NS(
            name="Dr Hannah Wilson",
            specialty="General practice",
            consultation_fee=Decimal("85.00"),
        ),
        # The times are the same for everyone a fan-out writes to; each patient's links are their own.
        "slots": [
            NS(id=slot_id, starts_at=start, ends_at=start + timedelta(minutes=30))
            for slot_id, start in zip(SLOT_IDS, starts, strict=True)
        ],
        "book_links": {slot_id: external_url("portal.book", token=book, slot_id=slot_id) for slot_id in SLOT_IDS},
        "more_url": _open_times_url(),
        **_optional_links("new_availability"),
    }


def delivery_failed() -> dict:
    return {
        "failed": NS(
            subject="Invoice INV-2026-0142 from Harbourside Clinic",
            recipients="aroha.ngata@exmaple.com",
            error="550 5.1.1 <aroha.ngata@exmaple.com>: Recipient address rejected: User unknown",
            attempts=5,
        ),
        "outbox_url": external_url("outbox.detail", message_id=OUTBOX_ID),
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
    "invoice_void": invoice_void,
    "desk_message": desk_message,
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
