"""The clinic's calendar in a real browser: the day on a desk's screen and a phone (no sideways
scroll of the page), booking an open slot in three clicks without leaving it, moving an
appointment by the picker and by dragging it, and the printed day sheet."""

import io
import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from dashboard.clinic_time import clinic_today, describe
from dashboard.extensions import db
from dashboard.models import Appointment, EmailMessage, SlotStatus
from dashboard.services.users import create_user
from tests.browser_helpers import SIZES, fits, log_in, shot
from tests.conftest import PASSWORD
from tests.factories import make_patient, practitioner_of
from tests.test_calendar_pages import booked, slot_at

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser


@pytest.fixture
def clinic(people):
    """Three practitioners' tomorrow: open, booked, requested and blocked slots."""
    day = clinic_today() + timedelta(days=1)
    doctors = [practitioner_of(people["practitioner"])]
    for username, name in [("wilson", "Dr Mere Wilson"), ("pomare", "Dr Hōne Pōmare")]:
        user = create_user(
            username=username,
            email=f"{username}@clinic.example.org",
            full_name=name,
            role="practitioner",
            password=PASSWORD,
            specialty="Physiotherapy",
        )
        doctors.append(practitioner_of(user))
    grace = make_patient("Grace", "Clarke")
    hemi = make_patient("Hemi", "O'Brien 🌿")
    first = doctors[0]
    made = {
        "day": day,
        "doctor": first,
        "grace": grace,
        "open": slot_at(first, day, time(9)),
        "later": slot_at(first, day, time(10)),
        "booked": booked(slot_at(first, day, time(9, 30)), hemi, reason="Sore knee after the long run"),
    }
    for doctor in doctors[1:]:
        for hour in range(8, 17):
            slot = slot_at(doctor, day, time(hour))
            if hour % 3 == 0:
                booked(slot, make_patient("Ana", "Ngātiwai"), reason="Check-up")
        slot_at(doctor, day, time(17), status=SlotStatus.BLOCKED)
    return made


def open_day(page, clinic) -> None:
    page.goto(f"/calendar/?day={clinic['day'].isoformat()}")
    expect(page.get_by_test_id("calendar-grid")).to_be_visible()
    page.evaluate("window.__sameDocument = true")


def still_same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


@pytest.mark.parametrize("size", SIZES)
def test_the_day_fits_any_screen(sized, clinic, size):  # noqa: F811
    page = sized(size)
    log_in(page, "sam")
    open_day(page, clinic)
    expect(page.get_by_test_id(f"entry-{clinic['booked'].slot_id}")).to_contain_text("O'Brien")
    fits(page)
    if size == "phone":  # the grid scrolls inside its own box, not the page
        assert page.evaluate(
            "(() => { const s = document.querySelector('.cal-scroll'); return s.scrollWidth > s.clientWidth; })()"
        )
    shot(page, f"calendar-day-{size}")
    page.get_by_test_id(f"entry-{clinic['open'].id}").click()
    expect(page.get_by_test_id("panel-content")).to_be_visible()
    fits(page)
    shot(page, f"calendar-panel-{size}")


def test_booking_an_open_slot_takes_three_clicks_and_no_reload(sized, clinic):  # noqa: F811
    page = sized("desk")
    log_in(page, "sam")
    open_day(page, clinic)
    slot = clinic["open"]
    page.get_by_test_id(f"entry-{slot.id}").click()  # 1
    panel = page.get_by_test_id("calendar-panel")
    expect(panel.get_by_test_id("chosen-slot")).to_contain_text("9:00 am")
    panel.get_by_label("Find a patient").fill("Grace")
    panel.get_by_label("Find a patient").press("Enter")
    panel.get_by_label(re.compile("Grace Clarke")).click()  # 2
    panel.get_by_role("button", name="Book").click()  # 3
    expect(panel).to_contain_text("Booked Grace Clarke")
    expect(page.get_by_test_id(f"entry-{slot.id}")).to_have_attribute("data-status", "confirmed")
    expect(page.get_by_test_id(f"entry-{slot.id}")).to_contain_text("Grace Clarke")
    assert still_same_document(page) and "/calendar/" in page.url
    [appointment] = db.session.query(Appointment).filter_by(slot_id=slot.id).all()
    assert appointment.patient_id == clinic["grace"].id
    assert db.session.query(EmailMessage).filter_by(kind="appointment_confirmation").count() == 1
    shot(page, "calendar-booked-desk")


def test_the_panels_chooser_searches_as_you_type(sized, clinic):  # noqa: F811
    """The booking form htmx brings into the panel gets the same combobox as the booking page."""
    page = sized("desk")
    log_in(page, "sam")
    open_day(page, clinic)
    slot = clinic["open"]
    page.get_by_test_id(f"entry-{slot.id}").click()
    panel = page.get_by_test_id("calendar-panel")
    box = panel.get_by_role("combobox", name="Find a patient")
    box.press_sequentially("Grace", delay=30)
    expect(panel.get_by_role("listbox").get_by_role("option").first).to_contain_text("Grace Clarke")
    box.press("ArrowDown")
    box.press("Enter")
    expect(panel.get_by_label(re.compile("Grace Clarke"))).to_be_checked()
    panel.get_by_role("button", name="Book").click()
    expect(panel).to_contain_text("Booked Grace Clarke")
    assert still_same_document(page)


