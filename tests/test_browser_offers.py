"""Offers of new times in a real browser: patients open the booking links from their emails.

Patients never log in: the signed link is the authority. Each patient gets their
own browser context, against one live server; the links are the ones the
`new_availability` emails carry (MAIL_BACKEND is "outbox" in tests).
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dashboard.clinic_time import clinic_datetime, clinic_hour
from dashboard.extensions import db
from dashboard.models import Appointment, EmailMessage, Slot, WaitlistEntry
from dashboard.services import offers, waitlist
from tests.factories import make_patient, make_slot, practitioner_of

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser

EMAIL_ORIGIN = "http://clinic.test"  # BASE_URL in tests
PHONE = {"width": 390, "height": 844}


# ------------------------------------------------------------------ helpers


class _BookLinks(HTMLParser):
    """The hrefs of an email's "Book this time" buttons, in order."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            if self._text.strip() == "Book this time":
                self.links.append(self._href)
            self._href = None


def booking_links(patient, live_server: str) -> dict[int, str]:
    """slot id -> the patient's booking link from their one new-availability email, on the live server."""
    db.session.expire_all()
    emails = db.session.scalars(
        select(EmailMessage).where(EmailMessage.kind == "new_availability", EmailMessage.to_addrs == patient.email)
    ).all()
    assert len(emails) == 1, f"expected one new-availability email to {patient.email}, got {len(emails)}"
    parser = _BookLinks()
    parser.feed(emails[0].html)
    links = {}
    for href in parser.links:
        assert href.startswith(f"{EMAIL_ORIGIN}/"), href
        match = re.search(r"/(\d+)$", href)
        assert match, href
        links[int(match.group(1))] = live_server + href.removeprefix(EMAIL_ORIGIN)
    return links


def appointments_in(slot: Slot) -> list[Appointment]:
    db.session.expire_all()  # the live server wrote them in its own sessions
    return list(db.session.scalars(select(Appointment).where(Appointment.slot_id == slot.id)))


def when(slot: Slot) -> str:
    """A slot's time as the patient pages show it."""
    return f"{clinic_datetime(slot.starts_at)} to {clinic_hour(slot.ends_at)}"


@pytest.fixture
def offered(people, live_server):
    """Ana and Ben wait for drwho; two open times are offered to both (one email each)."""
    practitioner = practitioner_of(people["practitioner"])
    ana, ben = make_patient("Ana", "Waiting"), make_patient("Ben", "Waiting")
    for patient in (ana, ben):
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    first = make_slot(practitioner, starts_in=timedelta(days=2))
    second = make_slot(practitioner, starts_in=timedelta(days=3))
    result = offers.fan_out(practitioner.id, [first.id, second.id])
    assert result["patients"] == 2
    links = {patient.first_name: booking_links(patient, live_server) for patient in (ana, ben)}
    for theirs in links.values():
        assert set(theirs) == {first.id, second.id}
    return {"practitioner": practitioner, "ana": ana, "ben": ben, "slots": (first, second), "links": links}


def book_here(page, slot: Slot, practitioner) -> None:
    """On an offer's page: it shows the time and practitioner; book it and see the confirmation."""
    offer = page.get_by_test_id("offer")
    expect(offer).to_contain_text(when(slot))
    expect(offer).to_contain_text(practitioner.name)
    page.get_by_role("button", name="Book this time", exact=True).click()
    expect(page.get_by_test_id("notice-title")).to_have_text("You're booked")
    expect(page.get_by_test_id("appointment")).to_contain_text(when(slot))


def assert_booked(slot: Slot, patient) -> None:
    booked = appointments_in(slot)
    assert [(a.patient_id, a.status) for a in booked] == [(patient.id, "confirmed")]


# ------------------------------------------------------------------ tests


def test_a_booking_link_books_the_slot_on_a_phone(new_page, offered):
    ana, (first, _second) = offered["ana"], offered["slots"]
    page = new_page()
    page.set_viewport_size(PHONE)

    response = page.goto(offered["links"]["Ana"][first.id])

    assert response is not None and response.status == 200
    assert response.headers.get("referrer-policy") == "no-referrer"
    expect(page.get_by_role("heading", level=1)).to_have_text("Would you like this time?")
    button = page.get_by_role("button", name="Book this time", exact=True)
    expect(button).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    book_here(page, first, offered["practitioner"])

    assert_booked(first, ana)


