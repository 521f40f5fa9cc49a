"""Every page a patient can reach from their emails, rendered for a patient who reads `language`:
real rows (tests/factories.py), real signed links, real form posts. Used by
tests/test_translations.py to compare the English and the Spanish pages word for word.

Each call makes its own practitioner and patient, with the same names and the same times as
the other language's, so the two renders differ only in their words."""

import re
from datetime import timedelta

import time_machine

from dashboard import patient_links
from dashboard.extensions import db
from dashboard.models import Role
from dashboard.models.base import utcnow
from dashboard.services import appointments, offers, waitlist
from dashboard.services.users import create_user
from tests.conftest import CSRF_INPUT, PASSWORD
from tests.factories import make_patient, make_slot, practitioner_of

FIRST, LAST = "Mereana", "Pōmare-O'Brien 🌿"
PRACTITIONER, SPECIALTY = "Dr Aroha Ngātiwai", "Physiotherapy"
REASON = "Booked with Dr Ngātiwai's clinic by mistake"
CANCEL_REASON = "I'm away that week, sorry 🌿"
NOTE = "Any afternoon after 3pm, please"
WANTED = ["appointment_reminder", "payment_reminder", "new_availability"]  # every optional email, kept on


# The slots start on the hour, the same hours for both languages' patients (one anchor per run).
ANCHOR = (utcnow() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)


def _in(days: int) -> timedelta:
    return ANCHOR + timedelta(days=days, seconds=30) - utcnow()  # make_slot drops the seconds


def fixture_values() -> list[str]:
    """The data these pages show (names, the reasons and notes typed in): not for a catalogue."""
    return [FIRST, LAST, f"{FIRST} {LAST}", PRACTITIONER, SPECIALTY, REASON, CANCEL_REASON, NOTE]


class _Visit:
    def __init__(self, client, language: str):
        self.client, self.headers, self.pages = client, {"Accept-Language": language}, {}

    def get(self, name: str, path: str, status: int = 200) -> str:
        response = self.client.get(path, headers=self.headers, follow_redirects=True)
        assert response.status_code == status, f"{name}: GET {path} answered {response.status_code}, not {status}"
        self.pages[name] = page = response.get_data(as_text=True)
        return page

    def post(self, name: str, path: str, form_page: str, data: dict | None = None, status: int = 200) -> str:
        form = self.client.get(form_page, headers=self.headers).get_data(as_text=True)
        match = CSRF_INPUT.search(form)
        assert match, f"{name}: no form on {form_page}"
        payload = {"csrf_token": match.group(1) or match.group(2), **(data or {})}
        response = self.client.post(path, data=payload, headers=self.headers, follow_redirects=True)
        assert response.status_code == status, f"{name}: POST {path} answered {response.status_code}, not {status}"
        self.pages[name] = page = response.get_data(as_text=True)
        return page


def _clinic(people, language: str):
    user = create_user(
        username=f"dr.ngatiwai.{language}",
        email=f"ngatiwai.{language}@clinic.example.org",
        full_name=PRACTITIONER,
        role=Role.PRACTITIONER,
        password=PASSWORD,
        specialty=SPECIALTY,
    )
    practitioner = practitioner_of(user)
    patient = make_patient(FIRST, LAST)
    patient.language = language
    db.session.commit()
    return practitioner, patient


def _expired(purpose: str, **ids) -> str:
    """A real link signed 400 days ago: past every purpose's lifetime."""
    with time_machine.travel(utcnow() - timedelta(days=400), tick=False):
        return patient_links.token(purpose, **ids)


def every_page(client, people, language: str) -> dict[str, str]:
    """page name → its HTML, for a patient (and a browser) reading `language`."""
    practitioner, patient = _clinic(people, language)
    p = patient.id
    booked = appointments.book(
        patient_id=p,
        slot_id=make_slot(practitioner, starts_in=_in(4)).id,
        by_user=people["staff"],
        reason=REASON,
    ).appointment
    waitlist.add(practitioner.id, p, by_user=people["staff"])
    offered = make_slot(practitioner, starts_in=_in(2))
    declined = make_slot(practitioner, starts_in=_in(3))
    make_slot(practitioner, starts_in=_in(6))
    offers.fan_out(practitioner.id, [offered.id, declined.id])

    visit = _Visit(client, language)
    me = f"/p/me/{patient_links.token('patient', p=p)}"
    appointment = f"/p/appointment/{patient_links.token('appointment', a=booked.id, p=p)}"
    book = f"/p/book/{patient_links.token('book', p=p)}"
    preferences = f"/p/preferences/{patient_links.token('preferences', p=p)}"
    unsubscribe = f"/p/unsubscribe/{patient_links.token('unsubscribe', p=p, k='appointment_reminder')}"
    availability = f"/p/availability/{patient_links.token('availability', p=p, r=practitioner.id)}"

    visit.get("their page", me)
    visit.get("an appointment", appointment)
    visit.get("cancel", f"{appointment}/cancel")
    visit.post("cancel without a reason", f"{appointment}/cancel", f"{appointment}/cancel", {"reason": ""}, 400)
    visit.get("reschedule", f"{appointment}/reschedule")
    visit.post("reschedule asked", f"{appointment}/reschedule", f"{appointment}/reschedule", {"note": NOTE})
    visit.get("reschedule already asked", f"{appointment}/reschedule")
    visit.post("cancelled", f"{appointment}/cancel", f"{appointment}/cancel", {"reason": CANCEL_REASON})
    visit.get("cancel, already cancelled", f"{appointment}/cancel")
    visit.get("a cancelled appointment", appointment)

    visit.get("an offered time", f"{book}/{offered.id}")
    visit.post("declined", f"{book}/{declined.id}/decline", f"{book}/{offered.id}")
    visit.get("an offer turned down", f"{book}/{declined.id}", 409)
    visit.get("open times", availability)
    visit.post("booked", f"{book}/{offered.id}", f"{book}/{offered.id}")
    visit.get("booked already", f"{book}/{offered.id}")
    visit.post("kept waiting", f"{book}/{offered.id}/waitlist", preferences)  # any form's token will do

    visit.get("email preferences", preferences)
    visit.post("email preferences saved", preferences, preferences, {k: "y" for k in WANTED})
    visit.get("unsubscribe", unsubscribe)
    visit.post("unsubscribed", unsubscribe, unsubscribe)
    visit.post("unsubscribed already", unsubscribe, preferences)

    visit.get("a link that isn't valid (400)", "/p/me/not-a-real-link", 400)
    visit.get("another page's link (400)", f"/p/me/{patient_links.token('preferences', p=p)}", 400)
    visit.get("an expired link (410)", f"/p/me/{_expired('patient', p=p)}", 410)
    visit.get("an appointment not found (404)", f"/p/appointment/{patient_links.token('appointment', a=10**9, p=p)}",
              404)  # fmt: skip
    visit.get("no such page (404)", "/p/nowhere", 404)
    return visit.pages


def html_language(page: str) -> str:
    match = re.search(r"<html[^>]*\blang=\"([^\"]*)\"", page)
    return match.group(1) if match else ""
