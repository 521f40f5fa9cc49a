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
"""

import logging

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dashboard import patient_links
from dashboard.clinic_time import clinic_datetime
from dashboard.errors import MESSAGES
from dashboard.extensions import csrf, db
from dashboard.forms import ActionForm
from dashboard.models import AppointmentStatus, OfferStatus, SlotStatus
from dashboard.models.base import utcnow
from dashboard.portal.forms import CancelForm, RescheduleForm, preferences_form
from dashboard.services import ServiceError, appointments, offers, portal
from dashboard.services.appointments import SlotTaken

log = logging.getLogger(__name__)

bp = Blueprint("portal", __name__)

AVAILABILITY_SHOWN = 10


# ------------------------------------------------------------------ refusals and headers


class Refusal(Exception):
    """Stop here and show a friendly page with this status and a way forward."""

    def __init__(self, status: int, title: str, message: str, **context):
        super().__init__(title)
        self.status, self.title, self.message, self.context = status, title, message, context


def notice(status: int, title: str, message: str, **context):
    """A page that says what happened (or why not), the clinic's phone, and the patient's page if known."""
    patient_id = g.get("patient_id")
    context.setdefault("patient_url", _patient_url(patient_id) if patient_id else None)
    if "alternatives" in context or context.get("waitlist_url"):
        context.setdefault("form", ActionForm())  # the CSRF token of its booking and waiting-list buttons
    return render_template("portal/notice.html", status=status, title=title, message=message, **context), status


@bp.errorhandler(Refusal)
def _refused(refusal: Refusal):
    return notice(refusal.status, refusal.title, refusal.message, **refusal.context)


@bp.errorhandler(portal.NotFound)
def _not_found(error: portal.NotFound):
    what = {"appointment": "this appointment", "slot": "this time", "offer": "this offer"}.get(str(error), "this")
    return notice(
        404,
        f"We couldn't find {what}",
        "It may have been removed, or the link may belong to someone else. "
        "Please call us and we'll sort it out with you.",
    )


@bp.errorhandler(CSRFError)
def _form_expired(error: CSRFError):
    return notice(
        400,
        "This page has expired",
        "Please go back, reload the page and try again. Nothing has been changed.",
    )


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    title, message = MESSAGES.get(error.code or 400, MESSAGES[400])
    return notice(error.code or 400, title, message)


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return notice(
        500,
        "Something went wrong",
        "Something went wrong on our side, and nothing may have been saved. Please try again in a moment, or call us.",
    )


@bp.after_request
def _private(response):
    # The links carry a token: no Referer to other sites, no copies in caches, no search engines.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# ------------------------------------------------------------------ reading links


def _link(purpose: str, token: str) -> dict:
    try:
        return patient_links.read(purpose, token)
    except patient_links.LinkExpired:
        raise Refusal(
            410,
            "This link has expired",
            "For your security, the links in our emails only work for a while. "
            "Please use the link in a more recent email, or call us and we'll help.",
        ) from None
    except patient_links.LinkInvalid:
        raise _invalid() from None


def _invalid() -> Refusal:
    return Refusal(
        400,
        "This link isn't valid",
        "It may have been cut short or changed on its way to you. Please open the whole link from your email "
        "(or copy all of it into your browser), or call us and we'll help.",
    )


def _id(ids: dict, name: str) -> int:
    value = ids.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _invalid()
    return value


def _load_patient(patient_id: int):
    found = portal.patient(patient_id)
    g.patient_id = found.id  # from here on, refusals link to the patient's own page
    return found


def _patient_url(patient_id: int) -> str:
    return url_for("portal.patient", token=patient_links.token("patient", p=patient_id))


def _manage_url(appointment) -> str:
    return url_for(
        "portal.appointment", token=patient_links.token("appointment", a=appointment.id, p=appointment.patient_id)
    )


def _availability_url(patient_id: int, practitioner_id: int) -> str:
    return url_for("portal.availability", token=patient_links.token("availability", p=patient_id, r=practitioner_id))


def _preferences_url(patient_id: int) -> str:
    return url_for("portal.preferences", token=patient_links.token("preferences", p=patient_id))


def _check_form(form) -> None:
    if not form.validate_on_submit():
        raise Refusal(
            400, "This page has expired", "Please go back, reload the page and try again. Nothing has changed."
        )


# ------------------------------------------------------------------ booking an offered time


def _other_times(offer, token: str) -> dict:
    """What a page about an offer that can't be booked shows instead: the practitioner's other open
    times, each booked with one click (everyone at once: offered to the patient as the page is made,
    which is what lets their buttons book), and a button to stay on the waiting list. One at a time,
    open times are in other people's queues: a link to the open-times page instead."""
    practitioner = offer.slot.practitioner
    more = [(_availability_url(offer.patient_id, practitioner.id), "See other open times")]
    if not practitioner.active:
        return {"links": more}
    context = {
        "practitioner": practitioner,
        "book_token": token,
        "waitlist_url": url_for("portal.keep_waiting", token=token, slot_id=offer.slot_id),
    }
    if offers.mode() == offers.EVERYONE:
        found = offers.alternatives_for(offer.patient_id, practitioner.id)
        context["alternatives"] = portal.bookable(offer.patient_id, found)
    else:
        context["links"] = more
    return context


