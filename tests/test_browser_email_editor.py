"""The owner rewrites an email in a real browser, on a desk's screen and a phone: a syntax
error shown with its line, a preview at 320 px and 600 px in sandboxed frames, then saved."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import SHOTS, SIZES, fits, log_in, shot
from tests.helpers import wait_for

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser

OWN = "<h1>Kia ora {{ patient.first_name }}!</h1>\n<p>Ngā mihi from O'Brien & the Ngātiwai team 🌿</p>"


def preview_shot(page, name: str) -> None:
    """With SCREENSHOTS set, the screen at the previews (a full-page shot leaves their frames blank)."""
    if SHOTS:
        page.get_by_test_id("preview-subject").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, document.querySelector('#preview').getBoundingClientRect().top - 8)")
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def frame_of(page, test_id: str):
    handle = page.get_by_test_id(test_id).element_handle()
    return wait_for(lambda: handle.content_frame(), message=f"the {test_id} frame")


@pytest.mark.parametrize("size", SIZES)
def test_the_owner_edits_previews_at_both_widths_and_saves(sized, people, size):
    page = sized(size)
    log_in(page, "olive")
    page.goto("/admin/emails")
    fits(page)
    page.get_by_role("link", name="Edit Appointment reminder").click()
    expect(page.get_by_role("heading", name="Appointment reminder")).to_be_visible()
    expect(page.get_by_test_id("variables")).to_contain_text("patient.first_name")
    fits(page)

    page.get_by_label("HTML content").fill("<p>{{ patient.first_name </p>")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("template-error")).to_contain_text("HTML content, line 1:")
    expect(page.get_by_test_id("template-error")).to_contain_text("Nothing was saved")

    page.get_by_label("HTML content").fill(OWN + "\n<p>{{ koha }}</p>")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("template-warning")).to_contain_text("koha")
    expect(page.get_by_test_id("preview-subject")).to_contain_text("Reminder:")
    for width in (320, 600):
        frame = frame_of(page, f"preview-{width}")
        expect(frame.get_by_role("heading", name="Kia ora Aroha!")).to_be_visible()
        expect(frame.get_by_text("Ngā mihi from O'Brien & the Ngātiwai team 🌿")).to_be_visible()
        box = page.get_by_test_id(f"preview-{width}").bounding_box()
        assert box and round(box["width"]) == width
        # The email itself fits its frame: nothing sideways at 320 px.
        assert frame.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    fits(page)
    shot(page, f"email-editor-preview-{size}")
    preview_shot(page, f"email-editor-{size}")

    page.get_by_label("HTML content").fill(OWN)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("Saved: the next appointment reminder email"))).to_be_visible()
    expect(page.get_by_test_id("customised")).to_be_visible()
    page.goto("/admin/emails")
    expect(page.get_by_test_id("kind-appointment_reminder")).to_contain_text("customised")
    page.goto("/admin/emails/appointment_reminder/versions")
    expect(page.get_by_test_id("versions")).to_contain_text("Olive Person")
    fits(page)
