"""Booking an offered time from its link, turning it down, and a practitioner's open times."""

from flask import render_template, request, url_for
from flask_babel import gettext as _

from dashboard import patient_links
from dashboard.forms import ActionForm
from dashboard.models import OfferStatus
from dashboard.models.base import utcnow
from dashboard.portal.blueprint import bp, notice
from dashboard.portal.links import (
    N_,
    Refusal,
    availability_url,
    check_form,
    id_of,
    load_patient,
    manage_url,
    patient_of,
    patient_url,
    read,
    said,
)
from dashboard.services import ServiceError, offers, portal
from dashboard.services.appointments import SlotTaken
from dashboard.services.offers import NotBookable

AVAILABILITY_SHOWN = 10


def _other_times(offer, token: str) -> dict:
    """What a page about an offer that can't be booked shows instead: the practitioner's other open
    times, each booked with one click (everyone at once: offered to the patient as the page is made,
    which is what lets their buttons book), and a button to stay on the waiting list. One at a time,
    open times are in other people's queues: a link to the open-times page instead."""
    practitioner = offer.slot.practitioner
    more = [(availability_url(offer.patient_id, practitioner.id), _("See other open times"))]
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


# What the page says for each reason an offer can't be booked (offers.why_not_bookable)
WORDS = {
    NotBookable.DECLINED: (
        N_("You turned this time down"),
        N_("You told us this time didn't suit you, so it has gone to someone else."),
    ),
    NotBookable.TAKEN: (N_("This time has been taken"), N_("Someone else booked it first.")),
    NotBookable.CLOSED: (N_("This time is no longer available"), N_("The clinic has closed this time.")),
    NotBookable.PASSED: (N_("This time has passed"), N_("This appointment time is already in the past.")),
    NotBookable.HELD_FOR_ANOTHER: (
        N_("This time is held for someone else"),
        N_("Someone who has been waiting longer gets the first chance at it. We'll email you if it comes to you."),
    ),
    NotBookable.ENDED: (
        N_("This offer has ended"),
        N_("We held this time for you for a while; it has now gone to the next person waiting."),
    ),
}


def _offer_refusal(offer, token: str) -> Refusal | None:
    """Why this offer can't be booked now (None if it can), and what the patient can do instead:
    nothing more while it is someone else's turn; other times to see once they turned it down;
    otherwise the other open times themselves (`_other_times`)."""
    reason = offers.why_not_bookable(offer, utcnow())
    if reason is None:
        return None
    title, message = (_(words) for words in WORDS[reason])
    if reason is NotBookable.HELD_FOR_ANOTHER:
        return Refusal(409, title, message)
    if reason is NotBookable.DECLINED:
        more = [(availability_url(offer.patient_id, offer.slot.practitioner_id), _("See other open times"))]
        return Refusal(409, title, message, links=more)
    return Refusal(409, title, message, **_other_times(offer, token))


def _booked_page(appointment, *, repeated: bool):
    title = _("You already booked this time") if repeated else _("You're booked")
    return render_template(
        "portal/booked.html",
        title=title,
        appointment=appointment,
        repeated=repeated,
        manage_url=manage_url(appointment),
        patient_url=patient_url(appointment.patient_id),
    )


def _book_now(offer, token: str):
    """The patient pressed "Book": booked, or why not (taken a moment ago: the other open times)."""
    check_form(ActionForm())
    patient_id, slot_id = offer.patient_id, offer.slot_id
    held_for_another = offers.why_not_bookable(offer, utcnow()) is NotBookable.HELD_FOR_ANOTHER
    try:
        result = offers.book(patient_id, slot_id)
    except SlotTaken as taken:
        practitioner = offer.slot.practitioner
        return notice(
            409,
            _("This time is held for someone else") if held_for_another else _("This time was just taken"),
            said(taken),
            alternatives=portal.bookable(patient_id, taken.alternatives),
            book_token=token,
            practitioner=practitioner,
            waitlist_url=url_for("portal.keep_waiting", token=token, slot_id=slot_id) if practitioner.active else None,
        )
    except ServiceError as error:
        raise _offer_refusal(portal.offer(patient_id, slot_id), token) or Refusal(
            409, _("We couldn't book this time"), said(error)
        ) from None
    return _booked_page(result.appointment, repeated=result.repeated)


@bp.route("/book/<token>/<int:slot_id>", methods=["GET", "POST"])
def book(token: str, slot_id: int):
    patient_id = patient_of("book", token)
    offer = portal.offer(patient_id, slot_id)
    if offer.status == OfferStatus.BOOKED and offer.appointment_id:
        return _booked_page(portal.appointment(offer.appointment_id, patient_id), repeated=True)
    if request.method == "POST":
        return _book_now(offer, token)
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
    patient_id = patient_of("book", token)
    offer = portal.offer(patient_id, slot_id)
    check_form(ActionForm())
    more = [(availability_url(patient_id, offer.slot.practitioner_id), _("See other open times"))]
    if offer.status == OfferStatus.DECLINED:
        return notice(
            200, _("You've already told us"), _("You said this time didn't suit you; nothing more to do."), links=more
        )
    if offer.status == OfferStatus.BOOKED and offer.appointment_id:
        booked = portal.appointment(offer.appointment_id, patient_id)
        raise Refusal(
            409,
            _("You booked this time"),
            _("You can cancel the appointment from its page if it no longer suits you."),
            links=[(manage_url(booked), _("See your appointment"))],
        )
    try:
        offers.decline(patient_id, slot_id)
    except ServiceError as error:
        raise _offer_refusal(portal.offer(patient_id, slot_id), token) or Refusal(
            409, _("This offer is no longer open"), said(error)
        ) from None
    return notice(200, _("Thanks, we'll offer it to someone else"), _("Thank you for letting us know."), links=more)


@bp.route("/availability/<token>")
def availability(token: str):
    ids = read("availability", token)
    patient_id, practitioner_id = id_of(ids, "p"), id_of(ids, "r")
    load_patient(patient_id)
    practitioner = portal.practitioner(practitioner_id)
    # Offered to them now (recorded), so each time's booking link works like the ones in the email.
    found = offers.alternatives_for(patient_id, practitioner_id, limit=AVAILABILITY_SHOWN)
    return render_template(
        "portal/availability.html",
        practitioner=practitioner,
        slots=portal.bookable(patient_id, found),
        book_token=patient_links.token("book", p=patient_id),
        patient_url=patient_url(patient_id),
    )