def _offer_refusal(offer, token: str) -> Refusal | None:
    """Why this offer can't be booked now (None if it can), and what the patient can do instead."""
    slot, now = offer.slot, utcnow()
    more = [(_availability_url(offer.patient_id, slot.practitioner_id), "See other open times")]
    status = offer.status
    if status == OfferStatus.DECLINED:
        return Refusal(
            409,
            "You turned this time down",
            "You told us this time didn't suit you, so it has gone to someone else.",
            links=more,
        )
    if status == OfferStatus.TAKEN or (status != OfferStatus.BOOKED and slot.status == SlotStatus.BOOKED):
        return Refusal(409, "This time has been taken", "Someone else booked it first.", **_other_times(offer, token))
    if status == OfferStatus.WITHDRAWN or slot.status == SlotStatus.BLOCKED:
        return Refusal(
            409, "This time is no longer available", "The clinic has closed this time.", **_other_times(offer, token)
        )
    if slot.starts_at <= now:
        return Refusal(
            409,
            "This time has passed",
            "This appointment time is already in the past.",
            **_other_times(offer, token),
        )
    if status == OfferStatus.QUEUED:
        return Refusal(
            409,
            "This time is held for someone else",
            "Someone who has been waiting longer gets the first chance at it. We'll email you if it comes to you.",
        )
    if status == OfferStatus.EXPIRED or (
        status == OfferStatus.HELD and offer.expires_at is not None and offer.expires_at <= now
    ):
        return Refusal(
            409,
            "This offer has ended",
            "We held this time for you for a while; it has now gone to the next person waiting.",
            **_other_times(offer, token),
        )
    return None


def _booked_page(appointment, *, repeated: bool):
    title = "You already booked this time" if repeated else "You're booked"
    return render_template(
        "portal/booked.html",
        title=title,
        appointment=appointment,
        repeated=repeated,
        manage_url=_manage_url(appointment),
        patient_url=_patient_url(appointment.patient_id),
    )


