"""The clinic's logo, for the pages' header and for emails (so it's public)."""

from flask import abort, make_response

from dashboard.main.routes import bp
from dashboard.services import clinic_logo


@bp.route("/logo/<int:logo_id>")
def logo(logo_id: int):
    """A logo never changes under its id (a new upload is a new id): cached for a year."""
    found = clinic_logo.find(logo_id)
    if found is None:
        abort(404)
    response = make_response(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # An SVG opened on its own is a document: it may draw, never run or fetch anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
