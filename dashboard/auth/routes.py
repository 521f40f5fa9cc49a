from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from dashboard.auth.forms import LoginForm
from dashboard.extensions import limiter
from dashboard.navigation import local_path
from dashboard.services import users

bp = Blueprint("auth", __name__)

INVALID = "Invalid username or password."


def _account_key() -> str:
    return "account:" + users.normalise_username(request.form.get("username", ""))


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status

    user = users.authenticate(form.username.data, form.password.data)
    if user is None:
        flash(INVALID, "danger")
        return render_template("auth/login.html", form=form), 401
    if not user.active:
        flash("This account has been deactivated. Please ask the clinic's owner.", "danger")
        return render_template("auth/login.html", form=form), 403

    login_user(user, remember=form.remember.data)
    users.record_login(user)
    return redirect(local_path(request.args.get("next")) or url_for("main.home"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))
