"""The appointments blueprint and what its views share: one shape for a POST action."""

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect
from flask_login import current_user

from dashboard import email_preview
from dashboard.forms import first_error
from dashboard.pages import id_or_404
from dashboard.security import DESK
from dashboard.services import ServiceError, appointments

bp = Blueprint("appointments", __name__)


def is_desk() -> bool:
    return current_user.has_role(*DESK)


def appointment_or_abort(appointment_id: int):
    try:
        return appointments.get(id_or_404(appointment_id), current_user)
    except LookupError:
        abort(404)
    except PermissionError:
        abort(403)


def act(form, action: Callable[[], Any], done: Callable[[Any], str], back: str):
    """A POST action: validate `form`, run `action()` (one service call), flash `done(result)`
    or the refusal (the form's first error, or the ServiceError), and go `back`.
    A missing appointment is a 404, someone else's a 403."""
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return redirect(back)
    try:
        result = action()
    except LookupError:
        abort(404)
    except PermissionError:
        abort(403)
    except ServiceError as exc:
        flash(str(exc), "danger")
    else:
        flash(done(result), "success")
    return redirect(back)


def preview_page(kind: str, make: Callable[[], tuple[dict, str | None]], show: Callable[[dict | None], Any]):
    """'Preview email': `make()` asks the service for the email's context and address (nothing is
    written), `show(preview)` renders the page with it; a refusal is flashed and the page shown without."""
    try:
        context, to = make()
    except ServiceError as exc:
        flash(str(exc), "danger")
        return show(None), 400
    return email_preview.page(show(email_preview.render(kind, context, to)))
