"""Invoices, payments, reminders and stock: the services, on the real database."""

import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import EmailMessage, Invoice, InvoiceStatus, Item, Notification, Payment, StockMovement, User
from dashboard.services import ServiceError, billing, inventory
from dashboard.services.billing import Line
from tests.factories import make_patient


def emails(kind: str) -> list[EmailMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == kind).order_by(EmailMessage.id)))


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def invoice(people, patient=None, lines=None, **kwargs) -> Invoice:
    return billing.create_invoice(
        patient_id=(patient or make_patient("Ana", "Ngata")).id,
        lines=lines or [Line("Consultation", Decimal("1"), Decimal("85.00"))],
        by_user=people["staff"],
        **kwargs,
    )


# ------------------------------------------------------------------ invoices


@pytest.mark.config(CLINIC_TAX_RATE="0.15", CLINIC_TAX_LABEL="GST")
def test_an_invoice_adds_up_exactly_and_is_emailed_with_its_pdf(app, people):
    made = invoice(
        people,
        patient=make_patient("Māui", "Tāne"),
        lines=[
            Line("Consultation", Decimal("1"), Decimal("85.00")),
            Line("Dressing", Decimal("3"), Decimal("0.10")),
            Line("", Decimal("1"), Decimal("999")),  # an empty row of the form: ignored
        ],
        discount=Decimal("5.00"),
    )
    # 85.00 + 0.30 = 85.30; less 5.00 = 80.30; GST 15% = 12.045 → 12.05 (half up); total 92.35.
    assert (made.subtotal, made.discount, made.tax, made.total) == (
        Decimal("85.30"), Decimal("5.00"), Decimal("12.05"), Decimal("92.35"),
    )  # fmt: skip
    assert made.number.startswith(f"INV-{clinic_today().year}-") and made.status == InvoiceStatus.UNPAID
    [email] = emails("invoice")
    assert made.number in email.subject and "$92.35" in email.text
    [attachment] = email.attachments
    assert attachment.content_type == "application/pdf"
    text = pdf_text(attachment.data)
    assert made.number in text and "92.35" in text and "Māui Tāne" in text


def test_bad_lines_are_refused_and_nothing_is_written(app, people):
    for lines, message in [
        ([Line("Consultation", Decimal("0"), Decimal("85"))], "more than zero"),
        ([Line("Consultation", Decimal("1"), Decimal("-1"))], "can't be negative"),
        ([Line("", Decimal("1"), Decimal("1"))], "at least one line"),
    ]:
        with pytest.raises(ServiceError, match=message):
            invoice(people, lines=lines)
    with pytest.raises(ServiceError, match="discount"):
        invoice(people, discount=Decimal("100"))
    with pytest.raises(ServiceError, match="must be a number"):
        billing.decimal("12,50.1", "The price")
    with pytest.raises(ServiceError, match="must be a number"):
        billing.decimal("NaN", "The price")
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0 and emails("invoice") == []


def test_invoice_numbers_count_up(app, people):
    first, second = invoice(people), invoice(people)
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1


# ------------------------------------------------------------------ payments


def test_partial_then_full_payment_with_receipts(app, people):
    made = invoice(people)
    first = billing.record_payment(made.id, amount=Decimal("35.00"), method="Card", by_user=people["staff"])
    db.session.refresh(made)
    assert made.status == InvoiceStatus.PARTIALLY_PAID and made.balance == Decimal("50.00")
    billing.record_payment(made.id, amount=Decimal("50.00"), method="Cash", by_user=people["staff"], reference="T1")
    db.session.refresh(made)
    assert made.status == InvoiceStatus.PAID and made.balance == Decimal("0.00")
    receipts = emails("payment_confirmation")
    assert len(receipts) == 2
    text = pdf_text(receipts[0].attachments[0].data)
    assert first.receipt_number in text and "35.00" in text