def test_moving_by_the_picker(sized, clinic):  # noqa: F811
    page = sized("desk")
    log_in(page, "sam")
    open_day(page, clinic)
    appointment, later = clinic["booked"], clinic["later"]
    page.get_by_test_id(f"entry-{appointment.slot_id}").click()
    panel = page.get_by_test_id("calendar-panel")
    picker = panel.get_by_label("Move to")
    expect(picker).to_have_value("")  # nothing chosen for the desk
    panel.get_by_role("button", name="Move and email the patient").click()
    expect(panel).to_contain_text("Choose the new time from the list first.")
    panel.get_by_label("Move to").select_option(label=describe(later.starts_at))
    panel.get_by_role("button", name="Move and email the patient").click()
    expect(panel).to_contain_text(f"Moved Hemi O'Brien 🌿 to {describe(later.starts_at)}")
    expect(page.get_by_test_id(f"entry-{later.id}")).to_have_attribute("data-status", "confirmed")
    expect(page.get_by_test_id(f"entry-{appointment.slot_id}")).to_have_attribute("data-status", "open")
    assert still_same_document(page)
    assert db.session.query(EmailMessage).filter_by(kind="reschedule_approved").count() == 1


def test_moving_by_dragging_asks_first(sized, clinic):  # noqa: F811
    page = sized("desk")
    log_in(page, "sam")
    open_day(page, clinic)
    appointment, later = clinic["booked"], clinic["later"]
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    source = page.get_by_test_id(f"entry-{appointment.slot_id}")
    source.drag_to(page.get_by_test_id(f"entry-{later.id}"))  # dismissed: nothing moves
    expect(source).to_have_attribute("data-status", "confirmed")
    assert asked == [f"Move Hemi O'Brien 🌿 to {describe(later.starts_at)}? This emails them now."]
    source.drag_to(page.get_by_test_id(f"entry-{later.id}"))
    expect(page.get_by_test_id("calendar-panel")).to_contain_text("Moved Hemi O'Brien 🌿")
    expect(page.get_by_test_id(f"entry-{later.id}")).to_have_attribute("data-status", "confirmed")
    assert db.session.query(EmailMessage).filter_by(kind="reschedule_approved").count() == 1
    assert still_same_document(page)


def test_the_day_sheet_prints_without_the_navigation(sized, clinic):  # noqa: F811
    page = sized("desk")
    log_in(page, "sam")
    open_day(page, clinic)
    page.get_by_test_id("print-link").click()
    expect(page.get_by_test_id("sheet-title")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    pdf = page.pdf(format="A4")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for words in ("Hemi O'Brien", "+64 21 555 0100", "Sore knee after the long run", "9:30 am", "Dr Mere Wilson"):
        assert words in text, words
    assert "Log out" not in text and "Day sheet" not in text
    shot(page, "calendar-sheet-print")


@pytest.mark.parametrize("size", SIZES)
def test_a_practitioners_week_from_the_day_and_a_move_to_another_day(sized, clinic, size):  # noqa: F811
    """The day's column heading opens the practitioner's week; an appointment dragged to
    another day of it moves there (a mouse: the desk's size only)."""
    doctor, appointment = clinic["doctor"], clinic["booked"]
    next_day = slot_at(doctor, clinic["day"] + timedelta(days=1), time(11))
    page = sized(size)
    log_in(page, "sam")
    open_day(page, clinic)
    page.get_by_test_id(f"week-link-{doctor.id}").click()
    expect(page.get_by_test_id("calendar-title")).to_have_text(doctor.name)
    expect(page.get_by_test_id("week-view")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id(f"entry-{appointment.slot_id}")).to_contain_text("O'Brien")
    fits(page)
    if size == "phone":  # one column at a time: today's, not Monday's
        today = page.locator(".cal-head-today")
        if today.count():
            box = today.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    shot(page, f"calendar-week-{size}")
    if size != "desk" or (clinic["day"] + timedelta(days=1)).weekday() == 0:
        return  # a phone has no mouse; the day after may be next week's Monday
    page.evaluate("window.__sameDocument = true")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id(f"entry-{appointment.slot_id}").drag_to(page.get_by_test_id(f"entry-{next_day.id}"))
    expect(page.get_by_test_id("calendar-panel")).to_contain_text(f"to {describe(next_day.starts_at)}")
    expect(page.get_by_test_id(f"entry-{next_day.id}")).to_have_attribute("data-status", "confirmed")
    expect(page.get_by_test_id("calendar-grid")).to_have_class(re.compile("cal-cols-7"))
    assert still_same_document(page)
