"""The pages patients reach from the signed links in their emails; they never log in.

The signed link is the authority (see `dashboard.patient_links`): each page
reads its own purpose's link, then checks that the rows it names exist and
belong together. Statuses, everywhere here:

- 400: not a link we made for this page (tampered with, cut short, another page's);
- 410: a real link, past its lifetime;
- 404: a row the link names is gone (or isn't this patient's);
- 409: the state says no (the time was taken, the appointment has passed...);
- 200: done, or already done as asked (booked twice, cancelled twice): the page says what happened.

GET never changes anything a patient chose (mail scanners fetch links), apart
from recording the open times a page shows as offered (an availability page,
or an offer that can't be booked any more: what makes their buttons work) and
marking the patient's messages read on their own page.

This module is the blueprint, `notice` (the page every refusal shows), its error pages and
headers; the pages are in `booking`, `waiting`, `appointment` and `me`; reading links and
refusing in `links`.
"""

import logging

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dashboard.errors import words
from dashboard.forms import ActionForm
from dashboard.portal.links import N_, Refusal, patient_url
from dashboard.services import portal

log = logging.getLogger(__name__)

bp = Blueprint("portal", __name__)


def notice(status: int, title: str, message: str, **context):
    """A page that says what happened (or why not), the clinic's phone, and the patient's page if known."""
    patient_id = g.get("patient_id")
    context.setdefault("patient_url", patient_url(patient_id) if patient_id else None)
    if "alternatives" in context or context.get("waitlist_url"):
        context.setdefault("form", ActionForm())  # the CSRF token of its booking and waiting-list buttons
    return render_template("portal/notice.html", status=status, title=title, message=message, **context), status


@bp.errorhandler(Refusal)
def _refused(refusal: Refusal):
    return notice(refusal.status, refusal.title, refusal.message, **refusal.context)


_NOT_FOUND = {
    "appointment": N_("We couldn't find this appointment"),
    "slot": N_("We couldn't find this time"),
    "offer": N_("We couldn't find this offer"),
}


@bp.errorhandler(portal.NotFound)
def _not_found(error: portal.NotFound):
    return notice(
        404,
        _(_NOT_FOUND.get(str(error), N_("We couldn't find this"))),
        _(
            "It may have been removed, or the link may belong to someone else. "
            "Please call us and we'll sort it out with you."
        ),
    )


@bp.errorhandler(CSRFError)
def _form_expired(error: CSRFError):
    return notice(
        400,
        _("This page has expired"),
        _("Please go back, reload the page and try again. Nothing has been changed."),
    )


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    title, message = words(error.code or 400)
    return notice(error.code or 400, title, message)


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    # Nothing to roll back here: the services' units roll back what escapes them, the request's
    # session is discarded at its end, and this page reads nothing from the database.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return notice(
        500,
        _("Something went wrong"),
        _(
            "Something went wrong on our side, and nothing may have been saved. "
            "Please try again in a moment, or call us."
        ),
    )


@bp.after_request
def _private(response):
    # The links carry a token: no Referer to other sites, no copies in caches, no search engines.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
