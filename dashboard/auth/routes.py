import math
import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from dashboard import languages
from dashboard.auth import throttle
from dashboard.auth.forms import LanguageForm, LoginForm, PasswordChangeForm
from dashboard.clinic_time import clinic_hour
from dashboard.navigation import local_path
from dashboard.services import ServiceError, users

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status

    account, address = _attempt(form.username.data)
    if lock := _lock_on(account, address):
        return _locked_out("auth/login.html", lock, form=form)

    user = users.authenticate(form.username.data, form.password.data)
    if user is None:
        throttle.record_failure(account, address)
        flash(_("Invalid username or password."), "danger")
        return render_template("auth/login.html", form=form), 401
    if not user.active:
        flash(_("This account has been deactivated. Please ask the clinic's owner."), "danger")
        return render_template("auth/login.html", form=form), 403

    login_user(user, remember=form.remember.data)
    users.record_login(user)
    return redirect(local_path(request.args.get("next")) or url_for("main.home"))


def _attempt(username: str) -> tuple[str, str]:
    """Who is trying, as the throttle counts them: the username and the address it comes from."""
    return users.normalise_username(username), get_remote_address() or "unknown"


def _lock_on(account: str, address: str) -> throttle.Lock | None:
    """The lock that lasts longest of those stopping `account` from `address` now, if any."""
    locks = throttle.locks_for(account, address)
    return max(locks, key=lambda lock: lock.until) if locks else None


def _locked_out(template: str, lock: throttle.Lock, **context):
    """429, saying why and until when; the right password is refused too until then."""
    seconds = max(1, math.ceil(lock.until.timestamp() - time.time()))
    minutes = math.ceil(seconds / 60)
    flash(
        ngettext(
            "Too many attempts: after too many wrong passwords, logging in as %(covers)s is locked until "
            "%(time)s (in %(num)d minute). "
            "Please try again then, or ask the clinic's owner to lift the lock on the Users page.",
            "Too many attempts: after too many wrong passwords, logging in as %(covers)s is locked until "
            "%(time)s (in %(num)d minutes). "
            "Please try again then, or ask the clinic's owner to lift the lock on the Users page.",
            minutes,
            covers=_(lock.covers),
            time=clinic_hour(lock.until),
        ),
        "danger",
    )
    return render_template(template, **context), 429, {"Retry-After": str(seconds)}


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    users.end_sessions(current_user)  # the old session and remember cookies stop working, everywhere
    logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password: this browser stays logged in, every other session ends. A wrong
    current password counts toward the login throttle, and a lock refuses the change as it does a login."""
    form = PasswordChangeForm()
    page = {"form": form, "min_length": users.MIN_PASSWORD_LENGTH}
    if form.validate_on_submit():
        account, address = _attempt(current_user.username)
        if lock := _lock_on(account, address):
            return _locked_out("auth/password.html", lock, **page)
        try:
            users.change_password(current_user, form.current_password.data, form.new_password.data)
        except ServiceError as exc:
            if isinstance(exc, users.WrongPassword):
                throttle.record_failure(account, address)
            flash(str(exc), "danger")
        else:
            relogin(current_user)
            flash(_("Your password has been changed. You have been logged out everywhere else."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", **page), 400 if form.is_submitted() else 200


@bp.route("/account/language", methods=["GET", "POST"])
@login_required
def language():
    """Choose the language of one's own pages (and of the emails to oneself): the next page is in it."""
    form = LanguageForm(language=current_user.language)
    if form.validate_on_submit():
        users.set_language(current_user, form.language.data)
        refresh()  # this request's words (the message below) are in the new language already
        name = languages.LANGUAGES[current_user.language]
        flash(_("Your pages are now in %(language)s.", language=name), "success")
        return redirect(url_for("auth.language"))
    return render_template("auth/language.html", form=form), 400 if form.is_submitted() else 200


def relogin(user) -> None:
    """Keep this browser logged in after the user's session version moved on: a new session, and a
    new remember cookie if it had one."""
    had_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    # The user itself, never the `current_user` proxy: Flask-Login keeps what it is given as the
    # request's user, and a proxy to itself would recurse the next time anything asks who it is
    # (the words of the message that follows, in the user's language).
    login_user(getattr(user, "_get_current_object", lambda: user)(), remember=had_cookie)
