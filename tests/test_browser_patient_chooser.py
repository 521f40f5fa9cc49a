"""The patient chooser by keyboard in a real browser, on a desk's screen and a phone: type part of
a name, arrow down to the second of three Grace Clarkes, Enter, book; Esc closes the list."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Appointment
from dashboard.services import appointments, offers, waitlist
from dashboard.services import patients as patient_service
from tests.browser_helpers import SIZES, fits, log_in, shot
from tests.factories import make_slot, practitioner_of

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser


@pytest.fixture
def clarkes(app):
    made = [
        patient_service.create(
            first_name="Grace", last_name="Clarke", phone=f"021 555 010{i}", date_of_birth=date(1980 + i, 12, 4)
        )
        for i in range(3)
    ]
    made.append(patient_service.create(first_name="Mereana", last_name="Pōmare", email="mereana@patients.example.org"))
    return made


@pytest.mark.parametrize("size", SIZES)
def test_the_desk_picks_a_patient_by_keyboard_and_books(sized, people, clarkes, size):
    slot = make_slot(practitioner_of(people["practitioner"]))
    page = sized(size)
    log_in(page, "sam")
    page.goto(f"/appointments/new?slot={slot.id}")
    box = page.get_by_role("combobox", name="Find a patient")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("clar")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(3)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.nth(1)).to_contain_text(clarkes[1].number)
    expect(options.nth(1)).to_contain_text("born 4 Dec 1981")
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "q-listbox-1")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    shot(page, f"chooser-open-{size}")
    fits(page)
    box.press("Enter")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"#patient-{clarkes[1].id}")).to_be_checked()
    shot(page, f"chooser-picked-{size}")
    fits(page)
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_text("Booked Grace Clarke")).to_be_visible()
    db.session.expire_all()
    booked = db.session.scalar(select(Appointment).where(Appointment.slot_id == slot.id))
    assert booked is not None and booked.patient_id == clarkes[1].id


@pytest.mark.parametrize("size", SIZES)
def test_escape_closes_the_list_and_nothing_is_chosen(sized, people, clarkes, size):
    page = sized(size)
    log_in(page, "sam")
    page.goto("/appointments/new")
    box = page.get_by_role("combobox", name="Find a patient")
    box.press_sequentially("pōm")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Mereana Pōmare")
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("input[type=radio][name=patient_id]")).to_have_count(0)
    fits(page)


def test_without_javascript_the_search_button_and_radios_work(new_page, people, clarkes):
    page = new_page(java_script_enabled=False)
    log_in(page, "sam")
    page.goto("/appointments/new")
    page.get_by_label("Find a patient").fill("grace clarke")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("input[type=radio][name=patient_id]")).to_have_count(3)
    expect(page.get_by_text(clarkes[2].number)).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_the_patient_page_fits_every_screen(sized, people, clarkes, size):
    patient = clarkes[3]
    practitioner = practitioner_of(people["practitioner"])
    appointments.book(patient_id=patient.id, slot_id=make_slot(practitioner).id, by_user=people["staff"])
    waitlist.add(practitioner.id, patient.id, by_user=people["staff"], preferences="Mornings, not Fridays")
    offers.fan_out(practitioner.id, [make_slot(practitioner, starts_in=timedelta(days=3)).id])
    page = sized(size)
    log_in(page, "sam")
    page.goto(f"/patients/{patient.id}")
    expect(page.get_by_test_id("patient-number")).to_have_text(patient.number)
    expect(page.get_by_test_id("patient-dob")).to_have_text("—")
    expect(page.get_by_test_id("appointment-row")).to_have_count(1)
    expect(page.get_by_test_id("patient-invoices")).to_contain_text("No invoices yet.")
    expect(page.get_by_test_id("patient-waiting")).to_contain_text("Mornings, not Fridays")
    expect(page.get_by_test_id("patient-offers")).to_contain_text("Offered")
    expect(page.get_by_test_id("patient-emails")).to_contain_text("Appointment confirmation")
    shot(page, f"patient-page-{size}")
    fits(page)
