"""The billing pages (desk only): invoices, payments, voids and their PDFs."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.billing.forms import InvoiceForm, PaymentForm, VoidForm
from dashboard.clinic_time import clinic_today, clinic_zone
from dashboard.extensions import db
from dashboard.models import OWING, Appointment, Invoice, InvoiceStatus, Patient, Payment
from dashboard.pages import found_or_404, id_or_404, int_or_none, page_number, search_term
from dashboard.security import DESK, roles_required
from dashboard.services import ServiceError, billing, pdf
from dashboard.services import patients as patient_service
from dashboard.services.billing import Line
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
    q = search_term()
    form = InvoiceForm()
    if request.method == "GET":
        form.patient_id.data = int_or_none(request.args.get("patient"))
        appointment_id = int_or_none(request.args.get("appointment"))
        appointment = db.session.get(Appointment, appointment_id) if appointment_id else None
        if appointment is not None:
            form.patient_id.data = appointment.patient_id
            form.appointment_id.data = str(appointment.id)

    if form.validate_on_submit():
        lines = [
            Line(row.description.data.strip(), row.quantity.data, row.unit_price.data) for row in form.filled_lines()
        ]
        try:
            invoice = billing.create_invoice(
                patient_id=form.patient_id.data,
                lines=lines,
                by_user=current_user,
                discount=form.discount.data,
                due_on=form.due_on.data,
                appointment_id=int_or_none(form.appointment_id.data),
                notes=form.notes.data or "",
            )
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            patient = invoice.patient
            reach = patient_service.email_reach(patient)
            if reach.ok:
                flash(f"Invoice {invoice.number} emailed to {patient.name}.", "success")
            else:
                flash(f"Invoice {invoice.number} written, but {patient.name} will get no emails: {reach.problem}.",
                      "warning")  # fmt: skip
            return redirect(url_for("billing.detail", invoice_id=invoice.id))
    elif form.is_submitted():
        flash(form.first_error(), "danger")

    choice = patient_service.chooser(q, int_or_none(form.patient_id.data))
    appointment_id = int_or_none(form.appointment_id.data)
    appointment = db.session.get(Appointment, appointment_id) if appointment_id else None
    status = 400 if form.is_submitted() else 200
    return render_template(
        "billing/new.html",
        form=form,
        **choice.context(),
        appointment=appointment,
        tax_rate=billing.tax_rate(),
        tax_label=current_app.config["CLINIC_TAX_LABEL"],
    ), status


# ------------------------------------------------------------------ one invoice


def _detail(invoice: Invoice, *, pay_form=None, void_form=None, status: int = 200):
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
        tax_label=current_app.config["CLINIC_TAX_LABEL"],
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
        payment = billing.record_payment(
            invoice.id,
            amount=form.amount.data,
            method=form.method.data,
            by_user=current_user,
            reference=form.reference.data or "",
            paid_at=paid_at,
        )
    except LookupError:
        abort(404)
    except ServiceError as exc:
        message = str(exc)
        form.amount.errors = [*form.amount.errors, message]
        flash(message, "danger")
        return _detail(billing.get(invoice.id), pay_form=form, status=400)
    invoice = payment.invoice
    receipt = "emailed to the patient" if invoice.patient.email else "the patient has no email address for a receipt"
    owing = f"{money(invoice.balance)} still owing" if invoice.balance > 0 else "the invoice is paid in full"
    flash(
        f"Recorded {money(payment.amount)} ({payment.method}), receipt {payment.receipt_number}; {receipt}; {owing}.",
        "success",
    )
    return redirect(url_for("billing.detail", invoice_id=invoice.id))


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
