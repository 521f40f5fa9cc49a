"""Billing in a real browser: the desk writes an invoice, then records a part payment and the rest.

One person (sam, staff) clicks through it as they would; the database and the outbox are
checked after each step.
"""

import re
from decimal import Decimal
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import EmailMessage, Invoice, InvoiceStatus, Payment
from tests.browser_helpers import WORKING, choose_patient, held_posts, log_in, press_watching
from tests.factories import make_patient
from tests.helpers import wait_for

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser

HOME = re.compile(r"/home$")
INVOICE = re.compile(r"/billing/(\d+)$")
NEW_INVOICE = "/billing/new"


# ------------------------------------------------------------------ helpers


def fill_line(page, n: int, description: str, quantity: str, unit_price: str) -> None:
    page.get_by_label(f"Description of line {n}", exact=True).fill(description)
    page.get_by_label(f"Quantity of line {n}", exact=True).fill(quantity)
    page.get_by_label(f"Unit price of line {n}", exact=True).fill(unit_price)


def record_payment(page, amount: str, method: str, reference: str = "") -> None:
    form = page.get_by_test_id("pay-form")
    form.get_by_label("Amount", exact=True).fill(amount)
    form.get_by_label("Paid by", exact=True).select_option(method)
    form.get_by_label("Reference", exact=True).fill(reference)
    form.get_by_role("button", name="Record payment", exact=True).click()


def invoice_row(invoice_id: int) -> Invoice:
    db.session.expire_all()  # the live server wrote it in its own sessions
    return db.session.get(Invoice, invoice_id)


def payments_of(invoice_id: int) -> list[Payment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)))


def emails(kind: str) -> list[EmailMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == kind).order_by(EmailMessage.id)))


def assert_money(value, expected: str) -> None:
    """Exactly this Decimal, in cents (not a float, not 143.7500)."""
    assert isinstance(value, Decimal), type(value)
    assert value == Decimal(expected) and value.as_tuple().exponent == -2, value


def assert_pdf_attachment(email: EmailMessage, filename: str) -> None:
    (attachment,) = email.attachments
    assert attachment.filename == filename
    assert attachment.content_type == "application/pdf"
    assert attachment.data.startswith(b"%PDF")


# ------------------------------------------------------------------ tests


