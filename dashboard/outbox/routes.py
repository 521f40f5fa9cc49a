from io import BytesIO

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from dashboard.extensions import db
from dashboard.forms import ActionForm
from dashboard.models import EmailAttachment, EmailMessage
from dashboard.notify import mime
from dashboard.notify.kinds import KINDS
from dashboard.notify.render import render_email
from dashboard.notify.samples import sample_context
from dashboard.outbox.forms import OutboxFilterForm
from dashboard.pages import page_number
from dashboard.security import OWNER, roles_required
from dashboard.services import ServiceError, email_templates
from dashboard.services import outbox as outbox_service

bp = Blueprint("outbox", __name__)

# An email's HTML is shown in a sandboxed frame: no scripts, no requests out,
# its own inline styles only.
EMAIL_FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


@bp.route("/outbox")
@roles_required(*OWNER)
def index():
    form = OutboxFilterForm(request.args)
    filters = form.data if form.validate() else {}
    pagination = outbox_service.search(
        status=filters.get("status") or None,
        kind=filters.get("kind") or None,
        recipient=filters.get("recipient") or None,
        created_from=filters.get("sent_from"),
        created_to=filters.get("sent_to"),
        page=page_number(),
    )
    return render_template(
        "outbox/index.html", form=form, pagination=pagination, backend=current_app.config["MAIL_BACKEND"]
    )


@bp.route("/outbox/<int:message_id>")
@roles_required(*OWNER)
def detail(message_id: int):
    message = db.get_or_404(EmailMessage, message_id)
    headers = mime.display_headers(message)
    return render_template("outbox/detail.html", message=message, headers=headers, action_form=ActionForm())


@bp.route("/outbox/<int:message_id>/html")
@roles_required(*OWNER)
def html(message_id: int):
    message = db.get_or_404(EmailMessage, message_id)
    return _email_frame(message.html)


@bp.route("/outbox/<int:message_id>/attachments/<int:attachment_id>")
@roles_required(*OWNER)
def attachment(message_id: int, attachment_id: int):
    """An email's attachment (its invoice PDF, its calendar invitation) as a download."""
    found = db.session.get(EmailAttachment, attachment_id)
    if found is None or found.message_id != message_id:
        abort(404)
    return send_file(BytesIO(found.data), mimetype=found.content_type, as_attachment=True, download_name=found.filename)


@bp.route("/outbox/<int:message_id>/resend", methods=["POST"])
@roles_required(*OWNER)
def resend(message_id: int):
    try:
        copy = outbox_service.resend(message_id)
    except ServiceError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("outbox.detail", message_id=message_id))
    flash(f"Queued again as email #{copy.id}.", "success")
    return redirect(url_for("outbox.detail", message_id=copy.id))


@bp.route("/emails")
@roles_required(*OWNER)
def gallery():
    return render_template("outbox/gallery.html", kinds=KINDS.values(), customised=email_templates.customised())


@bp.route("/emails/<kind>")
@roles_required(*OWNER)
def gallery_item(kind: str):
    if kind not in KINDS:
        abort(404)
    rendered = render_email(kind, sample_context(kind))
    return render_template("outbox/gallery_item.html", kind=KINDS[kind], rendered=rendered)


@bp.route("/emails/<kind>/html")
@roles_required(*OWNER)
def gallery_html(kind: str):
    if kind not in KINDS:
        abort(404)
    return _email_frame(render_email(kind, sample_context(kind)).html)


def _email_frame(html: str):
    response = make_response(html)
    response.headers["Content-Security-Policy"] = EMAIL_FRAME_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
