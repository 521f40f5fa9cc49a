"""The dashboard in a real browser: headless Chromium against the app on a real port.

What only a browser shows: the login form end to end, the bell's JavaScript
(badge, dropdown, refresh without a reload) and the forms' loading state.
"""

import re
import threading

import pytest
from playwright.sync_api import expect

from dashboard.extensions import db
from dashboard.models import Notification
from tests.browser_helpers import (
    WATCH_BUTTON,
    WORKING,
    bell_items,
    button_state,
    log_in,
    open_bell,
    wait_for_bell_loaded,
)
from tests.conftest import PASSWORD
from tests.helpers import wait_for

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser

HOME = re.compile(r"/home$")
LOGIN = re.compile(r"/login$")


def notify(user, title: str, body: str = "") -> None:
    db.session.add(Notification(user_id=user.id, kind="test", title=title, body=body, link=None))
    db.session.commit()


def test_staff_logs_in_and_reads_the_bell(page, people):
    notify(people["staff"], "Stock count due", "Count the gloves")

    log_in(page, "sam")

    expect(page).to_have_url(HOME)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Good "))
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Sam Person")
    badge = page.get_by_test_id("bell-count")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")

    open_bell(page)
    menu = page.get_by_test_id("bell-menu")
    expect(menu).to_contain_text("Stock count due")
    expect(menu).to_contain_text("Count the gloves")

    with page.expect_navigation():
        menu.get_by_role("button", name="Mark all read").click()

    expect(page).to_have_url(HOME)
    expect(badge).to_be_hidden()
    expect(badge).to_have_text("0")


def test_wrong_password_is_refused(page, people):
    log_in(page, "sam", "not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("Invalid username or password.")
    expect(page).to_have_url(LOGIN)
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)


def test_bell_refreshes_without_a_reload(page, people):
    log_in(page, "sam")
    expect(page).to_have_url(HOME)
    badge = page.get_by_test_id("bell-count")
    expect(badge).to_be_hidden()
    wait_for_bell_loaded(page)
    expect(bell_items(page)).to_contain_text("Nothing new.")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)

    notify(people["staff"], "Fridge temperature alarm")
    open_bell(page)

    expect(page.get_by_test_id("bell-menu")).to_contain_text("Fridge temperature alarm")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    assert navigations == [], "the page reloaded"


class HoldFirstLogin:
    """WSGI middleware: counts the POST /login requests the server gets, and holds the first
    one until released, as a slow connection would, while the person tries again."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.posts = 0
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/login":
            with self._lock:
                self.posts += 1
                first = self.posts == 1
            if first:
                self.arrived.set()
                self.release.wait(timeout=30)
        return self.wsgi_app(environ, start_response)


def centre(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_login_button_shows_loading_and_submits_once(app, page, people):
    gate = HoldFirstLogin(app.wsgi_app)
    app.wsgi_app = gate
    try:
        page.goto("/login")
        page.get_by_label("Username", exact=True).fill("sam")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        button, remember = centre(page, "main form button[type=submit]"), centre(page, "#remember")
        page.evaluate(WATCH_BUTTON, "Log in")

        # An impatient double-click: the button shows it is working and turns disabled.
        with page.expect_console_message(lambda message: (button_state(message) or {}).get("disabled")) as seen:
            page.mouse.dblclick(*button)
        assert button_state(seen.value) == WORKING
        wait_for(gate.arrived.is_set, message="the first POST /login")

        # Still waiting: tick "Keep me logged in" (changing the form data, so Chromium cannot drop a
        # second submission as a duplicate of the first), press Enter, click again. None may send it.
        page.mouse.click(*remember)
        page.keyboard.press("Enter")
        page.mouse.click(*button)
        gate.release.set()

        expect(page).to_have_url(HOME)
        expect(page.get_by_test_id("signed-in-as")).to_contain_text("Sam Person")
        assert gate.posts == 1
    finally:
        gate.release.set()


def test_each_role_sees_its_own_navigation(new_page, people):
    practitioner = new_page()
    log_in(practitioner, "drwho")
    expect(practitioner).to_have_url(HOME)
    nav = practitioner.locator("#main-nav")
    expect(nav.get_by_role("link", name="My day", exact=True)).to_be_visible()
    expect(practitioner.get_by_test_id("panel").filter(has_text="Today's appointments")).to_be_visible()
    expect(nav.get_by_role("link", name="Users", exact=True)).to_have_count(0)

    owner = new_page()
    log_in(owner, "olive")
    expect(owner).to_have_url(HOME)
    admin = owner.get_by_test_id("admin-menu")
    admin.get_by_role("button", name="Admin").click()  # the admin pages are in one menu
    expect(admin.get_by_role("link", name="Users", exact=True)).to_be_visible()
    expect(admin.get_by_role("link", name="Outbox", exact=True)).to_be_visible()