def test_overpaying_paying_twice_and_paying_a_void_invoice_are_refused(app, people):
    made = invoice(people)
    with pytest.raises(ServiceError, match=r"more than is owed: the balance is \$85.00"):
        billing.record_payment(made.id, amount=Decimal("85.01"), method="Card", by_user=people["staff"])
    with pytest.raises(ServiceError, match="more than zero"):
        billing.record_payment(made.id, amount=Decimal("-5"), method="Card", by_user=people["staff"])
    billing.record_payment(made.id, amount=Decimal("85"), method="Card", by_user=people["staff"])
    with pytest.raises(ServiceError, match="already paid"):
        billing.record_payment(made.id, amount=Decimal("1"), method="Card", by_user=people["staff"])

    other = invoice(people)
    with pytest.raises(ServiceError, match="reason"):
        billing.void(other.id, " ", by_user=people["staff"])
    billing.void(other.id, "Billed twice", by_user=people["staff"])
    with pytest.raises(ServiceError, match="void"):
        billing.record_payment(other.id, amount=Decimal("1"), method="Card", by_user=people["staff"])
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_two_desks_paying_the_balance_at_once_pay_it_once(app, people):
    made = invoice(people)
    start = threading.Barrier(2)
    outcomes: list[str] = []
    staff_id = people["staff"].id

    def pay() -> None:
        with app.app_context():
            user = db.session.get(User, staff_id)
            db.session.commit()
            start.wait(timeout=30)
            try:
                billing.record_payment(made.id, amount=Decimal("85.00"), method="Card", by_user=user)
                outcomes.append("paid")
            except ServiceError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["paid", "refused"]
    db.session.expire_all()
    assert db.session.get(Invoice, made.id).amount_paid == Decimal("85.00")


# ------------------------------------------------------------------ overdue reminders


def test_the_reminder_scan_twice_sends_once_and_skips_paid_and_void(app, people):
    today = clinic_today()  # the service counts days in the clinic's date, not the machine's
    overdue, paid, void, recent = (invoice(people) for _ in range(4))
    for made in (overdue, paid, void):
        made.due_on = today - timedelta(days=10)
    recent.due_on = today - timedelta(days=3)
    db.session.commit()
    billing.record_payment(paid.id, amount=Decimal("85"), method="Card", by_user=people["staff"])
    billing.void(void.id, "Mistake", by_user=people["staff"])

    first = billing.send_payment_reminders(7)
    assert (first.due, first.written, first.queued, first.already) == (1, 1, 0, 0)
    again = billing.send_payment_reminders(7)
    assert (again.due, again.written, again.already) == (1, 0, 1)
    [reminder] = emails("payment_reminder")
    assert overdue.number in reminder.subject and "10 days" in reminder.subject
    assert reminder.list_unsubscribe and "$85.00" in reminder.text
    # A week later it is reminded again (the next period), and the recent one for the first time; once each.
    assert billing.send_payment_reminders(7, today=today + timedelta(days=7)).written == 2
    assert billing.send_payment_reminders(7, today=today + timedelta(days=7)).written == 0


@pytest.mark.config(MAIL_BACKEND="smtp")
def test_a_big_overdue_run_is_split_into_jobs_for_the_workers(app, people, monkeypatch):
    from dashboard import queues

    monkeypatch.setattr(billing.reminders, "REMINDER_BATCH", 2)  # where the scan reads it
    made = [invoice(people) for _ in range(5)]
    for item in made:
        item.due_on = clinic_today() - timedelta(days=9)
    db.session.commit()
    run = billing.send_payment_reminders(7)
    assert (run.due, run.written, run.queued) == (5, 0, 5)
    jobs = queues.get_queue("default").get_jobs()
    assert [len(job.args[0]) for job in jobs] == [2, 2, 1]
    for job in jobs:  # what a worker does with each
        billing.write_payment_reminders(job.args[0], job.args[1], date.fromisoformat(job.args[2]))
    assert len(emails("payment_reminder")) == 5
    assert billing.send_payment_reminders(7).already == 5


# ------------------------------------------------------------------ stock


def test_stock_never_goes_below_zero_and_every_movement_is_recorded(app, people):
    gloves = inventory.create_item(name="Gloves", sku="glv-m", unit="boxes", quantity=5, by_user=people["staff"])
    assert gloves.sku == "GLV-M"
    with pytest.raises(ServiceError, match="Only 5 boxes left"):
        inventory.move(gloves.id, -6, "Surgery", by_user=people["staff"])
    with pytest.raises(ServiceError, match="reason"):
        inventory.move(gloves.id, -1, " ", by_user=people["staff"])
    inventory.move(gloves.id, -5, "Surgery", by_user=people["staff"])
    assert db.session.get(Item, gloves.id).quantity == 0
    changes = [(m.change, m.quantity_after) for m in inventory.history(gloves.id)]
    assert changes == [(-5, 0), (5, 5)]
    with pytest.raises(ServiceError, match="already has the SKU"):
        inventory.create_item(name="Other", sku="GLV-M", by_user=people["staff"])


