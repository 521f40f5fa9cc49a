"""A patient chooses Spanish on their own preferences page, in a real browser, at a desk's size and
a phone's: the page comes back in Spanish at once, and so does their own page; neither scrolls
sideways."""

import re

import pytest
from playwright.sync_api import expect

from dashboard import languages, patient_links
from dashboard.clinic_time import clinic_datetime
from dashboard.extensions import db
from dashboard.services import appointments
from tests.browser_helpers import SIZES, fits, shot
from tests.factories import make_patient, make_slot, practitioner_of

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", SIZES)
def test_a_patient_chooses_spanish_and_their_pages_follow(sized, app, people, size):
    patient = make_patient("Mereana", "Pōmare-O'Brien 🌿")
    appointment = appointments.book(
        patient_id=patient.id, slot_id=make_slot(practitioner_of(people["practitioner"])).id, by_user=people["staff"]
    ).appointment
    with app.test_request_context(), languages.writing_in("es"):
        when = clinic_datetime(appointment.starts_at)

    page = sized(size)
    page.goto(f"/p/preferences/{patient_links.token('preferences', p=patient.id)}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Your email preferences")).to_be_visible()
    language = page.get_by_label("Language of our emails and these pages")
    expect(language).to_have_value("en")
    fits(page)

    language.select_option(label="Español")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("saved")).to_have_text("Guardado. Gracias.")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Sus preferencias de correo")).to_be_visible()
    expect(page.get_by_label("Idioma de nuestros correos y de estas páginas")).to_have_value("es")
    shot(page, f"portal-preferences-es-{size}")
    fits(page)
    db.session.refresh(patient)
    assert patient.language == "es"

    page.get_by_test_id("patient-page-link").click()
    expect(page.get_by_role("heading", name="Hola, Mereana")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_test_id("appointment")).to_contain_text(when)
    expect(page.get_by_test_id("appointment")).to_contain_text(
        re.compile(r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo), \d+ de ")
    )
    expect(page.get_by_role("link", name="Elija qué correos recibe")).to_be_visible()
    shot(page, f"portal-me-es-{size}")
    fits(page)
