"""The shell in a real browser: the owner's header fits one line of a 1366px desk screen, its admin
pages and the user menu open from the keyboard (and show as lists without JavaScript), the bell's
menu fits a phone, and cancelling an appointment asks first, with or without JavaScript."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dashboard.extensions import db
from dashboard.models import Notification
from dashboard.services import appointments
from tests.browser_helpers import fits, log_in, open_bell, shot
from tests.factories import make_patient, make_slot, practitioner_of
from tests.test_browser_every_page import AXE

SERIOUS_IN = """async (selector) => (await axe.run(selector, {resultTypes: ["violations"]})).violations
  .filter(v => v.impact === "serious" || v.impact === "critical").map(v => v.id)"""

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser

LOGIN = re.compile(r"/login$")


def test_the_owners_header_is_one_line_at_1366(sized, people):
    page = sized(1366, 900)
    log_in(page, "olive")
    header = page.locator("nav.navbar")
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    assert header.bounding_box()["height"] < 90, "the header wraps onto a second line"
    name = page.get_by_test_id("signed-in-as").bounding_box()
    assert name["height"] < 45, "the name wraps"
    bell = page.get_by_test_id("bell").bounding_box()
    assert bell["x"] + bell["width"] <= 1366 - 12, "the bell reaches the edge"
    fits(page)
    shot(page, "header-owner-desk")

    # The admin pages, from the keyboard: Tab to "Admin", Enter opens it, arrows move in it.
    admin = page.get_by_test_id("admin-menu")
    toggle = admin.get_by_role("button", name="Admin")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(admin.get_by_role("link", name="Users", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    admin.get_by_role("button", name="Admin").click()
    admin.get_by_role("link", name="Outbox", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    expect(page.get_by_test_id("admin-menu").get_by_role("button", name="Admin")).to_have_class(re.compile("active"))
    fits(page)

    # The user menu: change password, log out (a POST with its CSRF token).
    user = page.get_by_test_id("user-menu")
    user.get_by_role("button", name=re.compile("Olive Person")).click()
    expect(user.get_by_role("link", name="Change password")).to_be_visible()
    user.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(LOGIN)
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)


@pytest.mark.parametrize("width", [390, 320])
def test_the_bells_menu_fits_a_phone(sized, people, width):
    for n in range(3):  # unread, on the colour's pale wash: still readable (axe, below)
        db.session.add(
            Notification(user_id=people["staff"].id, kind="test", title=f"Offered 5 new times ({n})", body="Dr Pōmare")
        )
    db.session.commit()
    page = sized(width, 844)
    page.context.add_init_script(path=str(AXE))
    log_in(page, "sam")
    open_bell(page)
    menu = page.get_by_test_id("bell-menu").bounding_box()
    assert menu["x"] >= 0 and menu["x"] + menu["width"] <= width, menu
    fits(page)
    assert page.evaluate(SERIOUS_IN, "#bell") == []
    shot(page, f"bell-phone-{width}")

    # The menu button opens the links and the user menu; Log out is in it.
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Menu").click()
    # Bootstrap's collapse animates: a click while it is still "collapsing" can miss the toggle.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.get_by_test_id("signed-in-as").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    fits(page)
    shot(page, f"menu-phone-{width}")


def test_the_menus_work_without_javascript(sized, people):
    page = sized("phone", java_script_enabled=False)
    log_in(page, "olive")
    expect(page.get_by_role("link", name="Users", exact=True)).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(LOGIN)


@pytest.mark.parametrize("javascript", [True, False])
def test_cancelling_an_appointment_asks_first(new_page, people, javascript):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Grace", "Clarke")
    slot = make_slot(practitioner, starts_in=timedelta(days=3))
    booked = appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"]).appointment
    page = new_page(java_script_enabled=javascript)
    log_in(page, "sam")
    page.goto(f"/appointments/{booked.id}")
    page.get_by_label("Reason for cancelling").fill("Dr Who is unwell")
    confirm = page.get_by_role("button", name="Yes, cancel and email Grace")
    expect(confirm).to_be_hidden()
    page.get_by_text("Cancel appointment…").click()
    expect(page.get_by_test_id("cancel-warning")).to_have_text(re.compile(r"^This emails Grace Clarke now"))
    confirm.click()
    expect(page.get_by_text("Cancelled Grace Clarke's appointment")).to_be_visible()
