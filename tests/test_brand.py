"""The clinic's colour on the pages: Bootstrap's primary from CLINIC_BRAND_COLOUR, readable text on it
and in it (WCAG AA), and a style block the Content-Security-Policy admits by its nonce only."""

import re

import pytest

from dashboard import brand, patient_links
from tests.factories import make_patient

COLOURS = ["#0b6e69", "#ffd400", "#e0f0ff", "#000000", "#ffffff", "#7b2d8e", "#ff6600", "#3cb371"]
NONCE = re.compile(r"<style nonce=\"([^\"]+)\">")


@pytest.mark.parametrize("colour", COLOURS)
def test_text_on_and_in_the_colour_reads_at_aa(colour):
    p = brand.palette(colour)
    best = max(brand.contrast(c, p.primary) for c in (brand.WHITE, brand.DARK))
    assert brand.contrast(p.on_primary, p.primary) == best
    assert brand.contrast(p.on_primary, p.primary) >= 4.5
    assert brand.contrast(p.on_primary, p.hover) >= brand.contrast(p.on_primary, p.primary) - 0.01
    assert brand.contrast(p.text, brand.LIGHT_PAGE) >= 4.5
    assert brand.contrast(p.text, brand.WHITE) >= 4.5


def test_the_text_on_a_button_follows_the_colours_lightness():
    assert brand.palette("#0b6e69").on_primary == brand.WHITE and brand.palette("#0b6e69").dark
    assert brand.palette("#ffd400").on_primary == brand.DARK and not brand.palette("#ffd400").dark
    assert brand.palette("#0b6e69").text == (11, 110, 105)  # dark enough as it is


@pytest.mark.parametrize("setting", ["", "teal", "#12345", "red; } body { display: none", None, "#0B6E69", "0b6e69"])
def test_a_setting_that_is_not_a_colour_is_the_default(setting):
    assert brand.parse(setting) == (11, 110, 105)
    assert "display: none" not in brand.css(setting)


def test_the_pages_carry_the_colour_in_a_style_block_the_csp_admits(app, client, auth, people):
    app.config["CLINIC_BRAND_COLOUR"] = "#7b2d8e"
    pages = {"/login": client.get("/login")}
    auth.login("olive")
    pages["/home"] = client.get("/home")
    pages["/nowhere"] = client.get("/nowhere")  # an error page is branded too
    patient = make_patient("Mere", "Pōmare")
    pages["portal"] = client.get(f"/p/me/{patient_links.token('patient', p=patient.id)}")
    nonces = set()
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        (nonce,) = NONCE.findall(html)
        policy = response.headers["Content-Security-Policy"]
        assert f"style-src 'self' 'nonce-{nonce}';" in policy, name
        assert "unsafe-inline" not in policy
        assert "--bs-primary: #7b2d8e; --bs-primary-rgb: 123, 45, 142;" in html, name
        assert html.count("<style") == 1 and ' style="' not in html, name
        nonces.add(nonce)
    assert len(nonces) == len(pages)  # a new one each response


def test_a_page_without_the_block_keeps_the_strict_policy(client):
    with client.get("/static/css/app.css") as response:
        assert "style-src 'self';" in response.headers["Content-Security-Policy"]
