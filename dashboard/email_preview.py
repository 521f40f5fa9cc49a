"""'Preview email': what a patient will receive from a form that writes to them in staff's own words.

A form that emails a patient has a second submit button named `preview`; pressed, the route
renders the email through the same path the outbox uses (`render_email`, the real context and
the typed words) and shows the form again with the email below it. Nothing is written and
nothing is queued, and no JavaScript is needed.
"""

from flask import Response, make_response, request

from dashboard.notify.render import Rendered, render_email

BUTTON = "preview"  # the name of the submit button that asks for a preview

# The email sits in a sandboxed srcdoc frame, which lives under its page's policy: the page that
# shows a preview lets inline styles through (the email's own, all of them written by the
# templates; what staff typed is escaped text). No scripts, as everywhere.
PREVIEW_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def wanted() -> bool:
    """Whether this POST is the 'Preview email' button rather than the form's own."""
    return BUTTON in request.form


def render(kind: str, context: dict, to: str | None) -> dict:
    """The preview the `_email_preview.html` partial shows: the email as it would be written."""
    rendered: Rendered = render_email(kind, context)
    return {"to": to, "subject": rendered.subject, "html": rendered.html, "text": rendered.text}


def page(rendered) -> Response:
    """The page a route rendered (a body, or (body, status)) that shows a preview, with the policy
    that lets the email's styles show."""
    response = make_response(rendered)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response
