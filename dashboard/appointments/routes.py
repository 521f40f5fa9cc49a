"""The appointments lists, one appointment and what the desk does to it, and booking."""

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard import email_preview
from dashboard.appointments.blueprint import act, appointment_or_abort, bp, is_desk, preview_page
from dashboard.appointments.forms import (
    BookingForm,
    CancelForm,
    MoveForm,
    OutcomeForm,
    RescheduleRequestForm,
    slot_choices,
)
from dashboard.clinic_time import describe
from dashboard.extensions import db
from dashboard.forms import ActionForm, first_error
from dashboard.models import AppointmentStatus, RequestStatus, Slot, SlotStatus
from dashboard.models.base import utcnow
from dashboard.pages import id_or_404, int_or_none, page_number, search_term
from dashboard.security import DESK, EVERYONE, roles_required
from dashboard.services import ServiceError, appointments, practitioners
from dashboard.services import patients as patient_service
from dashboard.services.appointments import LISTS, SlotTaken

PER_PAGE = 25
STATUSES = {s.value for s in AppointmentStatus}
VIEWS = [("today", "Today"), ("upcoming", "Upcoming"), ("past", "Past"), ("all", "All")]


# ------------------------------------------------------------------ lists


def _list_filters() -> dict:
    """The list's filters from the query string, anything unknown dropped."""
    view, status = request.args.get("view", "today"), request.args.get("status", "")
    return {
        "view": view if view in LISTS else "today",
        "status": status if status in STATUSES else "",
        "q": search_term(),
        "practitioner_id": int_or_none(request.args.get("practitioner")) if is_desk() else None,
        "patient_id": int_or_none(request.args.get("patient")),
    }


@bp.route("/")
@roles_required(*EVERYONE)
def index():
    chosen = _list_filters()
    listing = appointments.listing(
        current_user,
        view=chosen["view"],
        practitioner_id=chosen["practitioner_id"],
        patient_id=chosen["patient_id"],
        status=chosen["status"] or None,
        q=chosen["q"],
        page=page_number(),
        per_page=PER_PAGE,
    )
    # What the tabs, filters and page links carry along (only what is set).
    carried = {"view": "view", "practitioner": "practitioner_id", "patient": "patient_id", "status": "status", "q": "q"}
    return render_template(
        "appointments/index.html",
        listing=listing,
        filters={key: chosen[name] for key, name in carried.items() if chosen[name]},
        practitioners=practitioners.practitioners_for(current_user) if is_desk() else [],
        statuses=list(AppointmentStatus),
        views=VIEWS,
        **chosen,
    )


# ------------------------------------------------------------------ one appointment


@bp.route("/<int:appointment_id>")
@roles_required(*EVERYONE)
def detail(appointment_id: int):
    return _detail_page(appointment_or_abort(appointment_id))


def _detail_page(appointment, *, cancel_form=None, email_preview=None):
    requests = appointments.requests_for(appointment.id)
    pending = next((r for r in requests if r.status == RequestStatus.PENDING), None)
    future = appointment.starts_at > utcnow()
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
        cancel_form=cancel_form or CancelForm(formdata=None),
        email_preview=email_preview,
        outcome_form=OutcomeForm(formdata=None),
        move_form=RescheduleRequestForm(formdata=None),
        move_to_form=_move_to_form(appointment, future),
    )


def _move_to_form(appointment, future: bool) -> MoveForm:
    """The desk's "Move to" picker: the practitioner's open times, none chosen."""
    form = MoveForm(formdata=None)
    form.new_slot_id.choices = slot_choices(appointment.practitioner_id) if is_desk() and future else []
    return form


def _on(appointment_id: int, form, action, done):
    """A POST action on one appointment, back to its page."""
    id_or_404(appointment_id)
    return act(form, action, done, url_for("appointments.detail", appointment_id=appointment_id))


@bp.route("/<int:appointment_id>/confirm", methods=["POST"])
@roles_required(*EVERYONE)
def confirm(appointment_id: int):
    return _on(
        appointment_id,
        ActionForm(),
        lambda: appointments.confirm(appointment_id, current_user),
        lambda appointment: f"Confirmed: {appointment.patient.name}, {describe(appointment.starts_at)}.",
    )


@bp.route("/<int:appointment_id>/cancel", methods=["POST"])
@roles_required(*EVERYONE)
def cancel(appointment_id: int):
    form = CancelForm()
    if email_preview.wanted() and form.validate_on_submit():  # nothing changed: the page, with the email
        appointment = appointment_or_abort(appointment_id)
        return preview_page(
            "appointment_cancelled",
            lambda: appointments.cancel_preview(appointment.id, by_user=current_user, reason=form.reason.data),
            lambda shown: _detail_page(appointment, cancel_form=form, email_preview=shown),
        )
    return _on(
        appointment_id,
        form,
        lambda: appointments.cancel(appointment_id, by_user=current_user, reason=form.reason.data),
        lambda appointment: f"Cancelled {appointment.patient.name}'s appointment; the patient is told why.",
    )


