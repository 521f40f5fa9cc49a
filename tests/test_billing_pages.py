"""The billing pages: invoices written, paid and voided from the desk, with their emails and PDFs."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dashboard.billing import routes as billing_routes
from dashboard.clinic_time import clinic_today, clinic_zone
from dashboard.extensions import db
from dashboard.models import EmailMessage, Invoice, InvoiceStatus, Payment
from dashboard.services import appointments, billing
from dashboard.services.billing import Line
from tests.factories import make_patient, make_slot, practitioner_of


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _emails(kind: str) -> list[EmailMessage]:
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == kind).order_by(EmailMessage.id)))


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _lines(*rows) -> dict:
    """Form fields for the invoice rows: (description, quantity, unit price) each."""
    data = {}
    for i, (description, quantity, price) in enumerate(rows):
        data[f"lines-{i}-description"] = description
        data[f"lines-{i}-quantity"] = quantity
        data[f"lines-{i}-unit_price"] = price
    return data


def _post_invoice(auth, patient_id, rows, **extra):
    data = {
        "patient_id": patient_id,
        "discount": "0",
        "due_on": (clinic_today() + timedelta(days=14)).isoformat(),
        "notes": "",
        **_lines(*rows),
        **extra,
    }
    return auth.post("/billing/new", data, form_page="/billing/new")


def _invoice(patient, by_user, price="85.00", **kwargs) -> Invoice:
    return billing.create_invoice(
        patient_id=patient.id, lines=[Line("Consultation", Decimal("1"), Decimal(price))], by_user=by_user, **kwargs
    )


def _pay(auth, invoice, amount, method="Card", **extra):
    data = {"amount": amount, "method": method, "reference": "", "paid_at": "", **extra}
    return auth.post(f"/billing/{invoice.id}/payments", data, form_page=f"/billing/{invoice.id}")


@pytest.fixture
def desk(auth, people):
    auth.login("sam")
    return people["staff"]


# ------------------------------------------------------------------ writing an invoice


@pytest.mark.config(CLINIC_TAX_RATE="0.15", CLINIC_TAX_LABEL="GST")
def test_invoice_with_two_lines_and_a_discount(client, auth, desk):
    patient = make_patient("Mere", "Tane")
    response = _post_invoice(
        auth,
        patient.id,
        [("Consultation", "1", "85.00"), ("Dressing", "3", "12.35"), ("", "1", "")],
        discount="10.00",
        notes="Paid by ACC?",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    invoice = db.session.scalar(select(Invoice))
    assert response.headers["Location"].endswith(f"/billing/{invoice.id}")
    # 85.00 + 3 × 12.35 = 122.05; less 10.00 = 112.05; GST 15% = 16.8075 → 16.81; total 128.86
    assert [(i.description, i.quantity, i.unit_price, i.total) for i in invoice.items] == [
        ("Consultation", Decimal("1.00"), Decimal("85.00"), Decimal("85.00")),
        ("Dressing", Decimal("3.00"), Decimal("12.35"), Decimal("37.05")),
    ]
    assert (invoice.subtotal, invoice.discount, invoice.tax, invoice.total) == (
        Decimal("122.05"),
        Decimal("10.00"),
        Decimal("16.81"),
        Decimal("128.86"),
    )
    assert invoice.tax_rate == Decimal("0.15")
    assert invoice.status == InvoiceStatus.UNPAID
    assert invoice.amount_paid == Decimal("0.00")
    assert invoice.notes == "Paid by ACC?"
    assert invoice.due_on == clinic_today() + timedelta(days=14)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Invoice {invoice.number} emailed to Mere Tane." in page
    assert re.search(r'data-testid="subtotal">\$122\.05<', page)
    assert re.search(r'data-testid="discount">−\$10\.00<', page)
    assert "GST 15%" in page
    assert re.search(r'data-testid="tax">\$16\.81<', page)
    assert re.search(r'data-testid="total">\$128\.86<', page)
    assert re.search(r'data-testid="balance">\$128\.86<', page)
    assert "Unpaid" in page

    (email,) = _emails("invoice")
    assert email.to_addrs == patient.email
    (attachment,) = email.attachments
    assert attachment.filename == f"invoice-{invoice.number}.pdf"
    text = _pdf_text(attachment.data)
    assert invoice.number in text
    assert "$128.86" in text


def test_the_new_invoice_form_has_five_rows_and_defaults(client, desk, app):
    patient = make_patient("Ana", "Lee")
    page = client.get(f"/billing/new?patient={patient.id}").get_data(as_text=True)
    for i in range(5):
        assert f'name="lines-{i}-description"' in page
    assert 'name="lines-5-description"' not in page
    assert re.search(r'id="lines-0-quantity"[^>]*value="1.00"|value="1.00"[^>]*id="lines-0-quantity"', page)
    due = (clinic_today() + timedelta(days=app.config["INVOICE_DUE_DAYS"])).isoformat()
    assert f'value="{due}"' in page
    assert re.search(rf'id="patient-{patient.id}" value="{patient.id}" checked', page)


def test_a_patient_without_email_gets_a_written_invoice(client, auth, desk):
    patient = make_patient("No", "Email", email=None)
    response = _post_invoice(auth, patient.id, [("Consultation", "1", "85")])
    assert response.status_code == 302
    invoice = db.session.scalar(select(Invoice))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Invoice {invoice.number} written, but No Email will get no emails: there is no email address" in page
    assert 'data-testid="no-emails"' in page  # and the invoice's page says so too
    assert _emails("invoice") == []


@pytest.mark.parametrize(
    "row,message",
    [
        (("Consultation", "1", "-5.00"), "The price can&#39;t be negative."),
        (("Consultation", "0", "85.00"), "The quantity must be more than zero."),
        (("Consultation", "-1", "85.00"), "The quantity can&#39;t be negative."),
        (("Consultation", "1", "eighty"), "Enter a number, e.g. 85.00."),
        (("Consultation", "abc", "85.00"), "Enter a number, e.g. 85.00."),
        (("Consultation", "1", "NaN"), "Enter a number, e.g. 85.00."),
        (("Consultation", "1", "Infinity"), "Enter a number, e.g. 85.00."),
        (("Consultation", "1", "1e400"), "The price can be at most 1,000,000."),
        (("Consultation", "1", "85.001"), "The price can have at most 2 decimal places."),
        (("Consultation", "1", ""), "Give the price."),
        (("", "1", "85.00"), "Describe this line."),
    ],
)
def test_bad_lines_are_refused_next_to_the_field(client, auth, desk, row, message):
    patient = make_patient()
    response = _post_invoice(auth, patient.id, [row])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'class="invalid-feedback d-block">' + message in page  # next to the field, not only flashed
    if row[2]:
        assert f'value="{row[2]}"' in page  # what was typed is kept
    assert _count(Invoice) == 0
    assert _emails("invoice") == []


@pytest.mark.parametrize(
    "extra,message",
    [
        ({"discount": "-1"}, "The discount can&#39;t be negative."),
        ({"discount": "lots"}, "Enter a number, e.g. 85.00."),
        ({"discount": "100.00"}, "The discount can&#39;t be more than the subtotal."),
        ({"due_on": "2001-01-01"}, "The due date is in the past."),
        ({"due_on": "someday"}, "Not a valid date value."),
        ({"patient_id": ""}, "Choose a patient."),
        ({"patient_id": "junk"}, "Choose a patient."),
        ({"patient_id": "99999999999"}, "Choose a patient."),
        ({"patient_id": "2147483000"}, "Choose a patient."),
        ({"appointment_id": "2147483000"}, "That appointment is not this patient&#39;s."),
    ],
)
def test_bad_invoice_fields_are_refused(client, auth, desk, extra, message):
    patient_id = extra.pop("patient_id", make_patient().id)
    response = _post_invoice(auth, patient_id, [("Consultation", "1", "85.00")], **extra)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(Invoice) == 0


def test_an_invoice_needs_a_line(client, auth, desk):
    response = _post_invoice(auth, make_patient().id, [("", "1", ""), ("   ", "2", "")])
    assert response.status_code == 400
    assert "Add at least one line with a description and a price." in response.get_data(as_text=True)
    assert _count(Invoice) == 0


def test_junk_row_indices_do_not_break_the_form(client, auth, desk):
    patient = make_patient()
    data = {"lines-99999-description": "Far away", "lines-99999-quantity": "1", "lines-99999-unit_price": "5"}
    response = _post_invoice(auth, patient.id, [("Consultation", "1", "85.00")], **data, **{"lines-x-description": "?"})
    assert response.status_code == 302
    invoice = db.session.scalar(select(Invoice))
    assert invoice.total == Decimal("90.00")


def test_an_invoice_for_an_appointment(client, auth, desk, people):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Hemi", "Walker")
    appointment = appointments.book(
        patient_id=patient.id, slot_id=make_slot(practitioner).id, by_user=people["staff"]
    ).appointment
    detail = client.get(f"/appointments/{appointment.id}").get_data(as_text=True)  # the calendar's panel too
    assert f'href="/billing/new?appointment={appointment.id}" data-testid="invoice-appointment"' in detail
    page = client.get(f"/billing/new?appointment={appointment.id}").get_data(as_text=True)
    assert re.search(rf'id="patient-{patient.id}" value="{patient.id}" checked', page)
    assert re.search(rf'name="appointment_id"[^>]*value="{appointment.id}"', page)
    response = _post_invoice(auth, patient.id, [("Consultation", "1", "85")], appointment_id=str(appointment.id))
    assert response.status_code == 302
    assert db.session.scalar(select(Invoice)).appointment_id == appointment.id
    # Someone else's appointment is refused.
    other = make_patient()
    response = _post_invoice(auth, other.id, [("Consultation", "1", "85")], appointment_id=str(appointment.id))
    assert response.status_code == 400
    assert "That appointment is not this patient&#39;s." in response.get_data(as_text=True)


def test_the_patient_chooser_searches(client, desk):
    make_patient("Wiremu", "Kingi")
    make_patient("Someone", "Else")
    page = client.get("/billing/new?q=wiremu").get_data(as_text=True)
    assert "Wiremu Kingi" in page
    assert "Someone Else" not in page
    assert "No patients match" in client.get("/billing/new?q=zzzz").get_data(as_text=True)


# ------------------------------------------------------------------ payments


def test_part_payment_then_the_rest(client, auth, desk):
    patient = make_patient("Mere", "Tane")
    invoice = _invoice(patient, desk)

    page = client.get(f"/billing/{invoice.id}").get_data(as_text=True)
    assert re.search(r'id="amount"[^>]*value="85.00"|value="85.00"[^>]*id="amount"', page)  # defaults to the balance

    response = _pay(auth, invoice, "30.00", reference="slip 42")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.amount_paid == Decimal("30.00")
    assert invoice.balance == Decimal("55.00")
    (payment,) = invoice.payments
    assert (payment.amount, payment.method, payment.reference) == (Decimal("30.00"), "Card", "slip 42")

    page = client.get(f"/billing/{invoice.id}").get_data(as_text=True)
    assert f"receipt {payment.receipt_number}; emailed to the patient; $55.00 still owing." in page
    assert "Partially paid" in page
    assert payment.receipt_number in page
    assert f"/billing/payments/{payment.id}/receipt.pdf" in page
    assert re.search(r'data-testid="balance">\$55\.00<', page)

    (email,) = _emails("payment_confirmation")
    assert email.to_addrs == patient.email
    (attachment,) = email.attachments
    assert attachment.filename == f"receipt-{payment.receipt_number}.pdf"
    text = _pdf_text(attachment.data)
    assert payment.receipt_number in text
    assert invoice.number in text
    assert "$30.00" in text

    response = _pay(auth, invoice, "55", method="Cash")
    assert response.status_code == 302
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.amount_paid == Decimal("85.00")
    assert len(_emails("payment_confirmation")) == 2
    page = client.get(f"/billing/{invoice.id}").get_data(as_text=True)
    assert "the invoice is paid in full" in page
    assert 'data-testid="pay-form"' not in page
    assert 'data-testid="void-form"' not in page

    response = _pay(auth, invoice, "1.00")
    assert response.status_code == 400
    assert "That invoice is already paid in full." in response.get_data(as_text=True)


def test_an_overpayment_is_refused_with_the_balance(client, auth, desk):
    invoice = _invoice(make_patient(), desk)
    _pay(auth, invoice, "20.00")
    response = _pay(auth, invoice, "100.00", reference="kept")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That is more than is owed: the balance is $65.00." in page
    assert re.search(r'id="amount"[^>]*value="100.00"|value="100.00"[^>]*id="amount"', page)
    assert 'value="kept"' in page
    assert _count(Payment) == 1
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).amount_paid == Decimal("20.00")


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"amount": "0"}, "The amount must be more than zero."),
        ({"amount": "-10"}, "The amount can&#39;t be negative."),
        ({"amount": "ten"}, "Enter a number, e.g. 85.00."),
        ({"amount": "NaN"}, "Enter a number, e.g. 85.00."),
        ({"amount": ""}, "Give the amount."),
        ({"amount": "10.005"}, "The amount can have at most 2 decimal places."),
        ({"amount": "10", "method": "Bitcoin"}, "Choose how it was paid."),
        ({"amount": "10", "paid_at": "yesterday"}, "Not a valid datetime value."),
        ({"amount": "10", "paid_at": "2999-01-01T10:00"}, "The payment date is in the future."),
        ({"amount": "10", "paid_at": "0001-01-01T00:00"}, "The payment date is long before the invoice was issued."),
        ({"amount": "10", "reference": "x" * 101}, "Field cannot be longer than 100 characters."),
    ],
)
def test_bad_payments_are_refused(client, auth, desk, fields, message):
    invoice = _invoice(make_patient(), desk)
    response = _pay(auth, invoice, **{"method": "Card", **fields})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(Payment) == 0


def test_a_payment_with_a_date(client, auth, desk):
    invoice = _invoice(make_patient(), desk)
    response = _pay(auth, invoice, "10", paid_at=f"{clinic_today().isoformat()}T00:05")
    assert response.status_code == 302
    payment = db.session.scalar(select(Payment))
    assert payment.paid_at.astimezone(clinic_zone()).strftime("%H:%M") == "00:05"


def test_paying_a_void_invoice_is_refused(client, auth, desk):
    invoice = _invoice(make_patient(), desk)
    billing.void(invoice.id, "Entered twice", by_user=desk)
    page = client.get(f"/billing/{invoice.id}").get_data(as_text=True)
    assert 'data-testid="pay-form"' not in page
    assert "Entered twice" in page
    response = _pay(auth, invoice, "10.00")
    assert response.status_code == 400
    assert "That invoice is void; nothing is owed on it." in response.get_data(as_text=True)
    assert _count(Payment) == 0


# ------------------------------------------------------------------ voiding


def test_void_needs_a_reason(client, auth, desk):
    invoice = _invoice(make_patient(), desk)
    response = auth.post(f"/billing/{invoice.id}/void", {"reason": "  "}, form_page=f"/billing/{invoice.id}")
    assert response.status_code == 400
    assert "Give a reason for voiding the invoice." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.UNPAID

    response = auth.post(f"/billing/{invoice.id}/void", {"reason": "Entered twice"}, form_page=f"/billing/{invoice.id}")
    assert response.status_code == 302
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert invoice.status == InvoiceStatus.VOID
    assert invoice.void_reason == "Entered twice"
    page = client.get(f"/billing/{invoice.id}").get_data(as_text=True)
    assert f"Invoice {invoice.number} is void." in page
    assert 'data-testid="void-form"' not in page

    response = auth.post(f"/billing/{invoice.id}/void", {"reason": "Again"}, form_page=f"/billing/{invoice.id}")
    assert response.status_code == 400
    assert "That invoice is already void." in response.get_data(as_text=True)


def test_void_preview_shows_the_patients_email_and_queues_nothing_then_voiding_emails_them(client, auth, desk):
    patient = make_patient("Siobhán", "O'Brien 🌿")
    invoice = _invoice(patient, desk)
    before = _count(EmailMessage)
    reason = "Charged twice <by mistake>: {{ 7*7 }}\nSee INV-1."
    page = f"/billing/{invoice.id}"
    response = auth.post(f"{page}/void", {"reason": reason, "preview": "1"}, form_page=page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="email-preview"' in html
    assert f"Invoice {invoice.number} is cancelled: nothing to pay" in html
    # The email's HTML sits in the frame's srcdoc, escaped once more for the attribute.
    assert "Charged twice &amp;lt;by mistake&amp;gt;: {{ 7*7 }}&lt;br&gt;See INV-1." in html
    assert _count(EmailMessage) == before
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.UNPAID

    assert auth.post(f"{page}/void", {"reason": reason}, form_page=page).status_code == 302
    (sent,) = _emails("invoice_void")
    assert sent.to_addrs == patient.email
    assert sent.subject == f"Invoice {invoice.number} is cancelled: nothing to pay"
    assert "Charged twice <by mistake>: {{ 7*7 }}\nSee INV-1." in sent.text
    assert "Siobhán" in sent.text
    assert sent.patient_id == patient.id


def test_an_invoice_with_payments_cannot_be_voided(client, auth, desk):
    invoice = _invoice(make_patient(), desk)
    _pay(auth, invoice, "10")
    assert 'data-testid="void-form"' not in client.get(f"/billing/{invoice.id}").get_data(as_text=True)
    response = auth.post(f"/billing/{invoice.id}/void", {"reason": "Oops"}, form_page=f"/billing/{invoice.id}")
    assert response.status_code == 400
    assert "An invoice with payments against it can&#39;t be voided." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.PARTIALLY_PAID


def test_get_on_the_action_urls_goes_to_the_invoice(client, desk):
    invoice = _invoice(make_patient(), desk)
    for action in ("payments", "void"):
        response = client.get(f"/billing/{invoice.id}/{action}")
        assert response.status_code == 302
        assert f"/billing/{invoice.id}" in response.headers["Location"]


# ------------------------------------------------------------------ PDFs


def test_pdfs_download(client, auth, desk):
    invoice = _invoice(make_patient("Mere", "Tane"), desk)
    response = client.get(f"/billing/{invoice.id}/invoice.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f"inline; filename=invoice-{invoice.number}.pdf"
    text = _pdf_text(response.data)
    assert invoice.number in text
    assert "$85.00" in text

    _pay(auth, invoice, "40")
    payment = db.session.scalar(select(Payment))
    response = client.get(f"/billing/payments/{payment.id}/receipt.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f"inline; filename=receipt-{payment.receipt_number}.pdf"
    assert payment.receipt_number in _pdf_text(response.data)

    assert client.get("/billing/99999/invoice.pdf").status_code == 404
    assert client.get("/billing/payments/99999/receipt.pdf").status_code == 404
    assert client.get("/billing/payments/99999999999999/receipt.pdf").status_code == 404


# ------------------------------------------------------------------ the list


def test_the_list_views_and_totals(client, desk):
    mere, hemi = make_patient("Mere", "Tane"), make_patient("Hemi", "Walker")
    unpaid = _invoice(mere, desk, "100.00")
    partly = _invoice(hemi, desk, "50.00")
    billing.record_payment(partly.id, amount=Decimal("20.00"), method="Cash", by_user=desk)
    paid = _invoice(hemi, desk, "10.00")
    billing.record_payment(paid.id, amount=Decimal("10.00"), method="Cash", by_user=desk)
    void = _invoice(mere, desk, "70.00")
    billing.void(void.id, "Duplicate", by_user=desk)
    overdue = _invoice(mere, desk, "5.00")
    overdue.due_on = clinic_today() - timedelta(days=3)
    db.session.commit()

    def numbers(page: str) -> set[str]:
        return set(re.findall(r"INV-\d{4}-\d{5}", page))

    page = client.get("/billing/").get_data(as_text=True)
    assert numbers(page) == {unpaid.number, partly.number, paid.number, void.number, overdue.number}
    assert "Owing: <strong>$135.00</strong>" in page
    assert "1 overdue" in page
    assert "3 days overdue" in page
    assert "New invoice" in page

    page = client.get("/billing/?view=owing").get_data(as_text=True)
    assert numbers(page) == {unpaid.number, partly.number, overdue.number}
    page = client.get("/billing/?view=overdue").get_data(as_text=True)
    assert numbers(page) == {overdue.number}
    assert "Owing: <strong>$5.00</strong>" in page
    assert numbers(client.get("/billing/?view=paid").get_data(as_text=True)) == {paid.number}
    assert numbers(client.get("/billing/?view=void").get_data(as_text=True)) == {void.number}

    page = client.get("/billing/?q=hemi").get_data(as_text=True)
    assert numbers(page) == {partly.number, paid.number}
    assert "Owing: <strong>$30.00</strong>" in page
    assert numbers(client.get(f"/billing/?q={unpaid.number}").get_data(as_text=True)) == {unpaid.number}
    page = client.get(f"/billing/?patient={mere.id}&view=owing").get_data(as_text=True)
    assert numbers(page) == {unpaid.number, overdue.number}
    assert "Mere Tane</a>'s invoices" in page


def test_the_list_pages(client, desk, monkeypatch):
    monkeypatch.setattr(billing_routes, "PER_PAGE", 2)
    patient = make_patient()
    made = [_invoice(patient, desk, "1.00") for _ in range(3)]
    page = client.get("/billing/?view=all").get_data(as_text=True)
    assert made[2].number in page and made[0].number not in page
    assert "/billing/?view=all&amp;page=2" in page
    page = client.get("/billing/?view=all&page=2").get_data(as_text=True)
    assert made[0].number in page and made[2].number not in page


@pytest.mark.parametrize(
    "query",
    [
        "view=everything",
        "page=-4",
        "page=abc",
        "page=99999999999999999999",
        "patient=abc",
        "patient=99999999999999",
        "patient=-1",
        "q=" + "x" * 500,
        "q=%25_%5C",
    ],
)
def test_junk_list_parameters_fall_back_to_defaults(client, desk, query):
    _invoice(make_patient(), desk)
    assert client.get(f"/billing/?{query}").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/billing/new?patient=abc", "/billing/new?patient=99999999999", "/billing/new?appointment=xyz",
     "/billing/new?appointment=99999999999", "/billing/new?q=" + "x" * 500],
)  # fmt: skip
def test_junk_new_parameters(client, desk, path):
    assert client.get(path).status_code == 200


def test_missing_invoices_are_404(client, desk):
    for path in ["/billing/0", "/billing/99999", "/billing/99999999999999", "/billing/abc"]:
        assert client.get(path).status_code == 404
    assert client.post("/billing/99999999999999/payments").status_code in (400, 404)


# ------------------------------------------------------------------ who, and escaping


def test_practitioners_may_not_bill(client, auth, people):
    invoice = _invoice(make_patient(), people["staff"])
    auth.login("drwho")
    for path in ["/billing/", "/billing/new", f"/billing/{invoice.id}", f"/billing/{invoice.id}/invoice.pdf"]:
        assert client.get(path).status_code == 403
    assert _pay(auth, invoice, "10").status_code == 403
    response = auth.post(f"/billing/{invoice.id}/void", {"reason": "no"})
    assert response.status_code == 403
    assert _count(Payment) == 0
    assert "/billing/" not in client.get("/home").get_data(as_text=True)


def test_the_owner_bills_too(client, auth, people):
    auth.login("olive")
    page = client.get("/billing/").get_data(as_text=True)
    assert 'href="/billing/"' in page  # in the navigation


def test_html_in_names_is_escaped(client, auth, desk):
    patient = make_patient("<script>alert(1)</script>", "<b>Bold</b>")
    invoice = _invoice(patient, desk)
    invoice.due_on = clinic_today() - timedelta(days=1)
    db.session.commit()
    _post_invoice(auth, patient.id, [("<i>Line</i>", "1", "1")])
    pages = [
        client.get("/billing/").get_data(as_text=True),
        client.get(f"/billing/{invoice.id}").get_data(as_text=True),
        client.get(f"/billing/new?patient={patient.id}").get_data(as_text=True),
        client.get("/billing/new?q=%3Cscript").get_data(as_text=True),
        client.get("/home").get_data(as_text=True),
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "<b>Bold" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    newest = db.session.scalar(select(Invoice).order_by(Invoice.id.desc()))
    page = client.get(f"/billing/{newest.id}").get_data(as_text=True)
    assert "&lt;i&gt;Line&lt;/i&gt;" in page and "<i>Line" not in page


# ------------------------------------------------------------------ the home page


def test_the_overdue_panel(client, desk):
    page = client.get("/home").get_data(as_text=True)
    assert "Overdue invoices" in page
    assert "No invoice is overdue." in page
    patient = make_patient("Mere", "Tane")
    today = clinic_today()
    made = []
    for days in range(1, 8):
        invoice = _invoice(patient, desk, "10.00")
        invoice.due_on = today - timedelta(days=days)
        made.append(invoice)
    _invoice(patient, desk, "99.00")  # not yet due
    db.session.commit()
    page = client.get("/home").get_data(as_text=True)
    assert "7 invoices are overdue" in page
    assert "$70.00 owing on them" in page
    shown = re.findall(r'href="/billing/(\d+)">INV', page)
    assert [int(i) for i in shown] == [i.id for i in reversed(made)][:5]  # the 5 most overdue first
    assert "7 days overdue" in page
    assert "2 days overdue" not in page
