from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.admin.forms import PasswordResetForm, UserForm
from dashboard.auth import throttle
from dashboard.auth.routes import relogin
from dashboard.extensions import db
from dashboard.forms import ActionForm
from dashboard.models import User
from dashboard.security import OWNER, roles_required
from dashboard.services import ServiceError, users
from dashboard.services.inventory import set_keeper

bp = Blueprint("admin", __name__)


@bp.route("/users")
@roles_required(*OWNER)
def user_list():
    return render_template(
        "admin/users.html", users=users.list_users(), locks=throttle.current_locks(), action_form=ActionForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*OWNER)
def user_new():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = users.create_user(
                username=form.username.data,
                email=form.email.data,
                full_name=form.full_name.data,
                role=form.role.data,
                password=form.password.data,
                specialty=form.specialty.data,
                consultation_fee=form.consultation_fee.data,
                language=form.language.data,
            )
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"{user.full_name} can now log in as {user.username}.", "success")
            return redirect(url_for("admin.user_list"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form), status


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(*OWNER)
def user_set_active(user_id: int):
    active = request.form.get("active") == "1"
    try:
        user = users.set_active(user_id, active, acting_user_id=current_user.id)
    except ServiceError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"{user.full_name} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.user_list"))


@bp.route("/users/<int:user_id>/keeper", methods=["POST"])
@roles_required(*OWNER)
def user_set_keeper(user_id: int):
    """Mark or unmark an inventory keeper: who gets the low-stock alerts."""
    if not 0 < user_id <= 2**31 - 1:
        abort(404)
    try:
        user = set_keeper(user_id, request.form.get("keeper") == "1")
    except LookupError:
        abort(404)
    except ServiceError as exc:  # e.g. a practitioner can't keep stock
        flash(str(exc), "danger")
        return redirect(url_for("admin.user_list"))
    gets = "now gets" if user.inventory_keeper else "no longer gets"
    flash(f"{user.full_name} {gets} the low-stock alerts.", "success")
    return redirect(url_for("admin.user_list"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required(*OWNER)
def user_password(user_id: int):
    """The owner sets a new password for someone: every session of theirs ends."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            users.reset_password(user.id, form.new_password.data)
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            if user.id == current_user.id:
                relogin(user)  # the owner's own: this browser stays logged in
            flash(f"{user.full_name}'s password has been reset; their sessions have ended.", "success")
            return redirect(url_for("admin.user_list"))
    status = 400 if form.is_submitted() else 200
    return (
        render_template("admin/user_password.html", form=form, user=user, min_length=users.MIN_PASSWORD_LENGTH),
        status,
    )


@bp.route("/users/locks/lift", methods=["POST"])
@roles_required(*OWNER)
def lock_lift():
    """Lift a sign-in lock (too many wrong passwords) before it runs out."""
    kind = request.form.get("kind", "")
    account, address = request.form.get("account", "")[:256], request.form.get("address", "")[:256]
    if kind not in throttle.KINDS:
        flash("There is no such lock.", "warning")
    elif throttle.lift(kind, account, address):
        flash("The lock has been lifted.", "success")
    else:
        flash("The lock could not be lifted just now (the lock store is unreachable). Please try again.", "danger")
    return redirect(url_for("admin.user_list"))