@bp.route("/book/<token>/<int:slot_id>", methods=["GET", "POST"])
def book(token: str, slot_id: int):
    patient_id = _id(_link("book", token), "p")
    _load_patient(patient_id)
    offer = portal.offer(patient_id, slot_id)
    if offer.status == OfferStatus.BOOKED and offer.appointment_id:
        return _booked_page(portal.appointment(offer.appointment_id, patient_id), repeated=True)
    if request.method == "POST":
        _check_form(ActionForm())
        held_for_another = offer.status == OfferStatus.QUEUED
        try:
            result = offers.book(patient_id, slot_id)
        except SlotTaken as taken:
            practitioner = offer.slot.practitioner
            return notice(
                409,
                "This time is held for someone else" if held_for_another else "This time was just taken",
                str(taken),
                alternatives=portal.bookable(patient_id, taken.alternatives),
                book_token=token,
                practitioner=practitioner,
                waitlist_url=url_for("portal.keep_waiting", token=token, slot_id=slot_id)
                if practitioner.active
                else None,
            )
        except ServiceError as error:
            db.session.rollback()
            raise _offer_refusal(portal.offer(patient_id, slot_id), token) or Refusal(
                409, "We couldn't book this time", str(error)
            ) from None
        return _booked_page(result.appointment, repeated=result.repeated)
    refusal = _offer_refusal(offer, token)
    if refusal is not None:
        raise refusal
    return render_template(
        "portal/book.html",
        offer=offer,
        slot=offer.slot,
        practitioner=offer.slot.practitioner,
        form=ActionForm(),
        held=offer.status == OfferStatus.HELD,
        decline_url=url_for("portal.decline", token=token, slot_id=slot_id),
    )


@bp.post("/book/<token>/<int:slot_id>/decline")
def decline(token: str, slot_id: int):
    patient_id = _id(_link("book", token), "p")
    _load_patient(patient_id)
    offer = portal.offer(patient_id, slot_id)
    _check_form(ActionForm())
    more = [(_availability_url(patient_id, offer.slot.practitioner_id), "See other open times")]
    if offer.status == OfferStatus.DECLINED:
        return notice(
            200, "You've already told us", "You said this time didn't suit you; nothing more to do.", links=more
        )
    if offer.status == OfferStatus.BOOKED and offer.appointment_id:
        booked = portal.appointment(offer.appointment_id, patient_id)
        raise Refusal(
            409,
            "You booked this time",
            "You can cancel the appointment from its page if it no longer suits you.",
            links=[(_manage_url(booked), "See your appointment")],
        )
    try:
        offers.decline(patient_id, slot_id)
    except ServiceError as error:
        db.session.rollback()
        raise _offer_refusal(portal.offer(patient_id, slot_id), token) or Refusal(
            409, "This offer is no longer open", str(error)
        ) from None
    return notice(200, "Thanks, we'll offer it to someone else", "Thank you for letting us know.", links=more)


@bp.post("/book/<token>/<int:slot_id>/waitlist")
def keep_waiting(token: str, slot_id: int):
    """The button under an offer that can't be booked: a POST, so a mail scanner
    opening the page puts nobody on a list."""
    patient_id = _id(_link("book", token), "p")
    _load_patient(patient_id)
    offer = portal.offer(patient_id, slot_id)
    _check_form(ActionForm())
    try:
        waiting = portal.keep_waiting(patient_id, offer.slot.practitioner_id)
    except ServiceError as error:
        db.session.rollback()
        raise Refusal(409, "We couldn't keep you on the waiting list", str(error)) from None
    title, message = _waiting_words(waiting)
    links = [(_availability_url(patient_id, waiting.practitioner.id), "See open times")]
    if waiting.emails_off:
        message += " You've turned off our emails about new times, so turn them back on to hear of one."
        links.insert(0, (_preferences_url(patient_id), "Turn on emails about new times"))
    return notice(200, title, message, links=links)


def _waiting_words(waiting: portal.Waiting) -> tuple[str, str]:
    name = waiting.practitioner.name
    if waiting.appointment is not None and waiting.appointment.status == AppointmentStatus.PENDING:
        return "Your request is still with the clinic", f"We'll email you when a time with {name} opens up."
    if waiting.appointment is not None:
        return (
            "You're still waiting for an earlier time",
            f"Your appointment on {clinic_datetime(waiting.appointment.starts_at)} stays as it is, "
            f"and we'll email you if an earlier time with {name} opens up.",
        )
    if waiting.added:
        return f"You're on {name}'s waiting list", f"We'll email you when a new time with {name} opens up."
    return f"You're still on {name}'s waiting list", f"We'll email you when a new time with {name} opens up."