def test_the_second_patient_finds_the_time_just_taken_and_books_another(new_page, offered):
    ana, ben = offered["ana"], offered["ben"]
    first, second = offered["slots"]
    practitioner = offered["practitioner"]
    # Ben opens his link while the time is still open...
    ben_page = new_page()
    ben_page.goto(offered["links"]["Ben"][first.id])
    expect(ben_page.get_by_test_id("offer")).to_contain_text(when(first))

    # ...Ana, in her own browser, books it first...
    ana_page = new_page()
    ana_page.goto(offered["links"]["Ana"][first.id])
    book_here(ana_page, first, practitioner)
    assert_booked(first, ana)

    # ...and Ben's click finds it taken, with the other open time to book instead.
    with ben_page.expect_response(lambda r: r.request.method == "POST") as posted:
        ben_page.get_by_role("button", name="Book this time", exact=True).click()
    assert posted.value.status == 409
    expect(ben_page.get_by_test_id("notice-title")).to_have_text("This time was just taken")
    expect(ben_page.get_by_test_id("notice-message")).to_have_text("That time was just taken by someone else.")
    alternatives = ben_page.get_by_test_id("alternatives")
    expect(alternatives).to_be_visible()
    expect(alternatives.get_by_role("button")).to_have_count(1)
    expect(alternatives).to_contain_text(when(second))
    expect(ben_page.get_by_text(f"Other open times with {practitioner.name}")).to_be_visible()
    alternatives.get_by_role("button", name=f"Book {when(second)}").click()  # one click books it

    expect(ben_page.get_by_test_id("notice-title")).to_have_text("You're booked")
    expect(ben_page.get_by_test_id("appointment")).to_contain_text(when(second))
    assert_booked(second, ben)
    assert_booked(first, ana)


def test_a_link_opened_after_the_time_was_taken_books_another_time_in_one_click_on_a_phone(new_page, offered):
    ana, ben = offered["ana"], offered["ben"]
    first, second = offered["slots"]
    practitioner = offered["practitioner"]
    ana_page = new_page()
    ana_page.goto(offered["links"]["Ana"][first.id])
    book_here(ana_page, first, practitioner)

    # Ben reads his email later, on his phone.
    ben_page = new_page()
    ben_page.set_viewport_size(PHONE)
    response = ben_page.goto(offered["links"]["Ben"][first.id])

    assert response is not None and response.status == 409
    expect(ben_page.get_by_test_id("notice-title")).to_have_text("This time has been taken")
    expect(ben_page.get_by_role("button", name="Book this time")).to_have_count(0)
    alternatives = ben_page.get_by_test_id("alternatives")
    expect(alternatives).to_contain_text(when(second))
    expect(ben_page.get_by_test_id("keep-waiting")).to_be_visible()
    assert ben_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    button = alternatives.get_by_role("button", name=f"Book {when(second)}")
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    with ben_page.expect_response(lambda r: r.request.method == "POST") as posted:
        button.click()
    assert posted.value.status == 200
    expect(ben_page.get_by_test_id("notice-title")).to_have_text("You're booked")
    expect(ben_page.get_by_test_id("appointment")).to_contain_text(when(second))
    assert ben_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    assert_booked(second, ben)
    assert_booked(first, ana)


def test_keep_me_on_the_waiting_list_from_a_taken_offer(new_page, offered):
    ben = offered["ben"]
    first, second = offered["slots"]
    offers.book(offered["ana"].id, first.id)
    offers.book(offered["ana"].id, second.id)  # nothing left for Ben
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(offered["links"]["Ben"][first.id])
    expect(page.get_by_test_id("no-alternatives")).to_be_visible()

    page.get_by_test_id("keep-waiting").click()

    expect(page.get_by_test_id("notice-title")).to_have_text(
        f"You're still on {offered['practitioner'].name}'s waiting list"
    )
    db.session.expire_all()
    entries = db.session.scalars(select(WaitlistEntry).where(WaitlistEntry.patient_id == ben.id)).all()
    assert [(e.ended_at, e.practitioner_id) for e in entries] == [(None, offered["practitioner"].id)]


def test_a_tampered_link_is_refused_kindly(app, page, offered):
    first = offered["slots"][0]
    link = offered["links"]["Ana"][first.id]
    match = re.fullmatch(r"(.*/p/book/)([^/]+)(/\d+)", link)
    assert match, link
    token = match.group(2)
    middle = len(token) - 10  # inside the signature, where every character counts
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]

    response = page.goto(match.group(1) + tampered + match.group(3))

    assert response is not None and response.status == 400
    assert response.headers.get("referrer-policy") == "no-referrer"
    expect(page.get_by_test_id("notice-title")).to_have_text("This link isn't valid")
    expect(page.get_by_role("button", name="Book this time")).to_have_count(0)
    phone = app.config["CLINIC_PHONE"]
    expect(page.locator("main").get_by_test_id("clinic-phone")).to_have_text(phone)
    expect(page.locator("main")).to_contain_text("Need a hand?")
    expect(page.locator("main")).not_to_contain_text("Error 400")  # no status codes shown to patients
    assert appointments_in(first) == []