@pytest.mark.config(CLINIC_TAX_RATE="0.15")
def test_desk_writes_an_invoice_and_records_a_part_payment_then_the_rest(app, page, people):
    patient = make_patient("Aroha", "Ngata")
    symbol = app.config.get("CLINIC_CURRENCY_SYMBOL", "$")

    def shown(amount: str) -> str:
        return f"{symbol}{amount}"

    # 1. Sam opens Billing from the navigation and starts a new invoice.
    log_in(page, "sam")
    page.locator("#main-nav").get_by_role("link", name="Billing", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing")
    page.get_by_role("link", name="New invoice", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New invoice")
    expect(page.get_by_text("Tax at 15% is added to the total after the discount.")).to_be_visible()

    choose_patient(page, "Ngata", patient.name)
    fill_line(page, 1, "Consultation", "1", "85.00")
    fill_line(page, 2, "X-ray", "2", "22.50")
    page.get_by_label("Discount", exact=True).fill("5.00")

    # The submit button shows it is working and turns disabled while the invoice is on its way.
    with held_posts(app, NEW_INVOICE) as gate:
        assert press_watching(page, "Write and email the invoice") == WORKING
        wait_for(gate.arrived.is_set, message="the invoice's POST")
        gate.release.set()
        expect(page).to_have_url(INVOICE)
    assert gate.posts == 1

    # 2. The invoice page: the lines, the totals (tax on the subtotal less the discount), Unpaid.
    invoice_id = int(INVOICE.search(page.url).group(1))
    invoice = invoice_row(invoice_id)
    assert invoice is not None and invoice.patient_id == patient.id
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Invoice {invoice.number}")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Unpaid")
    expect(page.get_by_role("alert")).to_contain_text(f"Invoice {invoice.number} emailed to {patient.name}.")
    items = page.get_by_test_id("items").locator("tbody tr")
    expect(items).to_have_count(2)
    expect(items.nth(0).locator("td")).to_have_text(["Consultation", "1", shown("85.00"), shown("85.00")])
    expect(items.nth(1).locator("td")).to_have_text(["X-ray", "2", shown("22.50"), shown("45.00")])
    expect(page.get_by_test_id("subtotal")).to_have_text(shown("130.00"))
    expect(page.get_by_test_id("discount")).to_have_text(f"−{shown('5.00')}")
    expect(page.get_by_test_id("totals")).to_contain_text("Tax 15%")
    expect(page.get_by_test_id("tax")).to_have_text(shown("18.75"))
    expect(page.get_by_test_id("total")).to_have_text(shown("143.75"))
    expect(page.get_by_test_id("paid")).to_have_text(shown("0.00"))
    expect(page.get_by_test_id("balance")).to_have_text(shown("143.75"))
    expect(page.get_by_text("No payments yet.")).to_be_visible()
    expect(page.get_by_test_id("void-form")).to_be_visible()
    expect(page.get_by_test_id("pay-form").get_by_label("Amount", exact=True)).to_have_value("143.75")

    assert invoice.status == InvoiceStatus.UNPAID
    assert_money(invoice.subtotal, "130.00")
    assert_money(invoice.discount, "5.00")
    assert invoice.tax_rate == Decimal("0.15")
    assert_money(invoice.tax, "18.75")
    assert_money(invoice.total, "143.75")
    assert_money(invoice.amount_paid, "0.00")
    assert [(i.description, i.quantity, i.unit_price, i.total) for i in invoice.items] == [
        ("Consultation", Decimal("1"), Decimal("85.00"), Decimal("85.00")),
        ("X-ray", Decimal("2"), Decimal("22.50"), Decimal("45.00")),
    ]
    assert invoice.created_by_id == people["staff"].id

    # The invoice email is in the outbox, with the invoice's PDF.
    [invoice_email] = emails("invoice")
    assert invoice_email.to_addrs == patient.email and invoice_email.patient_id == patient.id
    assert_pdf_attachment(invoice_email, f"invoice-{invoice.number}.pdf")

    # The "Invoice PDF" link serves a PDF to the logged-in desk.
    href = page.get_by_role("link", name="Invoice PDF", exact=True).get_attribute("href")
    response = page.request.get(urljoin(page.url, href))
    assert response.ok, response.status
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # 3. A part payment by card: Partially paid, 100.00 still owing.
    record_payment(page, "43.75", "Card", "EFTPOS 4411")
    expect(page).to_have_url(re.compile(rf"/billing/{invoice_id}$"))
    expect(page.get_by_role("alert")).to_contain_text(f"Recorded {shown('43.75')} (Card)")
    expect(page.get_by_role("alert")).to_contain_text(f"{shown('100.00')} still owing")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Partially paid")
    expect(page.get_by_test_id("paid")).to_have_text(shown("43.75"))
    expect(page.get_by_test_id("balance")).to_have_text(shown("100.00"))
    payment_rows = page.get_by_test_id("payments").locator("tbody tr")
    expect(payment_rows).to_have_count(1)
    expect(payment_rows.nth(0)).to_contain_text(shown("43.75"))
    expect(payment_rows.nth(0)).to_contain_text("EFTPOS 4411")
    expect(page.get_by_test_id("void-form")).to_have_count(0)  # not with a payment against it
    expect(page.get_by_test_id("pay-form").get_by_label("Amount", exact=True)).to_have_value("100.00")

    invoice = invoice_row(invoice_id)
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert_money(invoice.amount_paid, "43.75")
    [first] = payments_of(invoice_id)
    assert_money(first.amount, "43.75")
    assert (first.method, first.reference) == ("Card", "EFTPOS 4411")
    expect(payment_rows.nth(0)).to_contain_text(first.receipt_number)

    # 4. More than is owed is refused, and nothing changes.
    record_payment(page, "150.00", "Card")
    expect(page.get_by_role("alert")).to_contain_text(f"That is more than is owed: the balance is {shown('100.00')}.")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Partially paid")
    expect(page.get_by_test_id("balance")).to_have_text(shown("100.00"))
    expect(page.get_by_test_id("payments").locator("tbody tr")).to_have_count(1)
    assert_money(invoice_row(invoice_id).amount_paid, "43.75")
    assert len(payments_of(invoice_id)) == 1
    assert len(emails("payment_confirmation")) == 1

    # 5. The rest: Paid, nothing owing, and no form to pay (or void) it again.
    record_payment(page, "100.00", "Cash")
    expect(page).to_have_url(re.compile(rf"/billing/{invoice_id}$"))
    expect(page.get_by_role("alert")).to_contain_text(f"Recorded {shown('100.00')} (Cash)")
    expect(page.get_by_role("alert")).to_contain_text("the invoice is paid in full")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")
    expect(page.get_by_test_id("paid")).to_have_text(shown("143.75"))
    expect(page.get_by_test_id("balance")).to_have_text(shown("0.00"))
    expect(page.get_by_test_id("payments").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("pay-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Record payment")).to_have_count(0)
    expect(page.get_by_test_id("void-form")).to_have_count(0)

    invoice = invoice_row(invoice_id)
    assert invoice.status == InvoiceStatus.PAID
    assert_money(invoice.amount_paid, "143.75")
    assert_money(invoice.balance, "0.00")
    payments = payments_of(invoice_id)
    assert [(p.amount, p.method) for p in payments] == [(Decimal("43.75"), "Card"), (Decimal("100.00"), "Cash")]
    assert len({p.receipt_number for p in payments}) == 2

    # Two receipts in the outbox, each with its receipt PDF; still one invoice email.
    receipts = emails("payment_confirmation")
    assert len(receipts) == 2
    for email, payment in zip(receipts, payments, strict=True):
        assert email.to_addrs == patient.email and email.patient_id == patient.id
        assert_pdf_attachment(email, f"receipt-{payment.receipt_number}.pdf")
    assert len(emails("invoice")) == 1

    # 6. The billing list shows it paid.
    page.locator("#main-nav").get_by_role("link", name="Billing", exact=True).click()
    row = page.get_by_test_id("invoice-row").filter(has_text=invoice.number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(patient.name)
    expect(row.get_by_test_id("invoice-status")).to_have_text("Paid")
    expect(row.locator("td").nth(4)).to_have_text(shown("143.75"))
    expect(row.locator("td").nth(6)).to_have_text(shown("0.00"))