@bp.route("/availability/<token>")
def availability(token: str):
    ids = _link("availability", token)
    patient_id, practitioner_id = _id(ids, "p"), _id(ids, "r")
    _load_patient(patient_id)
    practitioner = portal.practitioner(practitioner_id)
    # Offered to them now (recorded), so each time's booking link works like the ones in the email.
    found = offers.alternatives_for(patient_id, practitioner_id, limit=AVAILABILITY_SHOWN)
    return render_template(
        "portal/availability.html",
        practitioner=practitioner,
        slots=portal.bookable(patient_id, found),
        book_token=patient_links.token("book", p=patient_id),
        patient_url=_patient_url(patient_id),
    )


# ------------------------------------------------------------------ one appointment


def _appointment_from(token: str):
    ids = _link("appointment", token)
    appointment_id, patient_id = _id(ids, "a"), _id(ids, "p")
    _load_patient(patient_id)
    return portal.appointment(appointment_id, patient_id)


def _summary(appointment) -> dict:
    return {"appointment": appointment, "links": [(_manage_url(appointment), "See your appointment")]}


def _not_changeable(appointment, doing: str) -> Refusal | None:
    """Why an appointment can't be confirmed/cancelled/moved online any more (None if it can)."""
    if appointment.status == AppointmentStatus.CANCELLED:
        return None  # each page says "already cancelled" its own way
    if not appointment.is_active or portal.is_past(appointment):
        return Refusal(
            409,
            "This appointment has passed",
            f"It's too late to {doing} it online. If something isn't right, please call us.",
            **_summary(appointment),
        )
    return None


def _already_cancelled(appointment, status: int = 200):
    who = appointment.cancelled_by or "the clinic"
    return notice(
        status,
        "This appointment is already cancelled",
        f"It was cancelled by {who}. If you'd like a new appointment, please call us.",
        **_summary(appointment),
    )


@bp.route("/appointment/<token>")
def appointment(token: str):
    found = _appointment_from(token)
    past = portal.is_past(found)
    return render_template(
        "portal/appointment.html",
        appointment=found,
        past=past,
        pending=portal.pending_request(found.id) if found.is_active and not past else None,
        can_change=found.is_active and not past,
        can_confirm=found.status == AppointmentStatus.PENDING and not past,
        confirm_form=ActionForm(),
        token=token,
        patient_url=_patient_url(found.patient_id),
    )


@bp.post("/appointment/<token>/confirm")
def confirm(token: str):
    found = _appointment_from(token)
    _check_form(ActionForm())
    if found.status == AppointmentStatus.CONFIRMED:
        return notice(
            200, "Your appointment is already confirmed", "Nothing more to do: see you then.", **_summary(found)
        )
    if found.status == AppointmentStatus.CANCELLED:
        return _already_cancelled(found, 409)
    refusal = _not_changeable(found, "confirm")
    if refusal is not None:
        raise refusal
    try:
        appointments.confirm(found.id, None)
    except ServiceError as error:
        db.session.rollback()
        raise Refusal(409, "We couldn't confirm this appointment", str(error), **_summary(found)) from None
    return notice(200, "Thank you, your appointment is confirmed", "We've emailed you the details.", **_summary(found))


