"""Writing a message from the desk in a real browser, at a desk's size and a phone's: choose the
patient, write, press "Preview email" (the email shows in its frame, nothing is queued), then send;
the page never scrolls sideways."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import EmailMessage
from dashboard.services import patients as patient_service
from tests.browser_helpers import SHOTS, SIZES, choose_patient, fits, log_in, shot

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser


def _desk_emails() -> list[EmailMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "desk_message")))


@pytest.mark.parametrize("size", SIZES)
def test_the_desk_writes_previews_and_sends_a_message(sized, people, size):
    patient = patient_service.create(first_name="Mereana", last_name="Pōmare-O'Brien 🌿",
                                     email="mereana@patients.example.org")  # fmt: skip
    page = sized(size)
    log_in(page, "sam")
    page.goto("/messages/")
    expect(page.get_by_role("heading", name="Messages to patients")).to_be_visible()
    choose_patient(page, "pōm", "Mereana")
    page.get_by_label("Subject").fill("Your results are in {{ 7*7 }}")
    page.get_by_label("Message").fill(
        "Kia ora Mereana,\n\nYour results are in. <b>Nothing</b> to worry about.\nNgā mihi"
    )
    page.get_by_role("button", name="Preview email").click()

    preview = page.get_by_test_id("email-preview")
    expect(preview).to_be_visible()
    expect(page.get_by_test_id("preview-subject")).to_have_text("Your results are in {{ 7*7 }}")
    frame = page.frame_locator("iframe.email-preview-frame")
    expect(frame.get_by_role("heading", name="Your results are in {{ 7*7 }}")).to_be_visible()
    expect(frame.get_by_text("Your results are in. <b>Nothing</b> to worry about.")).to_be_visible()
    expect(frame.get_by_text("Hello Mereana,")).to_be_visible()
    # The email's own styles apply inside the frame (its page lets them through).
    colour = frame.locator("a.button").evaluate("a => getComputedStyle(a).borderTopStyle")
    assert colour == "solid"
    assert _desk_emails() == []
    page.locator("iframe.email-preview-frame").scroll_into_view_if_needed()
    shot(page, f"messages-preview-{size}")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/messages-preview-frame-{size}.png")
    fits(page)

    # The form kept the words; send it.
    expect(page.get_by_label("Subject")).to_have_value("Your results are in {{ 7*7 }}")
    expect(page.locator(f"#patient-{patient.id}")).to_be_checked()
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Your message to 1 patient is on its way.")).to_be_visible()
    expect(page.get_by_test_id("messages")).to_contain_text("Your results are in {{ 7*7 }}")
    fits(page)
    (email,) = _desk_emails()
    assert email.to_addrs == "mereana@patients.example.org"
    assert "<b>Nothing</b> to worry about.\nNgā mihi" in email.text