def test_the_low_stock_alert_goes_once_per_crossing_to_the_keepers(app, people):
    inventory.set_keeper(people["staff"].id, True)
    gloves = inventory.create_item(name="Gloves", sku="GLV", quantity=12, minimum_level=10, by_user=people["owner"])

    def alerts():
        return [e.to_addrs for e in emails("low_stock_alert")]

    inventory.move(gloves.id, -1, "Used", by_user=people["owner"])  # 11: above the minimum
    assert alerts() == []
    inventory.move(gloves.id, -1, "Used", by_user=people["owner"])  # 10: at the minimum → alert
    inventory.move(gloves.id, -3, "Used", by_user=people["owner"])  # 7: still low → nothing new
    assert alerts() == [people["staff"].email]
    bells = db.session.scalars(select(Notification).where(Notification.kind == "low_stock_alert")).all()
    assert [b.user_id for b in bells] == [people["staff"].id] and "7" not in bells[0].title
    inventory.move(gloves.id, 20, "Delivery", by_user=people["owner"])  # 27: restocked
    inventory.move(gloves.id, -20, "Used", by_user=people["owner"])  # 7: a new crossing
    assert alerts() == [people["staff"].email, people["staff"].email]
    [_, second] = emails("low_stock_alert")
    assert "7" in second.text and "10" in second.text  # current vs minimum


def test_with_no_keeper_the_owners_are_alerted(app, people):
    inventory.create_item(name="Masks", sku="MSK", quantity=1, minimum_level=5, by_user=people["staff"])
    assert [e.to_addrs for e in emails("low_stock_alert")] == [people["owner"].email]
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 1


def test_a_crossing_made_by_raising_the_minimum_is_announced_too(app, people):
    masks = inventory.create_item(name="Masks", sku="MSK", quantity=0, minimum_level=0, by_user=people["staff"])
    inventory.move(masks.id, 8, "Delivery", by_user=people["staff"])
    inventory.update_item(
        masks.id, name="Masks", sku="MSK", unit="", minimum_level=10, supplier="", by_user=people["staff"]
    )
    assert len(emails("low_stock_alert")) == 2  # the empty start, then the raised minimum
    bells = db.session.scalars(select(Notification).where(Notification.kind == "low_stock_alert")).all()
    assert len(bells) == 2


def test_a_practitioner_cannot_be_made_a_stock_keeper(app, people):
    with pytest.raises(ServiceError, match="can't keep stock"):
        inventory.set_keeper(people["practitioner"].id, True)


def test_cents_add_up_exactly_even_where_the_database_uses_floats(app, people):
    made = invoice(people, lines=[Line("Swab", Decimal("3"), Decimal("0.10"))])
    billing.record_payment(made.id, amount=Decimal("0.10"), method="Cash", by_user=people["staff"])
    billing.record_payment(made.id, amount=Decimal("0.20"), method="Cash", by_user=people["staff"])
    db.session.expire_all()
    paid = db.session.get(Invoice, made.id)
    assert paid.status == InvoiceStatus.PAID and paid.balance == Decimal("0.00")


def test_numbers_past_99999_keep_counting(app, people):
    first = invoice(people)
    first.number = first.number.rsplit("-", 1)[0] + "-99999"
    db.session.commit()
    assert invoice(people).number.endswith("-100000")
    assert invoice(people).number.endswith("-100001")


def test_odd_quantities_and_non_numbers_are_refused(app, people):
    for line in [Line("Gauze", Decimal("0.001"), Decimal("1")), Line("Gauze", Decimal("NaN"), Decimal("1"))]:
        with pytest.raises(ServiceError):
            invoice(people, lines=[line])
    made = invoice(people)
    with pytest.raises(ServiceError, match="must be a number"):
        billing.record_payment(made.id, amount=Decimal("NaN"), method="Card", by_user=people["staff"])


# ------------------------------------------------------------------ PDFs and their fonts


def test_pdfs_made_one_after_another_from_the_parsed_fonts_each_print_their_own_macrons(app, people):
    from dashboard.services import pdf

    pdf._parsed_font.cache_clear()
    names = [("Hēmi", "Pōmare"), ("Ngāire", "Ngātiwai"), ("Ūrūrangi", "Te Kōhanga-Ōtaki")]
    texts = []
    for first, last in names:  # each name has letters the one before it didn't use
        line = Line("Kōrero ō-waea", Decimal("1"), Decimal("5"))
        made = invoice(people, patient=make_patient(first, last), lines=[line])
        texts.append(pdf_text(pdf.invoice_pdf(made)))
    for (first, last), text in zip(names, texts, strict=True):
        assert f"{first} {last}" in text and "Kōrero ō-waea" in text
    # Parsed once for the process, per style (regular, bold), not once per document.
    assert pdf._parsed_font.cache_info().misses == 2