@bp.route("/appointment/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    found = _appointment_from(token)
    if found.status == AppointmentStatus.CANCELLED:
        return _already_cancelled(found)
    refusal = _not_changeable(found, "cancel")
    if refusal is not None:
        raise refusal
    form = CancelForm()
    if form.validate_on_submit():
        try:
            portal.cancel(found, form.reason.data)
        except ServiceError as error:
            db.session.rollback()
            db.session.refresh(found)
            if found.status == AppointmentStatus.CANCELLED:  # cancelled a moment ago, by them or the clinic
                return _already_cancelled(found)
            raise Refusal(409, "We couldn't cancel this appointment", str(error), **_summary(found)) from None
        again = found.practitioner.active
        return notice(
            200,
            "Your appointment is cancelled",
            "We've emailed you to confirm. If you'd like another time, "
            + ("book one below or call us." if again else "please call us."),
            appointment=found,
            links=[(_availability_url(found.patient_id, found.practitioner_id), "Book again")] if again else [],
        )
    return render_template(
        "portal/cancel.html", appointment=found, form=form, manage_url=_manage_url(found)
    ), 400 if form.is_submitted() else 200


@bp.route("/appointment/<token>/reschedule", methods=["GET", "POST"])
def reschedule(token: str):
    found = _appointment_from(token)
    if found.status == AppointmentStatus.CANCELLED:
        return _already_cancelled(found, 409)
    refusal = _not_changeable(found, "move")
    if refusal is not None:
        raise refusal
    pending = portal.pending_request(found.id)
    if pending is not None:
        return _already_asked(found)
    form = RescheduleForm()
    if form.validate_on_submit():
        try:
            portal.ask_to_move(found, form.note.data or "")
        except ServiceError as error:
            db.session.rollback()
            if portal.pending_request(found.id) is not None:  # asked a moment ago
                return _already_asked(found)
            raise Refusal(409, "We couldn't ask the clinic", str(error), **_summary(found)) from None
        return notice(
            200,
            "We've asked the clinic",
            "They'll find you another time and email you. Until then, your appointment stays as it is.",
            **_summary(found),
        )
    return render_template(
        "portal/reschedule.html", appointment=found, form=form, manage_url=_manage_url(found)
    ), 400 if form.is_submitted() else 200


def _already_asked(appointment):
    return notice(
        200,
        "You've already asked to move this appointment",
        "The clinic will email you with another time. Until then, your appointment stays as it is.",
        **_summary(appointment),
    )


# ------------------------------------------------------------------ the patient's page and emails


@bp.route("/me/<token>")
def patient(token: str):
    patient_id = _id(_link("patient", token), "p")
    _load_patient(patient_id)
    view = portal.overview(patient_id)
    book_token = patient_links.token("book", p=patient_id)
    return render_template(
        "portal/me.html",
        view=view,
        upcoming=[(a, _manage_url(a)) for a in view.upcoming],
        offers=[(o, url_for("portal.book", token=book_token, slot_id=o.slot_id)) for o in view.offers],
        preferences_url=_preferences_url(patient_id),
    )


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token: str):
    patient_id = _id(_link("preferences", token), "p")
    who = _load_patient(patient_id)
    kinds = portal.optional_kinds()
    form = preferences_form(kinds, portal.preferences(patient_id))
    if form.validate_on_submit():
        portal.save_preferences(patient_id, {k.name: bool(form[k.name].data) for k in kinds})
        return redirect(url_for("portal.preferences", token=token, saved=1))
    return render_template(
        "portal/preferences.html",
        patient=who,
        form=form,
        kinds=kinds,
        saved=request.args.get("saved") == "1" and not form.is_submitted(),
        patient_url=_patient_url(patient_id),
    ), 400 if form.is_submitted() else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: the mail client's POST has no CSRF token; the signed link is the authority
def unsubscribe(token: str):
    ids = _link("unsubscribe", token)
    patient_id = _id(ids, "p")
    try:
        kind = portal.optional_kind(ids.get("k"))
    except ServiceError:
        raise _invalid() from None
    _load_patient(patient_id)
    links = [(_preferences_url(patient_id), "Change your email preferences")]
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        if not one_click:
            _check_form(ActionForm())  # our own button: CSRF-checked like every other form
        changed = portal.unsubscribe(patient_id, kind.name)
        log.info("patient %s unsubscribed from %s%s", patient_id, kind.name, " (one-click)" if one_click else "")
        return notice(
            200,
            f"You're unsubscribed from {kind.label.lower()} emails",
            "We won't send you these emails any more."
            if changed
            else "You had already unsubscribed; we won't send you these emails.",
            links=links,
        )
    # GET changes nothing: mail scanners open links to check them.
    return render_template(
        "portal/unsubscribe.html",
        kind=kind,
        form=ActionForm(),
        wanted=portal.preferences(patient_id).get(kind.name, True),
        links=links,
    )
