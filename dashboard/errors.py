"""Friendly error pages with the right status, and never a bare 500 for bad input."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks words kept as data for `make translations`; they are translated where shown (`words`)."""
    return message


MESSAGES = {
    400: (N_("Bad request"), N_("The request could not be understood. Please go back and try again.")),
    401: (N_("Please log in"), N_("You need to log in to see this page.")),
    403: (N_("Not allowed"), N_("Your account does not have access to this page.")),
    404: (N_("Not found"), N_("There is nothing at this address.")),
    405: (N_("Not allowed"), N_("That action is not possible on this page.")),
    413: (N_("Too large"), N_("What you sent is too large.")),
    429: (N_("Too many attempts"), N_("Too many attempts. Please wait a few minutes and try again.")),
    500: (
        N_("Something went wrong"),
        N_("Something went wrong on our side. Nothing you entered is lost: please try again."),
    ),
}  # fmt: skip


def words(status: int) -> tuple[str, str]:
    """The title and message of an error page with this status, in the page's language."""
    title, message = MESSAGES.get(status, MESSAGES[400])
    return _(title), _(message)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(status: int, title: str | None = None, message: str | None = None):
    default_title, default_message = words(status)
    title, message = title or default_title, message or default_message
    if wants_json():
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _("This form has expired"),
            _(
                "The form expired or was opened in another session. "
                "Please go back, reload the page and submit it again."
            ),
        )

    @app.before_request
    def refuse_nul_characters():
        """A NUL character in a field or a query is never meant (PostgreSQL refuses to store or
        even compare it): a clear 400 here instead of a database error later."""
        fields = [request.args] + ([request.form] if request.method in ("POST", "PUT", "PATCH") else [])
        if any("\x00" in value for values in fields for _, value in values.items(multi=True)):
            return render_error(400, _("Unexpected character"), _("Part of what was sent contains a NUL character."))
        return None

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code, message=_custom_message(error))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)


def _custom_message(error: HTTPException) -> str | None:
    """Keep messages we wrote ourselves (abort(403, "...")), not Werkzeug's defaults."""
    default = type(error).description
    return error.description if error.description and error.description != default else None
