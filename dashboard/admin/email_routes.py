"""The owner's editor of the emails' words (/admin/emails/<kind>/edit), beside the gallery."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.admin.forms import EmailTemplateForm
from dashboard.admin.previews import keep as keep_preview
from dashboard.admin.previews import shown as shown_preview
from dashboard.admin.routes import bp
from dashboard.forms import ActionForm
from dashboard.notify.drafts import Draft, check, documented
from dashboard.notify.kinds import KINDS, Kind
from dashboard.outbox.routes import EMAIL_FRAME_CSP
from dashboard.security import OWNER, roles_required
from dashboard.services import ServiceError, email_templates

EXPIRED = "<!doctype html><title>Preview</title><p>This preview has expired: press Preview again.</p>"


def _kind(name: str) -> Kind:
    if name not in KINDS:
        abort(404)
    return KINDS[name]


def _typed(form: EmailTemplateForm) -> Draft:
    """The form's words, with the browser's CRLF line ends made LF."""
    return Draft(*((field.data or "").replace("\r\n", "\n") for field in (form.subject, form.html, form.text)))


@bp.route("/emails/<kind>/edit", methods=["GET", "POST"])
@roles_required(*OWNER)
def email_edit(kind: str):
    found = _kind(kind)
    form = EmailTemplateForm()
    checked = token = None
    if not form.is_submitted():
        form.process(data=vars(email_templates.current_draft(kind)))
    elif form.validate_on_submit():
        draft = _typed(form)
        if request.form.get("action") == "save":
            checked = email_templates.save(kind, draft, user_id=current_user.id)
            if checked.ok:
                flash(f"Saved: the next {found.label.lower()} email uses these words.", "success")
                return redirect(url_for("admin.email_edit", kind=kind))
        else:
            checked = check(kind, draft)
        if checked.rendered is not None:
            token = keep_preview(current_user.id, checked.rendered.html)
    refused = form.is_submitted() and (checked is None or not checked.ok)
    return render_template(
        "admin/email_edit.html",
        kind=found,
        form=form,
        checked=checked,
        token=token,
        variables=documented(kind),
        customised=kind in email_templates.customised(),
        action_form=ActionForm(),
    ), (400 if refused else 200)


@bp.route("/emails/<kind>/edit/preview/<token>")
@roles_required(*OWNER)
def email_preview(kind: str, token: str):
    _kind(kind)
    response = make_response(shown_preview(current_user.id, token) or EXPIRED)
    response.headers["Content-Security-Policy"] = EMAIL_FRAME_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/emails/<kind>/versions")
@roles_required(*OWNER)
def email_versions(kind: str):
    found = _kind(kind)
    versions = email_templates.versions(kind)
    compared = diff = None
    chosen = request.args.get("compare", type=int) or (versions[0].id if versions else None)
    if chosen is not None:
        try:
            compared, diff = email_templates.diff_with_default(kind, chosen)
        except LookupError:
            abort(404)
    return render_template(
        "admin/email_versions.html",
        kind=found,
        versions=versions,
        compared=compared,
        diff=diff,
        action_form=ActionForm(),
    )


@bp.route("/emails/<kind>/revert", methods=["POST"])
@roles_required(*OWNER)
def email_revert(kind: str):
    found = _kind(kind)
    if not ActionForm().validate_on_submit():
        abort(400)
    chosen = request.form.get("version", "")
    if chosen != "default" and not (chosen.isdigit() and len(chosen) < 10):
        flash("Choose a version to go back to.", "danger")
        return redirect(url_for("admin.email_versions", kind=kind))
    version_id = None if chosen == "default" else int(chosen)
    try:
        made = email_templates.revert(kind, version_id, user_id=current_user.id)
    except LookupError:
        abort(404)
    except ServiceError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("admin.email_versions", kind=kind))
    words = "the default words" if made.is_default else f"the words of version {version_id}"
    flash(f"The {found.label.lower()} email is back to {words} (kept as version {made.id}).", "success")
    return redirect(url_for("admin.email_versions", kind=kind))


@bp.route("/emails/<kind>/test", methods=["POST"])
@roles_required(*OWNER)
def email_test(kind: str):
    found = _kind(kind)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        email_templates.send_test(kind, current_user.email)
    except ServiceError as exc:
        flash(str(exc), "danger")
    else:
        flash(
            f"A test {found.label.lower()} email, with sample data, is on its way to {current_user.email}.", "success"
        )
    return redirect(url_for("admin.email_edit", kind=kind))
