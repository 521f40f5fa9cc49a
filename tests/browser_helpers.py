"""What the browser tests share: logging in, the bell, and holding a request to watch a button."""

import json
import threading


def log_in(page, username: str, password: str | None = None) -> None:
    """Log in through the real form, as a person would."""
    from tests.conftest import PASSWORD

    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password or PASSWORD)
    page.get_by_role("button", name="Log in").click()


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


def press(page, locator) -> None:
    """Click like a person, with the mouse: unlike locator.click(), it does not wait for the
    navigation it starts (a held request would keep that waiting). Scrolls it into view first."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
