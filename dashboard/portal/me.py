"""The patient's own page, their email preferences, and one-click unsubscribe."""

import logging

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from dashboard import patient_links
from dashboard.extensions import csrf
from dashboard.forms import ActionForm
from dashboard.portal.blueprint import bp, notice
from dashboard.portal.forms import preferences_form
from dashboard.portal.links import (
    availability_url,
    check_form,
    id_of,
    invalid,
    load_patient,
    manage_url,
    patient_of,
    patient_url,
    preferences_url,
    read,
)
from dashboard.services import ServiceError, portal

log = logging.getLogger(__name__)


@bp.route("/me/<token>")
def patient(token: str):
    patient_id = patient_of("patient", token)
    view = portal.overview(patient_id)
    book_token = patient_links.token("book", p=patient_id)
    return render_template(
        "portal/me.html",
        view=view,
        upcoming=[(a, manage_url(a)) for a in view.upcoming],
        offers=[(o, url_for("portal.book", token=book_token, slot_id=o.slot_id)) for o in view.offers],
        preferences_url=preferences_url(patient_id),
        book_new=[(p, availability_url(patient_id, p.id)) for p in view.practitioners],
    )


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token: str):
    patient_id = id_of(read("preferences", token), "p")
    who = load_patient(patient_id)
    kinds = portal.optional_kinds()
    form = preferences_form(kinds, portal.preferences(patient_id), who.language)
    if form.validate_on_submit():
        wanted = {k.name: bool(form[k.name].data) for k in kinds}
        try:
            portal.save_preferences(patient_id, wanted, language=form.language.data)
        except ServiceError as error:
            form.language.errors = [str(error)]
        else:  # the page again, in the language just chosen (load_patient reads it afresh)
            return redirect(url_for("portal.preferences", token=token, saved=1))
    return render_template(
        "portal/preferences.html",
        patient=who,
        form=form,
        kinds=kinds,
        saved=request.args.get("saved") == "1" and not form.is_submitted(),
        patient_url=patient_url(patient_id),
    ), 400 if form.is_submitted() else 200


def _unsubscribed(patient_id: int, kind, links: list):
    """The POST: our own button (CSRF-checked like every other form) or the mail client's one-click."""
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if not one_click:
        check_form(ActionForm())
    changed = portal.unsubscribe(patient_id, kind.name)
    log.info("patient %s unsubscribed from %s%s", patient_id, kind.name, " (one-click)" if one_click else "")
    return notice(
        200,
        _("You're unsubscribed from %(kind)s emails", kind=_(kind.label).lower()),
        _("We won't send you these emails any more.")
        if changed
        else _("You had already unsubscribed; we won't send you these emails."),
        links=links,
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: the mail client's POST has no CSRF token; the signed link is the authority
def unsubscribe(token: str):
    ids = read("unsubscribe", token)
    patient_id = id_of(ids, "p")
    try:
        kind = portal.optional_kind(ids.get("k"))
    except ServiceError:
        raise invalid() from None
    load_patient(patient_id)
    links = [(preferences_url(patient_id), _("Change your email preferences"))]
    if request.method == "POST":
        return _unsubscribed(patient_id, kind, links)
    # GET changes nothing: mail scanners open links to check them.
    return render_template(
        "portal/unsubscribe.html",
        kind=kind,
        form=ActionForm(),
        wanted=portal.preferences(patient_id).get(kind.name, True),
        links=links,
    )
