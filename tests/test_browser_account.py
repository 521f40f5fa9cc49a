"""The sign-in pages of issue 11 in a real browser, on a desk's screen and a phone: the Users page
with a lock on it (lifted with a click), resetting someone's password, and changing one's own."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.auth import throttle
from tests.browser_helpers import log_in
from tests.conftest import PASSWORD
from tests.helpers import wait_for

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser

SIZES = {"desk": (1366, 900), "phone": (390, 844)}
NEW_PASSWORD = "Pōmare's new pass 🌿"
SHOTS = os.environ.get("SCREENSHOTS")  # a folder to keep screenshots in, to look at them


WIDE = """() => [...document.querySelectorAll('body *')].filter(e => {
  for (let a = e.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return false;
  return e.getBoundingClientRect().right > window.innerWidth + 1;
}).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))"""


def fits(page) -> None:
    """Nothing reaches past the screen's width (no sideways scroll)."""

    # Polled: a page measured mid-load (styles still applying) can read wider for a moment.
    def overflow() -> int:
        return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")

    try:
        wait_for(lambda: overflow() <= 0, timeout=3, message="no sideways scroll")
    except AssertionError:
        pytest.fail(f"{page.url} scrolls sideways by {overflow()}px: {page.evaluate(WIDE)}")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def sized(browser, live_server):
    contexts = []

    def open_page(size: str):
        width, height = SIZES[size]
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_owner_sees_a_lock_and_lifts_it_on_any_screen(sized, people, size):
    for _ in range(5):
        throttle.record_failure("sam", "203.0.113.7")
    page = sized(size)
    log_in(page, "olive")
    page.goto("/admin/users")
    expect(page.get_by_test_id("locks").get_by_text("203.0.113.7").first).to_be_visible()
    shot(page, f"users-locked-{size}")
    fits(page)
    page.get_by_role("button", name=re.compile("Lift")).first.click()
    expect(page.get_by_text("203.0.113.7")).to_have_count(0)
    assert throttle.locks_for("sam", "203.0.113.7") == []
    fits(page)


@pytest.mark.parametrize("size", SIZES)
def test_changing_ones_own_password_in_the_browser(sized, people, size):
    page = sized(size)
    log_in(page, "sam")
    page.goto("/account/password")
    fits(page)
    shot(page, f"password-{size}")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label(re.compile("again|Confirm", re.I)).fill(NEW_PASSWORD)
    page.get_by_role("button", name=re.compile("Change password")).click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()
    fits(page)
    shot(page, f"password-changed-{size}")


def test_the_owner_resets_a_password_on_a_phone(sized, people):
    page = sized("phone")
    log_in(page, "olive")
    page.goto(f"/admin/users/{people['staff'].id}/password")
    fits(page)
    shot(page, "user-password-phone")
