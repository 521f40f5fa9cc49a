""" "Confirmed by patient" in a real browser: the calendar's entry (its tick and colour), the day
sheet, the appointment's page and the patient's own page pass axe (contrast included) and fit a
phone, as every page does (the checks: tests/test_browser_every_page.py)."""

import re

import pytest

from dashboard import patient_links
from dashboard.clinic_time import clinic_zone
from dashboard.services import appointments
from tests.factories import make_patient, make_slot, practitioner_of
from tests.test_access import PRACTITIONER, STAFF
from tests.test_browser_every_page import PATIENT, Visit

pytest_plugins = ["tests.browser_support"]  # live_server, browser
pytestmark = pytest.mark.browser


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of two computed `rgb(...)` colours (axe skips the aria-hidden tick)."""

    def luminance(colour: str) -> float:
        red, green, blue = (int(c) / 255 for c in re.findall(r"\d+", colour)[:3])
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_patients_word_is_shown_legibly_everywhere(browser, live_server, people):
    practitioner = practitioner_of(people[PRACTITIONER])
    patient = make_patient("Tūī", "Ngātiwai-O'Brien 🌿")
    coming = appointments.book(
        patient_id=patient.id, slot_id=make_slot(practitioner).id, by_user=people[STAFF]
    ).appointment
    assert appointments.patient_confirms(coming.id) == "coming"
    day = coming.starts_at.astimezone(clinic_zone()).date().isoformat()

    desk = Visit(browser, live_server, STAFF)
    try:
        desk.check(f"/calendar/?day={day}")
        entry = desk.tab.get_by_test_id("calendar-grid").locator(".cal-patient-confirmed")
        assert entry.locator(".cal-tick").is_visible() and "Confirmed by patient" in entry.inner_text()
        tick = entry.locator(".cal-tick").evaluate("e => getComputedStyle(e).color")
        assert contrast(tick, entry.evaluate("e => getComputedStyle(e).backgroundColor")) >= 4.5
        desk.check(f"/calendar/print?day={day}")
        desk.check(f"/appointments/{coming.id}")
        assert "The patient confirmed on" in desk.tab.get_by_test_id("history").inner_text()
    finally:
        desk.close()
    them = Visit(browser, live_server, PATIENT)
    try:
        them.check(f"/p/appointment/{patient_links.token('appointment', a=coming.id, p=patient.id)}")
        assert "You told us you're coming" in them.tab.get_by_test_id("patient-confirmed").inner_text()
    finally:
        them.close()
    assert not desk.failures + them.failures, "\n".join(desk.failures + them.failures)