@bp.route("/<int:appointment_id>/outcome", methods=["POST"])
@roles_required(*EVERYONE)
def outcome(appointment_id: int):
    form = OutcomeForm()
    return _on(
        appointment_id,
        form,
        lambda: appointments.record_outcome(appointment_id, form.outcome.data, current_user),
        lambda appointment: f"Recorded: {appointment.status_enum.label}.",
    )


@bp.route("/<int:appointment_id>/reschedule-request", methods=["POST"])
@roles_required(*EVERYONE)
def request_reschedule(appointment_id: int):
    form = RescheduleRequestForm()
    return _on(
        appointment_id,
        form,
        lambda: appointments.request_reschedule(appointment_id, note=form.note.data, by_user=current_user),
        lambda _: "Recorded the request to move it; the desk will find a new time.",
    )


@bp.route("/<int:appointment_id>/move", methods=["POST"])
@roles_required(*DESK)
def move(appointment_id: int):
    """The desk moves it to another open time (the picker, or a drag on the calendar)."""
    form = MoveForm()
    form.new_slot_id.choices = []
    return _on(
        appointment_id,
        form,
        lambda: appointments.move_to(appointment_id, form.new_slot_id.data, current_user),
        lambda appointment: (
            f"Moved {appointment.patient.name} to {describe(appointment.starts_at)}; the patient is emailed."
        ),
    )


def _set_wants_earlier(appointment_id: int):
    wants = request.form.get("wants", "")
    if wants not in ("1", "0"):
        raise ServiceError("Say whether the patient would like an earlier time.")
    return appointments.set_wants_earlier(appointment_id, wants == "1", current_user)


def _earlier_done(appointment) -> str:
    if appointment.wants_earlier:
        return f"Earlier times with {appointment.practitioner.name} will be offered to the patient."
    return "The patient no longer asks for an earlier time."


@bp.route("/<int:appointment_id>/earlier", methods=["POST"])
@roles_required(*EVERYONE)
def earlier(appointment_id: int):
    """The patient would like an earlier time (wants=1), or no longer (wants=0)."""
    return _on(appointment_id, ActionForm(), lambda: _set_wants_earlier(appointment_id), _earlier_done)


# ------------------------------------------------------------------ booking


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def new():
    allowed = practitioners.practitioners_for(current_user)
    slot = _requested_slot(allowed)
    form = _booking_form(allowed)
    alternatives = []
    if form.validate_on_submit():
        try:
            booked = appointments.book(**_booking(form, slot))
        except SlotTaken as exc:
            flash(str(exc), "danger")
            alternatives = exc.alternatives
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            return _booked(booked)
    elif form.is_submitted():
        flash(first_error(form), "danger")
    return _booking_page(form, slot, alternatives)


def _requested_slot(allowed) -> Slot | None:
    """The slot in `?slot=`, if it is one of the practitioners this user books for; else ad hoc booking."""
    slot_id = int_or_none(request.args.get("slot"))
    if slot_id is None:
        return None
    slot = db.session.get(Slot, slot_id)
    if slot is None or slot.practitioner_id not in {p.id for p in allowed}:
        return None
    return slot


def _booking_form(allowed) -> BookingForm:
    form = BookingForm()
    form.practitioner_id.choices = [("", "Choose…")] + [(p.id, f"{p.name} ({p.specialty})") for p in allowed]
    if request.method == "GET":
        form.request_key.data = secrets.token_urlsafe(16)
        form.patient_id.data = int_or_none(request.args.get("patient"))
        if len(allowed) == 1:
            form.practitioner_id.data = allowed[0].id
    return form


def _booking(form: BookingForm, slot: Slot | None) -> dict:
    """What `appointments.book` is asked: the slot in `?slot=`, or the time on the form."""
    return {
        "patient_id": form.patient_id.data,
        "by_user": current_user,
        "slot_id": slot.id if slot else None,
        "practitioner_id": None if slot else form.practitioner_id.data,
        "day": form.day.data,
        "start": form.start.data,
        "end": form.end.data,
        "reason": form.reason.data or "",
        "confirmed": form.confirmed.data != "0",
        "request_key": form.request_key.data or None,
    }


def _booked(booked: appointments.Booked):
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


def _booking_page(form: BookingForm, slot: Slot | None, alternatives: list[Slot]):
    choice = patient_service.chooser(search_term(), int_or_none(form.patient_id.data))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "appointments/new.html",
        form=form,
        slot=slot,
        slot_missing=slot is None and "slot" in request.args,
        slot_is_open=slot is not None and slot.status == SlotStatus.OPEN and slot.starts_at > utcnow(),
        alternatives=alternatives,
        can_add_patients=is_desk(),
        **choice.context(),
    ), status
