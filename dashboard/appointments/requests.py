"""The desk's queue of requests to move an appointment: approve (choose the new time) or decline."""

from datetime import timedelta

from flask import render_template, url_for
from flask_login import current_user

from dashboard import email_preview
from dashboard.appointments.blueprint import act, bp, preview_page
from dashboard.appointments.forms import ApproveForm, RejectForm, slot_choices
from dashboard.clinic_time import describe
from dashboard.extensions import db
from dashboard.models import RescheduleRequest
from dashboard.models.base import utcnow
from dashboard.pages import id_or_404
from dashboard.security import DESK, roles_required
from dashboard.services import appointments


@bp.route("/requests")
@roles_required(*DESK)
def requests():
    return _page()


def _page(reject_form=None, preview_for: int | None = None, email_preview=None):
    now = utcnow()
    rows = []
    for req in appointments.pending_requests():
        approve_form = ApproveForm(formdata=None)
        approve_form.new_slot_id.choices = slot_choices(req.appointment.practitioner_id)
        rows.append((req, approve_form, _age(now - req.created_at)))
    return render_template(
        "appointments/requests.html",
        rows=rows,
        reject_form=reject_form or RejectForm(formdata=None),
        preview_for=preview_for,  # the request whose form shows what was typed, and the email below
        email_preview=email_preview,
    )


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
    return act(
        form,
        lambda: appointments.approve_reschedule(request_id, form.new_slot_id.data, current_user),
        lambda appointment: (
            f"Moved {appointment.patient.name} to {describe(appointment.starts_at)}; the patient is emailed."
        ),
        url_for("appointments.requests"),
    )


@bp.route("/requests/<int:request_id>/reject", methods=["POST"])
@roles_required(*DESK)
def reject(request_id: int):
    _request_or_404(request_id)
    form = RejectForm()
    if email_preview.wanted() and form.validate_on_submit():  # nothing changed: the list, with the email
        return preview_page(
            "reschedule_rejected",
            lambda: appointments.reject_preview(request_id, form.reason.data, current_user),
            lambda shown: _page(form, request_id, shown),
        )
    return act(
        form,
        lambda: appointments.reject_reschedule(request_id, form.reason.data, current_user),
        lambda req: f"Declined {req.appointment.patient.name}'s request; the patient is told why.",
        url_for("appointments.requests"),
    )
