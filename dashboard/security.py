"""Who may see what: the login manager, role checks and response headers."""

import secrets
from datetime import timedelta
from functools import wraps

from flask import Flask, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from dashboard.errors import render_error, wants_json
from dashboard.extensions import db, login_manager
from dashboard.models import Practitioner, Role, User
from dashboard.navigation import local_path
from dashboard.services import ServiceError, practitioners


def roles_required(*roles: Role):
    """Log in first (401 → login page), then 403 unless the user has one of `roles`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def practitioner_or_abort(practitioner_id: int | None):
    """The practitioner whose pages (schedule, waiting list) the user asked for: their own
    for a practitioner, anyone active for the desk; 403 for someone else's, 404 for one
    that doesn't exist. With no id and nobody to manage yet, the ServiceError goes on:
    the page says so."""
    try:
        return practitioners.practitioner_for(current_user, practitioner_id)
    except ServiceError:
        if practitioner_id is None:
            raise
        if current_user.has_role(Role.PRACTITIONER) or db.session.get(Practitioner, practitioner_id) is not None:
            abort(403)
        abort(404)


HSTS = "max-age=31536000; includeSubDomains"


STYLE_NONCE = "dashboard.style_nonce"


def style_nonce() -> str:
    """This response's nonce for its one `<style>` block (the clinic's colour, base.html): the
    Content-Security-Policy lets that block through and no other inline style."""
    # Kept on the request itself: `g` lives as long as the app context, which may outlast a request.
    return request.environ.setdefault(STYLE_NONCE, secrets.token_urlsafe(16))


def content_security_policy() -> str:
    nonce = request.environ.get(STYLE_NONCE)
    styles = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        f"default-src 'self'; img-src 'self' data:; style-src {styles}; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    )


OWNER = (Role.OWNER,)
DESK = (Role.OWNER, Role.STAFF)
EVERYONE = (Role.OWNER, Role.STAFF, Role.PRACTITIONER)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_DAYS"])
    app.add_template_global(style_nonce)

    @login_manager.unauthorized_handler
    def unauthorized():
        """Pages send people to the login form; the bell's polling gets a plain 401."""
        if wants_json():
            return render_error(401)
        # In the browser's language, as the login page is (no one is known yet).
        flash(gettext("Please log in to continue."), login_manager.login_message_category)
        return redirect(url_for(login_manager.login_view, next=local_path(request.full_path.rstrip("?"))))

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The user a session or remember cookie names ("<id>:<session version>", User.get_id),
        if that version is still theirs: a logout, a password change and a deactivation bump it,
        which ends every session and remember cookie made before. A deactivated user is logged
        out at their next request."""
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 10:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        if app.config["CONFIG_NAME"] == "production":  # served over HTTPS only: browsers remember that
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
