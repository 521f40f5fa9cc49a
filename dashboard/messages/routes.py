"""The desk's messages page: write to a patient or a day's patients, preview, send now or later, cancel."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from dashboard import email_preview
from dashboard.clinic_time import clinic_datetime
from dashboard.forms import ActionForm, first_error
from dashboard.messages.forms import MessageForm
from dashboard.models import DeskMessage
from dashboard.models.base import utcnow
from dashboard.pages import SEARCH_LENGTH, int_or_none, search_term
from dashboard.security import DESK, roles_required
from dashboard.services import ServiceError, desk_messages, practitioners
from dashboard.services import patients as patient_service
from dashboard.wording import plural

bp = Blueprint("messages", __name__)


def _render(form: MessageForm, q: str, *, status: int = 200, preview: dict | None = None):
    choice = patient_service.chooser(q, int_or_none(form.patient_id.data))
    return render_template(
        "messages/index.html",
        form=form,
        **choice.context(),
        messages=desk_messages.recent(),
        cancel_form=ActionForm(formdata=None),
        email_preview=preview,
        now=utcnow(),
    ), status


def _form(formdata=None, **data) -> MessageForm:
    form = MessageForm(formdata=formdata, data=data) if formdata is None else MessageForm()
    everyone = practitioners.practitioners_for(current_user)
    form.practitioner.choices = [SelectChoice(0, "Any practitioner")] + [SelectChoice(p.id, p.name) for p in everyone]
    return form


def _draft(form: MessageForm) -> desk_messages.Draft:
    to_one = form.audience.data != "day"
    if to_one and not form.patient_id.data:
        raise ServiceError("Choose a patient.")
    if not to_one and not form.day.data:
        raise ServiceError("Choose the day whose patients get the message.")
    return desk_messages.Draft(
        subject=form.subject.data or "",
        body=form.body.data or "",
        patient_id=form.patient_id.data if to_one else None,
        day=None if to_one else form.day.data,
        practitioner_id=(form.practitioner.data or None) if not to_one else None,
    )


def _done(message: DeskMessage) -> str:
    who = plural(message.recipients, "patient")
    if message.send_at > utcnow():
        return f"Your message to {who} will go on {clinic_datetime(message.send_at)}. You can cancel it until then."
    return f"Your message to {who} is on its way."


@bp.route("/")
@roles_required(*DESK)
def index():
    q = search_term()
    form = _form(q=q, patient_id=int_or_none(request.args.get("patient")))
    return _render(form, q)


@bp.route("/send", methods=["GET", "POST"])
@roles_required(*DESK)
def send():
    if request.method == "GET":  # e.g. reloading the page a refused form left in the address bar
        return redirect(url_for("messages.index"))
    form = _form(request.form)
    q = (form.q.data or "").strip()[:SEARCH_LENGTH]
    if not form.validate():
        flash(first_error(form), "danger")
        return _render(form, q, status=400)
    try:
        draft = _draft(form)
        if email_preview.wanted():  # nothing written: the form again, with the first patient's email
            context, to, count = desk_messages.preview(draft, current_user)
            shown = {**email_preview.render(desk_messages.KIND, context, to), "count": count}
            return email_preview.page(_render(form, q, preview=shown))
        send_at = desk_messages.send_time(form.when.data, form.send_on.data, form.send_time.data)
        message = desk_messages.send(draft, send_at, by_user=current_user)
    except ServiceError as exc:
        flash(str(exc), "danger")
        return _render(form, q, status=400)
    flash(_done(message), "success")
    return redirect(url_for("messages.index"))


@bp.route("/<int:message_id>/cancel", methods=["POST"])
@roles_required(*DESK)
def cancel(message_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return redirect(url_for("messages.index"))
    try:
        count = desk_messages.cancel(int_or_none(message_id) or 0, by_user=current_user)
    except LookupError:
        abort(404)
    except ServiceError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Cancelled: {plural(count, 'email')} will not be sent.", "success")
    return redirect(url_for("messages.index"))
