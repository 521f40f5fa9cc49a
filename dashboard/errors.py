"""Friendly error pages with the right status, and never a bare 500 for bad input."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    401: ("Please log in", "You need to log in to see this page."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing at this address."),
    405: ("Not allowed", "That action is not possible on this page."),
    413: ("Too large", "What you sent is too large."),
    429: ("Too many attempts", "Too many attempts. Please wait a few minutes and try again."),
    500: ("Something went wrong", "Something went wrong on our side. Nothing you entered is lost: please try again."),
}  # fmt: skip


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(status: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(status, MESSAGES[400])
    title, message = title or default_title, message or default_message
    if wants_json():
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "This form has expired",
            "The form expired or was opened in another session. Please go back, reload the page and submit it again.",
        )

    @app.before_request
    def refuse_nul_characters():
        """A NUL character in a field or a query is never meant (PostgreSQL refuses to store or
        even compare it): a clear 400 here instead of a database error later."""
        fields = [request.args] + ([request.form] if request.method in ("POST", "PUT", "PATCH") else [])
        if any("\x00" in value for values in fields for _, value in values.items(multi=True)):
            return render_error(400, "Unexpected character", "Part of what was sent contains a NUL character.")
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
