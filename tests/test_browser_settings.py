"""The clinic settings page in a real browser, on a desk's screen and a phone: the owner changes
the brand colour and the clinic's name, and the very next page wears them; a wrong value is
explained beside its field; a logo uploaded shows in the header."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import SIZES, fits, log_in, shot
from tests.test_clinic_settings import png

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", SIZES)
def test_the_owner_rebrands_the_clinic_on_any_screen(sized, people, size, tmp_path):
    page = sized(size)
    log_in(page, "olive")
    page.goto("/admin/settings")
    fits(page)
    shot(page, f"settings-{size}")
    page.get_by_label("Clinic name").fill("Ngātiwai Health 🌿 O'Brien's")
    page.get_by_label("Brand colour").fill("#aa3300")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text(re.compile("Saved: Clinic name, Brand colour"))).to_be_visible()
    header = page.locator("nav.app-header")
    expect(header).to_have_css("background-color", "rgb(170, 51, 0)")
    expect(header.get_by_text("Ngātiwai Health 🌿 O'Brien's")).to_be_visible()
    expect(page.get_by_test_id("audit").get_by_text("#0b6e69 → #aa3300")).to_be_visible()
    fits(page)

    logo = tmp_path / "logo.png"
    logo.write_bytes(png(8, 4))
    page.get_by_label(re.compile("A PNG, JPEG or SVG")).set_input_files(str(logo))
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_test_id("header-logo")).to_be_visible()
    shot(page, f"settings-saved-{size}")
    page.goto("/home")
    expect(page.locator("nav.app-header")).to_have_css("background-color", "rgb(170, 51, 0)")
    expect(page.get_by_test_id("header-logo")).to_be_visible()
    fits(page)
    shot(page, f"settings-rebranded-{size}")


def test_a_wrong_time_zone_is_explained_beside_it(sized, people):
    page = sized("phone")
    log_in(page, "olive")
    page.goto("/admin/settings")
    page.get_by_label("Time zone").fill("Pacific/Atlantis")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_test_id("error-clinic_timezone")).to_contain_text("is not a time zone")
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    fits(page)
