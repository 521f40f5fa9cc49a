"""The billing pages (desk only): invoices, payments, voids and their PDFs."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard import email_preview
from dashboard.billing.forms import InvoiceForm, PaymentForm, VoidForm
from dashboard.clinic_time import clinic_today, clinic_zone
from dashboard.extensions import db
from dashboard.models import OWING, Appointment, Invoice, InvoiceStatus, Patient, Payment
from dashboard.pages import found_or_404, id_or_404, int_or_none, page_number, search_term
from dashboard.security import DESK, roles_required
from dashboard.services import ServiceError, billing, pdf
from dashboard.services import patients as patient_service
from dashboard.settings import setting
from dashboard.wording import money

bp = Blueprint("billing", __name__)

PER_PAGE = 25
VIEWS = [("all", "All"), ("owing", "Owing"), ("overdue", "Overdue"), ("paid", "Paid"), ("void", "Void")]


def _pdf(data: bytes, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f"inline; filename={filename}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------ list


@bp.route("/")
@roles_required(*DESK)
def index():
    args = request.args
    view = args.get("view", "all")
    view = view if view in dict(VIEWS) else "all"
    q = search_term()
    patient_id = int_or_none(args.get("patient"))
    page = page_number()
    listing = billing.invoices(view=view, patient_id=patient_id, q=q, page=page, per_page=PER_PAGE)
    filters = {key: value for key, value in {"view": view, "patient": patient_id, "q": q}.items() if value}
    return render_template(
        "billing/index.html",
        listing=listing,
        view=view,
        views=VIEWS,
        q=q,
        patient=db.session.get(Patient, patient_id) if patient_id else None,
        patient_id=patient_id,
        filters=filters,
        today=clinic_today(),
    )


# ------------------------------------------------------------------ new invoice


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*DESK)
def new():
    form = InvoiceForm()
    if request.method == "GET":
        _start_from_query(form)
    if form.validate_on_submit():
        try:
            invoice = billing.create_invoice(**form.invoice_values(), by_user=current_user)
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(*_written_message(invoice))
            return redirect(url_for("billing.detail", invoice_id=invoice.id))
    elif form.is_submitted():
        flash(form.first_error(), "danger")
    return _new_page(form)


def _start_from_query(form: InvoiceForm) -> None:
    """?patient=<id>, or ?appointment=<id> (its patient and the appointment itself)."""
    form.patient_id.data = int_or_none(request.args.get("patient"))
    appointment_id = int_or_none(request.args.get("appointment"))
    appointment = db.session.get(Appointment, appointment_id) if appointment_id else None
    if appointment is not None:
        form.patient_id.data = appointment.patient_id
        form.appointment_id.data = str(appointment.id)


def _written_message(invoice: Invoice) -> tuple[str, str]:
    """The flash for a new invoice: emailed, or written with the reason its patient gets no email."""
    patient = invoice.patient
    reach = patient_service.email_reach(patient)
    if reach.ok:
        return f"Invoice {invoice.number} emailed to {patient.name}.", "success"
    return f"Invoice {invoice.number} written, but {patient.name} will get no emails: {reach.problem}.", "warning"


def _new_page(form: InvoiceForm):
    """The new-invoice form: 400 when it came back with something to fix."""
    choice = patient_service.chooser(search_term(), int_or_none(form.patient_id.data))
    appointment_id = int_or_none(form.appointment_id.data)
    appointment = db.session.get(Appointment, appointment_id) if appointment_id else None
    status = 400 if form.is_submitted() else 200
    return render_template(
        "billing/new.html",
        form=form,
        **choice.context(),
        appointment=appointment,
        tax_rate=billing.tax_rate(),
        tax_label=setting("CLINIC_TAX_LABEL"),
    ), status


# ------------------------------------------------------------------ one invoice


def _detail(invoice: Invoice, *, pay_form=None, void_form=None, email_preview=None, status: int = 200):
    if pay_form is None:
        pay_form = PaymentForm(formdata=None)
        pay_form.amount.data = invoice.balance
    owing = invoice.status in OWING
    today = clinic_today()
    return render_template(
        "billing/detail.html",
        invoice=invoice,
        payments=list(invoice.payments),
        can_pay=owing and invoice.balance > 0,
        can_void=invoice.status == InvoiceStatus.UNPAID and not invoice.amount_paid,
        overdue_days=(today - invoice.due_on).days if owing and invoice.due_on < today else 0,
        pay_form=pay_form,
        void_form=void_form or VoidForm(formdata=None),
        email_preview=email_preview,
        tax_label=setting("CLINIC_TAX_LABEL"),
    ), status


@bp.route("/<int:invoice_id>")
@roles_required(*DESK)
def detail(invoice_id: int):
    return _detail(found_or_404(billing.get, invoice_id))


@bp.route("/<int:invoice_id>/payments", methods=["GET", "POST"])
@roles_required(*DESK)
def pay(invoice_id: int):
    invoice = found_or_404(billing.get, invoice_id)
    if request.method == "GET":
        return redirect(url_for("billing.detail", invoice_id=invoice.id, _anchor="record-payment"))
    form = PaymentForm()
    if not form.validate_on_submit():
        return _detail(invoice, pay_form=form, status=400)
    paid_at = _paid_at(form, invoice)
    if form.paid_at.errors:
        return _detail(invoice, pay_form=form, status=400)
    try:
        payment = billing.record_payment(invoice.id, **form.payment_values(), by_user=current_user, paid_at=paid_at)
    except LookupError:
        abort(404)
    except ServiceError as exc:
        form.amount.errors = [*form.amount.errors, str(exc)]
        flash(str(exc), "danger")
        return _detail(billing.get(invoice.id), pay_form=form, status=400)
    flash(_recorded_message(payment), "success")
    return redirect(url_for("billing.detail", invoice_id=payment.invoice.id))


def _recorded_message(payment: Payment) -> str:
    """The flash for a payment: its receipt, whether it was emailed, and what is still owing."""
    invoice = payment.invoice
    receipt = "emailed to the patient" if invoice.patient.email else "the patient has no email address for a receipt"
    owing = f"{money(invoice.balance)} still owing" if invoice.balance > 0 else "the invoice is paid in full"
    return f"Recorded {money(payment.amount)} ({payment.method}), receipt {payment.receipt_number}; {receipt}; {owing}."


def _paid_at(form: PaymentForm, invoice: Invoice) -> datetime | None:
    """The form's clinic-time date and time as UTC; None (now) when blank. Errors go on the field."""
    local = form.paid_at.data
    if local is None:
        return None
    zone = clinic_zone()
    now_local = datetime.now(zone).replace(tzinfo=None)
    if local > now_local + timedelta(minutes=5):
        form.paid_at.errors = [*form.paid_at.errors, "The payment date is in the future."]
        return None
    if local.date() < invoice.issued_on - timedelta(days=366):
        form.paid_at.errors = [*form.paid_at.errors, "The payment date is long before the invoice was issued."]
        return None
    return local.replace(tzinfo=zone).astimezone(UTC)


