from flask import Blueprint, abort, flash, has_request_context, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.forms import ActionForm
from dashboard.navigation import back, local_path
from dashboard.notify import in_app
from dashboard.pages import page_number
from dashboard.security import EVERYONE, roles_required
from dashboard.services import notifications

bp = Blueprint("notifications", __name__)


@bp.route("/")
@roles_required(*EVERYONE)
def index():
    pagination = notifications.page_for(current_user.id, page_number())
    return render_template("notifications/index.html", pagination=pagination, action_form=ActionForm())


@bp.route("/bell")
@roles_required(*EVERYONE)
def bell():
    """The header's dropdown, polled by static/js/app.js without reloading the page."""
    items = notifications.latest(current_user.id)
    return jsonify(
        unread=notifications.unread_count(current_user.id),
        html=render_template("notifications/_dropdown.html", items=items, action_form=ActionForm()),
    )


@bp.route("/<int:notification_id>/read", methods=["POST"])
@roles_required(*EVERYONE)
def mark_read(notification_id: int):
    note = notifications.mark_read(current_user.id, notification_id)
    if note is None:
        abort(404)
    if request.form.get("follow") and (target := local_path(note.link)):
        return redirect(target)
    return redirect(back("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@roles_required(*EVERYONE)
def mark_all_read():
    notifications.mark_all_read(current_user.id)
    return redirect(back("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def preferences():
    """Which bell notifications also come by email (each user's choice, or their role's default)."""
    if request.method == "POST":
        notifications.save_email_choices(current_user, set(request.form.getlist("email")))
        flash("Your email preferences are saved.", "success")
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html", choices=in_app.email_choices(current_user), action_form=ActionForm()
    )


@bp.app_context_processor
def bell_badge() -> dict:
    """The unread count every page's header shows: one indexed query."""
    if has_request_context() and current_user.is_authenticated:
        return {"bell_unread": notifications.unread_count(current_user.id)}
    return {"bell_unread": 0}
