"""Choosing Español on one's account in a real browser, on a desk's screen and a phone: the next
page is in Spanish, and the header, with its longer words, still fits (on one line at 1366px)
and its user menu opens."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import SIZES, fits, log_in, shot

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser


def open_menu(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    # Bootstrap's collapse animates: a click while it is still "collapsing" can miss a toggle.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


@pytest.mark.parametrize("size", SIZES)
def test_the_owner_switches_to_spanish_and_the_header_still_fits(sized, people, size):
    page = sized(size)
    log_in(page, "olive")
    if size == "phone":  # the links are behind the menu button on a phone
        open_menu(page, "Menu")
    page.get_by_test_id("user-menu").get_by_role("button", name=re.compile("Olive Person")).click()
    page.get_by_role("link", name="Language").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your language")
    page.get_by_label("Language").select_option(label="Español")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Su idioma")
    expect(page.get_by_role("alert")).to_contain_text("Sus páginas están ahora en Español.")
    assert page.locator("html").get_attribute("lang") == "es"
    page.goto("/home")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Buen(os días|as tardes|as noches), Olive$"))
    header = page.locator("nav.navbar")
    if size == "desk":
        expect(page.get_by_role("link", name="Listas de espera")).to_be_visible()
        assert header.bounding_box()["height"] < 90, "the Spanish header wraps onto a second line"
        brand = page.locator(".app-brand-name")
        assert brand.evaluate("e => e.scrollWidth <= e.clientWidth"), "the clinic's name is cut short"
        bell = page.get_by_test_id("bell").bounding_box()
        assert bell["x"] + bell["width"] <= 1366 - 12, "the bell reaches the edge"
    fits(page)
    shot(page, f"header-spanish-{size}")

    if size == "phone":
        open_menu(page, "Menú")
        expect(page.get_by_role("link", name="Listas de espera")).to_be_visible()
        fits(page)
    admin = page.get_by_test_id("admin-menu")
    admin.get_by_role("button", name="Gestión").click()
    expect(admin.get_by_role("link", name="Ajustes de la clínica")).to_be_visible()
    fits(page)
    page.keyboard.press("Escape")
    user = page.get_by_test_id("user-menu")
    user.get_by_role("button", name=re.compile("Sesión iniciada como Olive Person")).click()
    expect(user.get_by_role("link", name="Cambiar contraseña")).to_be_visible()
    expect(user.get_by_role("link", name="Idioma")).to_be_visible()
    expect(user.get_by_text("Olive Person · Propietario")).to_be_visible()
    fits(page)
    shot(page, f"user-menu-spanish-{size}")
    user.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()  # the login page follows the browser
