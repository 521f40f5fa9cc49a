import secrets
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from dashboard.appointments.forms import (
    ApproveForm,
    BookingForm,
    CancelForm,
    OutcomeForm,
    RejectForm,
    RescheduleRequestForm,
)
from dashboard.clinic_time import describe
from dashboard.extensions import db
from dashboard.forms import ActionForm, first_error
from dashboard.models import AppointmentStatus, RequestStatus, RescheduleRequest, Slot, SlotStatus
from dashboard.models.base import utcnow
from dashboard.pages import id_or_404, int_or_none, page_number, search_term
from dashboard.security import DESK, EVERYONE, roles_required
from dashboard.services import ServiceError, appointments, practitioners, slots
from dashboard.services import patients as patient_service
from dashboard.services.appointments import LISTS, SlotTaken

bp = Blueprint("appointments", __name__)

PER_PAGE = 25
STATUSES = {s.value for s in AppointmentStatus}


def _appointment_or_abort(appointment_id: int):
    try:
        return appointments.get(id_or_404(appointment_id), current_user)
    except LookupError:
        abort(404)
    except PermissionError:
        abort(403)


def _attempt(action, *args, **kwargs):
    """Run a service action: (result, None), or (None, message) for a refusal; 404/403 as such."""
    try:
        return action(*args, **kwargs), None
    except LookupError:
        abort(404)
    except PermissionError:
        abort(403)
    except ServiceError as exc:
        return None, str(exc)


def _is_desk() -> bool:
    return current_user.has_role(*DESK)


# ------------------------------------------------------------------ lists


@bp.route("/")
@roles_required(*EVERYONE)
def index():
    args = request.args
    view = args.get("view", "today")
    view = view if view in LISTS else "today"
    status = args.get("status", "")
    status = status if status in STATUSES else ""
    q = search_term()
    practitioner_id = int_or_none(args.get("practitioner")) if _is_desk() else None
    patient_id = int_or_none(args.get("patient"))
    page = page_number()
    listing = appointments.listing(
        current_user,
        view=view,
        practitioner_id=practitioner_id,
        patient_id=patient_id,
        status=status or None,
        q=q,
        page=page,
        per_page=PER_PAGE,
    )
    # What the tabs, filters and page links carry along (only what is set).
    filters = {
        key: value
        for key, value in {
            "view": view,
            "practitioner": practitioner_id,
            "patient": patient_id,
            "status": status,
            "q": q,
        }.items()
        if value
    }
    return render_template(
        "appointments/index.html",
        listing=listing,
        view=view,
        status=status,
        q=q,
        practitioner_id=practitioner_id,
        patient_id=patient_id,
        filters=filters,
        practitioners=practitioners.practitioners_for(current_user) if _is_desk() else [],
        statuses=list(AppointmentStatus),
        views=[("today", "Today"), ("upcoming", "Upcoming"), ("past", "Past"), ("all", "All")],
    )


# ------------------------------------------------------------------ one appointment


@bp.route("/<int:appointment_id>")
@roles_required(*EVERYONE)
def detail(appointment_id: int):
    appointment = _appointment_or_abort(appointment_id)
    requests = list(
        db.session.scalars(
            select(RescheduleRequest)
            .where(RescheduleRequest.appointment_id == appointment.id)
            .order_by(RescheduleRequest.created_at.desc())
        )
    )
    pending = next((r for r in requests if r.status == RequestStatus.PENDING), None)
    now = utcnow()
    future = appointment.starts_at > now
    return render_template(
        "appointments/detail.html",
        appointment=appointment,
        requests=requests,
        pending_request=pending,
        can_confirm=appointment.status == AppointmentStatus.PENDING,
        can_cancel=appointment.is_active and future,
        can_record_outcome=appointment.status == AppointmentStatus.CONFIRMED and not future,
        can_request_move=appointment.is_active and future and pending is None,
        can_ask_earlier=appointment.status in (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED) and future,
        action_form=ActionForm(formdata=None),
        cancel_form=CancelForm(formdata=None),
        outcome_form=OutcomeForm(formdata=None),
        move_form=RescheduleRequestForm(formdata=None),
    )


