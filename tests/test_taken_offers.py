"""An offer opened after someone else booked it (the patient read the email later): the page
shows the practitioner's other open times, each booked with one click, and a button to stay
on the waiting list. Opening the page chooses nothing for the patient: only the buttons do.
"""

import html
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import func, select

from dashboard import patient_links
from dashboard.extensions import db
from dashboard.models import Appointment, AppointmentStatus, Offer, OfferStatus, WaitlistEntry
from dashboard.models.base import utcnow
from dashboard.services import appointments, offers, portal, slots, waitlist
from dashboard.services.users import set_active
from tests.conftest import CSRF_INPUT
from tests.factories import make_patient, make_slot, practitioner_of

POST_FORM = re.compile(r'<form method="post" action="(/p/book/([^/"]+)/(\d+))"')


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def title(response) -> str:
    match = re.search(r'data-testid="notice-title">([^<]*)<', text(response))
    return match.group(1) if match else ""


def csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match, "no form on the page"
    return match.group(1) or match.group(2)


def booking_buttons(page: str) -> dict[int, str]:
    """slot id -> the action of its one-click "Book" form."""
    return {int(slot_id): action for action, _token, slot_id in POST_FORM.findall(page)}


def link(patient, slot) -> str:
    return f"/p/book/{patient_links.token('book', p=patient.id)}/{slot.id}"


def open_entries(patient) -> list[WaitlistEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(WaitlistEntry).where(WaitlistEntry.patient_id == patient.id, WaitlistEntry.ended_at.is_(None))
        )
    )


@pytest.fixture
def taken(app, people):
    """Ana and Ben wait for drwho (Mere Pōmare too, with a request); a new time and a later one
    are offered to all; Ana books the new one. Ben reads his email afterwards."""
    practitioner = practitioner_of(people["practitioner"])
    ana, ben = make_patient("Ana", "Ngātiwai"), make_patient("Ben", "O'Brien")
    for patient in (ana, ben):
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    slot = make_slot(practitioner, starts_in=timedelta(days=2))
    later = make_slot(practitioner, starts_in=timedelta(days=4))
    offers.fan_out(practitioner.id, [slot.id, later.id])
    offers.book(ana.id, slot.id)
    return SimpleNamespace(practitioner=practitioner, ana=ana, ben=ben, slot=slot, later=later, people=people)


def test_a_taken_offer_shows_the_other_times_and_one_click_books_one(client, taken):
    # A time that opened after the email went out (never offered to Ben) is shown too.
    fresh = make_slot(taken.practitioner, starts_in=timedelta(days=6))
    page = client.get(link(taken.ben, taken.slot))
    assert page.status_code == 409 and title(page) == "This time has been taken"
    body = text(page)
    assert f"Other open times with {taken.practitioner.name}" in body
    buttons = booking_buttons(body)
    assert list(buttons) == [taken.later.id, fresh.id]
    assert {patient_links.read("book", token)["p"] for _a, token, _s in POST_FORM.findall(body)} == {taken.ben.id}
    assert 'data-testid="keep-waiting"' in body

    # One POST, with the page's own CSRF token, and Ben is booked: no second page to confirm on.
    booked = client.post(buttons[fresh.id], data={"csrf_token": csrf(body)})
    assert booked.status_code == 200 and title(booked) == "You're booked"
    mine = db.session.scalar(select(Appointment).where(Appointment.patient_id == taken.ben.id))
    assert (mine.slot_id, mine.status) == (fresh.id, AppointmentStatus.CONFIRMED)
    assert open_entries(taken.ben) == []  # booked with drwho: off the list


def test_opening_the_page_chooses_nothing_for_the_patient(client, taken):
    before = open_entries(taken.ben)
    for _ in range(2):  # a mail scanner, then the patient
        assert client.get(link(taken.ben, taken.slot)).status_code == 409
    assert [e.id for e in open_entries(taken.ben)] == [e.id for e in before]
    assert db.session.scalar(select(func.count(Appointment.id))) == 1  # Ana's
    ben_offers = db.session.scalars(select(Offer).where(Offer.patient_id == taken.ben.id)).all()
    assert {o.slot_id: o.status for o in ben_offers} == {
        taken.slot.id: OfferStatus.TAKEN,
        taken.later.id: OfferStatus.OFFERED,
    }


