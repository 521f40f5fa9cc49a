"""What the browser tests share: screen sizes, the sideways-scroll check, screenshots, logging in,
the bell, and holding a request to watch a button."""

import contextlib
import json
import os
import re
import threading
from pathlib import Path

import pytest

from tests.helpers import wait_for

SIZES = {"desk": (1366, 900), "phone": (390, 844)}
SHOTS = os.environ.get("SCREENSHOTS")  # a folder to keep screenshots in, to look at them

# The elements that reach past the screen's right edge (outside any box that scrolls on its own).
WIDE = """() => [...document.querySelectorAll('body *')].filter(e => {
  for (let a = e.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return false;
  return e.getBoundingClientRect().right > window.innerWidth + 1;
}).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))"""


def sideways_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 or less: none)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def fits(page) -> None:
    """Nothing reaches past the screen's width (no sideways scroll); else the test fails
    naming what sticks out. Polled: a page measured mid-load (styles still applying) can
    read wider for a moment."""
    try:
        wait_for(lambda: sideways_overflow(page) <= 0, timeout=3, message="no sideways scroll")
    except AssertionError:
        pytest.fail(f"{page.url} scrolls sideways by {sideways_overflow(page)}px: {page.evaluate(WIDE)}")


def shot(page, name: str) -> None:
    """With SCREENSHOTS set to a folder, keep a full-page screenshot there."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def log_in(page, username: str, password: str | None = None) -> None:
    """Log in through the real form, as a person would."""
    from tests.conftest import PASSWORD

    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password or PASSWORD)
    # Wait for the answer to the form: a goto straight after the click could cancel the POST
    # before its session cookie arrived, and the next page would ask to log in again.
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def choose_patient(page, search: str, name: str) -> None:
    """On a page with the patient chooser (booking, new invoice): search without the list that
    opens as one types, and tick the one patient whose name starts `name`."""
    from playwright.sync_api import expect

    box = page.get_by_label("Find a patient")
    box.fill(search)
    # Enter with no suggestion picked submits the search form, as a keyboard user does; a click on
    # "Search" can land on the suggestion list when it opens over the button (a phone, under load).
    box.press("Enter")
    patient = page.get_by_role("radio", name=re.compile(rf"^{re.escape(name)}\b"))
    expect(patient).to_have_count(1)
    patient.check()


def bell_items(page):
    return page.locator("#bell .bell-items")


def wait_for_bell_loaded(page) -> None:
    """The bell's first refresh (on page load) has filled the dropdown."""
    from playwright.sync_api import expect

    expect(bell_items(page).get_by_text("Mark all read")).to_have_count(1)


def open_bell(page) -> None:
    """Click the bell and wait until the dropdown shows what the refresh it triggers fetched.

    A refresh replaces the dropdown's content with new elements, so marking the
    current ones first tells the refreshed content apart from the old.
    """
    from playwright.sync_api import expect

    wait_for_bell_loaded(page)
    bell_items(page).evaluate("el => el.querySelectorAll('*').forEach((child) => { child.dataset.stale = '1'; })")
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("bell-menu")).to_be_visible()
    expect(bell_items(page).locator("[data-stale]")).to_have_count(0)
    wait_for_bell_loaded(page)


# Reports the state of the submit button labelled `label` (in a POST form in <main>) on the console
# whenever it changes: while a navigation is pending, Playwright's locators and evaluate() wait
# for it to finish, but console messages arrive.
WATCH_BUTTON = """(label) => {
  const button = [...document.querySelectorAll("main form[method=post] button[type=submit]")]
    .find((b) => b.textContent.trim() === label);
  const report = () => console.log("button-state " + JSON.stringify(
    {busy: button.getAttribute("aria-busy"), disabled: button.disabled, text: button.textContent.trim()}));
  new MutationObserver(report).observe(button, {attributes: true, childList: true, subtree: true});
}"""
WORKING = {"busy": "true", "disabled": True, "text": "Working…"}  # a submit button while its form is on its way


def button_state(message) -> dict | None:
    """A `button-state {...}` console message, as the tests' page scripts log them."""
    prefix, _, state = message.text.partition(" ")
    return json.loads(state) if prefix == "button-state" else None


class HoldPosts:
    """WSGI middleware: holds every POST to `path` until released, as a slow connection would;
    `arrived` is set once `expected` of them are waiting."""

    def __init__(self, wsgi_app, path: str, expected: int = 1):
        self.wsgi_app = wsgi_app
        self.path = path
        self.expected = expected
        self.posts = 0
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == self.path:
            with self._lock:
                self.posts += 1
                if self.posts >= self.expected:
                    self.arrived.set()
            self.release.wait(timeout=30)
        return self.wsgi_app(environ, start_response)


@contextlib.contextmanager
def held_posts(app, path: str, expected: int = 1):
    """Every POST to `path` waits (see HoldPosts) while in the block; all are let go at its end."""
    gate = HoldPosts(app.wsgi_app, path, expected)
    app.wsgi_app = gate
    try:
        yield gate
    finally:
        gate.release.set()
        app.wsgi_app = gate.wsgi_app


def press_watching(page, label: str) -> dict:
    """Press the submit button labelled `label` and return its state once it turns disabled."""
    page.evaluate(WATCH_BUTTON, label)
    with page.expect_console_message(lambda message: (button_state(message) or {}).get("disabled")) as seen:
        press(page, page.get_by_role("button", name=label, exact=True))
    return button_state(seen.value)


def press(page, locator) -> None:
    """Click like a person, with the mouse: unlike locator.click(), it does not wait for the
    navigation it starts (a held request would keep that waiting). Scrolls it into view first."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