@bp.route("/<int:invoice_id>/void", methods=["GET", "POST"])
@roles_required(*DESK)
def void(invoice_id: int):
    invoice = found_or_404(billing.get, invoice_id)
    if request.method == "GET":
        return redirect(url_for("billing.detail", invoice_id=invoice.id))
    form = VoidForm()
    if not form.validate_on_submit():
        return _detail(invoice, void_form=form, status=400)
    if email_preview.wanted():  # nothing written: the form again, with the email it would send
        context = billing.void_email_context(invoice, form.reason.data)
        preview = email_preview.render("invoice_void", context, invoice.patient.email)
        return email_preview.page(_detail(invoice, void_form=form, email_preview=preview))
    try:
        invoice = billing.void(invoice.id, form.reason.data, by_user=current_user)
    except LookupError:
        abort(404)
    except ServiceError as exc:
        flash(str(exc), "danger")
        return _detail(billing.get(invoice.id), void_form=form, status=400)
    flash(f"Invoice {invoice.number} is void.", "success")
    return redirect(url_for("billing.detail", invoice_id=invoice.id))


# ------------------------------------------------------------------ PDFs


@bp.route("/<int:invoice_id>/invoice.pdf")
@roles_required(*DESK)
def invoice_pdf(invoice_id: int):
    invoice = found_or_404(billing.get, invoice_id)
    return _pdf(pdf.invoice_pdf(invoice), f"invoice-{invoice.number}.pdf")


@bp.route("/payments/<int:payment_id>/receipt.pdf")
@roles_required(*DESK)
def receipt_pdf(payment_id: int):
    payment = db.get_or_404(Payment, id_or_404(payment_id))
    return _pdf(pdf.receipt_pdf(payment), f"receipt-{payment.receipt_number}.pdf")