@bp.route("/<int:appointment_id>/confirm", methods=["POST"])
@roles_required(*EVERYONE)
def confirm(appointment_id: int):
    id_or_404(appointment_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    else:
        appointment, error = _attempt(appointments.confirm, appointment_id, current_user)
        if error:
            flash(error, "danger")
        else:
            flash(f"Confirmed: {appointment.patient.name}, {describe(appointment.starts_at)}.", "success")
    return redirect(url_for("appointments.detail", appointment_id=appointment_id))


@bp.route("/<int:appointment_id>/cancel", methods=["POST"])
@roles_required(*EVERYONE)
def cancel(appointment_id: int):
    id_or_404(appointment_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    else:
        appointment, error = _attempt(
            appointments.cancel, appointment_id, by_user=current_user, reason=form.reason.data
        )
        if error:
            flash(error, "danger")
        else:
            flash(f"Cancelled {appointment.patient.name}'s appointment; the patient is told why.", "success")
    return redirect(url_for("appointments.detail", appointment_id=appointment_id))


@bp.route("/<int:appointment_id>/outcome", methods=["POST"])
@roles_required(*EVERYONE)
def outcome(appointment_id: int):
    id_or_404(appointment_id)
    form = OutcomeForm()
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    else:
        appointment, error = _attempt(appointments.record_outcome, appointment_id, form.outcome.data, current_user)
        if error:
            flash(error, "danger")
        else:
            flash(f"Recorded: {appointment.status_enum.label}.", "success")
    return redirect(url_for("appointments.detail", appointment_id=appointment_id))


@bp.route("/<int:appointment_id>/reschedule-request", methods=["POST"])
@roles_required(*EVERYONE)
def request_reschedule(appointment_id: int):
    id_or_404(appointment_id)
    form = RescheduleRequestForm()
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    else:
        _, error = _attempt(appointments.request_reschedule, appointment_id, note=form.note.data, by_user=current_user)
        if error:
            flash(error, "danger")
        else:
            flash("Recorded the request to move it; the desk will find a new time.", "success")
    return redirect(url_for("appointments.detail", appointment_id=appointment_id))


@bp.route("/<int:appointment_id>/earlier", methods=["POST"])
@roles_required(*EVERYONE)
def earlier(appointment_id: int):
    """The patient would like an earlier time (wants=1), or no longer (wants=0)."""
    id_or_404(appointment_id)
    form = ActionForm()
    wants = request.form.get("wants", "")
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    elif wants not in ("1", "0"):
        flash("Say whether the patient would like an earlier time.", "danger")
    else:
        appointment, error = _attempt(appointments.set_wants_earlier, appointment_id, wants == "1", current_user)
        if error:
            flash(error, "danger")
        elif appointment.wants_earlier:
            flash(f"Earlier times with {appointment.practitioner.name} will be offered to the patient.", "success")
        else:
            flash("The patient no longer asks for an earlier time.", "success")
    return redirect(url_for("appointments.detail", appointment_id=appointment_id))


# ------------------------------------------------------------------ booking


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def new():
    allowed = practitioners.practitioners_for(current_user)
    slot = _requested_slot(allowed)
    q = search_term()

    form = BookingForm()
    form.practitioner_id.choices = [("", "Choose…")] + [(p.id, f"{p.name} ({p.specialty})") for p in allowed]
    if request.method == "GET":
        form.request_key.data = secrets.token_urlsafe(16)
        form.patient_id.data = int_or_none(request.args.get("patient"))
        if len(allowed) == 1:
            form.practitioner_id.data = allowed[0].id

    alternatives = []
    if form.validate_on_submit():
        try:
            booked = appointments.book(
                patient_id=form.patient_id.data,
                by_user=current_user,
                slot_id=slot.id if slot else None,
                practitioner_id=None if slot else form.practitioner_id.data,
                day=form.day.data,
                start=form.start.data,
                end=form.end.data,
                reason=form.reason.data or "",
                confirmed=form.confirmed.data != "0",
                request_key=form.request_key.data or None,
            )
        except SlotTaken as exc:
            flash(str(exc), "danger")
            alternatives = exc.alternatives
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            appointment = booked.appointment
            if booked.repeated:
                flash("That booking was already made.", "info")
            else:
                flash(
                    f"Booked {appointment.patient.name} with {appointment.practitioner.name}, "
                    f"{describe(appointment.starts_at)}.",
                    "success",
                )
            return redirect(url_for("appointments.detail", appointment_id=appointment.id))
    elif form.is_submitted():
        flash(first_error(form), "danger")

    choice = patient_service.chooser(q, int_or_none(form.patient_id.data))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "appointments/new.html",
        form=form,
        slot=slot,
        slot_missing=slot is None and "slot" in request.args,
        slot_is_open=slot is not None and slot.status == SlotStatus.OPEN and slot.starts_at > utcnow(),
        alternatives=alternatives,
        can_add_patients=_is_desk(),
        **choice.context(),
    ), status


def _requested_slot(allowed) -> Slot | None:
    """The slot in `?slot=`, if it is one of the practitioners this user books for; else ad hoc booking."""
    slot_id = int_or_none(request.args.get("slot"))
    if slot_id is None:
        return None
    slot = db.session.get(Slot, slot_id)
    if slot is None or slot.practitioner_id not in {p.id for p in allowed}:
        return None
    return slot


# ------------------------------------------------------------------ reschedule requests


@bp.route("/requests")
@roles_required(*DESK)
def requests():
    now = utcnow()
    rows = []
    for req in appointments.pending_requests():
        approve_form = ApproveForm(formdata=None)
        approve_form.new_slot_id.choices = [
            (s.id, describe(s.starts_at)) for s in slots.open_slots(req.appointment.practitioner_id)
        ]
        rows.append((req, approve_form, _age(now - req.created_at)))
    return render_template("appointments/requests.html", rows=rows, reject_form=RejectForm(formdata=None))


def _age(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def _request_or_404(request_id: int) -> RescheduleRequest:
    return db.get_or_404(RescheduleRequest, id_or_404(request_id))


@bp.route("/requests/<int:request_id>/approve", methods=["POST"])
@roles_required(*DESK)
def approve(request_id: int):
    _request_or_404(request_id)
    form = ApproveForm()
    form.new_slot_id.choices = []
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return redirect(url_for("appointments.requests"))
    appointment, error = _attempt(appointments.approve_reschedule, request_id, form.new_slot_id.data, current_user)
    if error:
        flash(error, "danger")
        return redirect(url_for("appointments.requests"))
    flash(
        f"Moved {appointment.patient.name} to {describe(appointment.starts_at)}; the patient is emailed.",
        "success",
    )
    return redirect(url_for("appointments.requests"))


@bp.route("/requests/<int:request_id>/reject", methods=["POST"])
@roles_required(*DESK)
def reject(request_id: int):
    _request_or_404(request_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return redirect(url_for("appointments.requests"))
    req, error = _attempt(appointments.reject_reschedule, request_id, form.reason.data, current_user)
    if error:
        flash(error, "danger")
    else:
        flash(f"Declined {req.appointment.patient.name}'s request; the patient is told why.", "success")
    return redirect(url_for("appointments.requests"))
