"""The owner's clinic settings page: /admin/settings (values, logo, audit)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard import setting_fields
from dashboard.admin.routes import bp
from dashboard.forms import ActionForm
from dashboard.security import OWNER, roles_required
from dashboard.services import ServiceError, clinic_logo, clinic_settings
from dashboard.settings import locked_keys


def _page(values: dict[str, str], errors: dict[str, str], status: int = 200):
    return (
        render_template(
            "admin/settings.html",
            groups=setting_fields.GROUPS,
            values=values,
            errors=errors,
            locked=locked_keys(),
            offer_modes=setting_fields.OFFER_MODES,
            zones=setting_fields.zones(),
            current_logo=clinic_logo.current_url(),
            max_logo_kb=clinic_logo.MAX_BYTES // 1024,
            changes=clinic_settings.recent_changes(),
            action_form=ActionForm(),
        ),
        status,
    )


@bp.route("/settings")
@roles_required(*OWNER)
def settings_page():
    return _page(clinic_settings.current_values(), {})


@bp.route("/settings", methods=["POST"])
@roles_required(*OWNER)
def settings_save():
    form = request.form
    submitted = {key: form[field.name] for key, field in setting_fields.FIELDS.items() if field.name in form}
    try:
        changed = clinic_settings.save(submitted, current_user.id)
    except clinic_settings.SettingsInvalid as exc:
        flash(str(exc), "danger")
        return _page({**clinic_settings.current_values(), **submitted}, exc.errors, 400)
    if changed:
        flash(f"Saved: {', '.join(setting_fields.FIELDS[key].label for key in changed)}.", "success")
    else:
        flash("Nothing had changed.", "info")
    return redirect(url_for("admin.settings_page"))


@bp.route("/settings/logo", methods=["POST"])
@roles_required(*OWNER)
def settings_logo():
    if request.form.get("remove") == "1":
        clinic_logo.remove(current_user.id)
        flash("The logo has been removed.", "success")
        return redirect(url_for("admin.settings_page"))
    upload = request.files.get("logo")
    try:
        clinic_logo.upload(upload.read(clinic_logo.MAX_BYTES + 1) if upload else b"", current_user.id)
    except ServiceError as exc:
        flash(str(exc), "danger")
    else:
        flash("The new logo is on every page and in the next email.", "success")
    return redirect(url_for("admin.settings_page"))
