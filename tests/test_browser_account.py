"""The sign-in pages of issue 11 in a real browser, on a desk's screen and a phone: the Users page
with a lock on it (lifted with a click), resetting someone's password, and changing one's own."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.auth import throttle
from tests.browser_helpers import SIZES, fits, log_in, shot
from tests.conftest import PASSWORD

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser

NEW_PASSWORD = "Pōmare's new pass 🌿"


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