def test_keep_me_on_the_waiting_list_puts_the_patient_back_once(client, taken):
    [entry] = open_entries(taken.ben)
    waitlist.remove(entry.id, by_user=taken.people["staff"])
    booking = link(taken.ben, taken.slot)  # once: a link signed a second later reads differently
    page = text(client.get(booking))
    action = f"{booking}/waitlist"
    assert f'action="{action}"' in page

    refused = client.post(action)  # no CSRF token: nothing changes
    assert refused.status_code == 400 and open_entries(taken.ben) == []

    added = client.post(action, data={"csrf_token": csrf(page)})
    assert added.status_code == 200 and title(added) == f"You're on {taken.practitioner.name}'s waiting list"
    assert "We'll email you when a new time with" in text(added)
    [entry] = open_entries(taken.ben)
    assert entry.practitioner_id == taken.practitioner.id and entry.created_by_id is None
    assert [i.patient.id for i in offers.interested(taken.practitioner.id)] == [taken.ben.id]  # Ana booked

    again = client.post(action, data={"csrf_token": csrf(page)})
    assert again.status_code == 200 and title(again) == f"You're still on {taken.practitioner.name}'s waiting list"
    assert len(open_entries(taken.ben)) == 1


def test_a_patient_waiting_through_a_request_is_not_put_on_the_list_twice(client, app, taken):
    mere = make_patient("Mere", "Pōmare")
    request_slot = make_slot(taken.practitioner, starts_in=timedelta(days=9))
    requested = appointments.book(
        patient_id=mere.id, slot_id=request_slot.id, by_user=taken.people["staff"], confirmed=False
    ).appointment
    newest = make_slot(taken.practitioner, starts_in=timedelta(days=3))
    offers.fan_out(taken.practitioner.id, [newest.id])
    offers.book(taken.ben.id, newest.id)
    page = text(client.get(link(mere, newest)))
    response = client.post(f"{link(mere, newest)}/waitlist", data={"csrf_token": csrf(page)})
    assert response.status_code == 200 and title(response) == "Your request is still with the clinic"
    assert open_entries(mere) == []
    db.session.refresh(requested)
    assert requested.status == AppointmentStatus.PENDING


def test_a_patient_who_turned_off_offers_is_told_how_to_hear_of_one(client, taken):
    portal.unsubscribe(taken.ben.id, "new_availability")
    page = text(client.get(link(taken.ben, taken.slot)))
    response = client.post(f"{link(taken.ben, taken.slot)}/waitlist", data={"csrf_token": csrf(page)})
    assert response.status_code == 200
    assert "turned off our emails about new times" in text(response)
    assert re.search(r'href="/p/preferences/[^"]+">Turn on emails about new times<', text(response))


def test_a_withdrawn_offer_shows_the_other_times_too(client, taken):
    slots.block_slot(taken.later.id, taken.people["staff"])
    other = make_slot(taken.practitioner, starts_in=timedelta(days=8))
    page = client.get(link(taken.ben, taken.later))
    assert page.status_code == 409 and title(page) == "This time is no longer available"
    assert list(booking_buttons(text(page))) == [other.id]
    assert 'data-testid="keep-waiting"' in text(page)


def test_an_offer_whose_time_passed_shows_the_other_times(client, taken):
    soon = make_slot(taken.practitioner, starts_in=timedelta(hours=1))
    offers.fan_out(taken.practitioner.id, [soon.id])
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        offers.advance()  # the cron: offers of times that have passed expire
        db.session.expire_all()
        assert offers.offer_for(taken.ben.id, soon.id).status == OfferStatus.EXPIRED
        page = client.get(link(taken.ben, soon))
        assert page.status_code == 409 and title(page) == "This time has passed"
        assert list(booking_buttons(text(page))) == [taken.later.id]


@pytest.mark.config(OFFER_MODE="one_at_a_time")
def test_one_at_a_time_there_are_no_times_to_show_but_the_list_button_stays(client, app, people):
    practitioner = practitioner_of(people["practitioner"])
    ana, ben = make_patient("Ana"), make_patient("Ben")
    for patient in (ana, ben):
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    slot = make_slot(practitioner)
    offers.fan_out(practitioner.id, [slot.id])
    offers.book(ana.id, slot.id)  # held for Ana, who books it; Ben was queued behind her
    page = client.get(link(ben, slot))
    assert page.status_code == 409
    assert booking_buttons(text(page)) == {} and 'data-testid="no-alternatives"' not in text(page)
    assert 'data-testid="keep-waiting"' in text(page)


def test_no_list_button_once_the_practitioner_has_left(client, taken):
    page = text(client.get(link(taken.ben, taken.slot)))
    set_active(taken.people["practitioner"].id, False, acting_user_id=taken.people["owner"].id)
    assert 'data-testid="keep-waiting"' not in text(client.get(link(taken.ben, taken.slot)))
    response = client.post(f"{link(taken.ben, taken.slot)}/waitlist", data={"csrf_token": csrf(page)})
    assert response.status_code == 409 and "isn't taking appointments any more" in text(response)
