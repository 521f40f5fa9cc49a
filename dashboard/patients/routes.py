from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.pages import found_or_404, int_or_none, page_number, search_term
from dashboard.patients.forms import PatientForm
from dashboard.security import DESK, EVERYONE, roles_required
from dashboard.services import ServiceError, appointments, patient_page
from dashboard.services import patients as patient_service

bp = Blueprint("patients", __name__)

PER_PAGE = 25
CHOOSER_LIMIT = 10


@bp.route("/")
@roles_required(*DESK)
def index():
    q = search_term()
    page = page_number()
    pagination = patient_service.search(q, page=page, per_page=PER_PAGE)
    return render_template("patients/index.html", pagination=pagination, q=q)


@bp.route("/find")
@roles_required(*EVERYONE)
def find():
    """The chooser's search as you type (js/patient_chooser.js): JSON, everyone who books may ask."""
    response = jsonify(patients=patient_service.choices(search_term(), limit=CHOOSER_LIMIT))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*DESK)
def new():
    form = PatientForm()
    if form.validate_on_submit():
        try:
            patient = patient_service.create(
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                email=form.email.data,
                phone=form.phone.data,
                date_of_birth=form.date_of_birth.data,
                language=form.language.data,
            )
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"{patient.name} added.", "success")
            return redirect(_after_adding(patient.id))
    status = 400 if form.is_submitted() else 200
    return render_template("patients/form.html", form=form, patient=None), status


def _after_adding(patient_id: int) -> str:
    """The new patient's page, or back to the booking they were added from (`?slot=`),
    with them chosen."""
    slot_id = int_or_none(request.args.get("slot"))
    if slot_id is not None:
        return url_for("appointments.new", slot=slot_id, patient=patient_id)
    return url_for("patients.detail", patient_id=patient_id)


@bp.route("/<int:patient_id>")
@roles_required(*DESK)
def detail(patient_id: int):
    patient = found_or_404(patient_service.get, patient_id)
    upcoming = appointments.listing(current_user, view="upcoming", patient_id=patient.id, per_page=20)
    past = appointments.listing(current_user, view="past", patient_id=patient.id, per_page=20)
    sections = patient_page.sections(patient.id)
    return render_template("patients/detail.html", patient=patient, upcoming=upcoming, past=past, sections=sections)


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@roles_required(*DESK)
def edit(patient_id: int):
    patient = found_or_404(patient_service.get, patient_id)
    form = PatientForm(obj=patient)
    if form.validate_on_submit():
        try:
            patient = patient_service.update(
                patient.id,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                email=form.email.data,
                phone=form.phone.data,
                date_of_birth=form.date_of_birth.data,
                language=form.language.data,
            )
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"{patient.name}'s details are saved.", "success")
            return redirect(url_for("patients.detail", patient_id=patient.id))
    status = 400 if form.is_submitted() else 200
    return render_template("patients/form.html", form=form, patient=patient), status
