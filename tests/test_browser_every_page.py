"""Every GET page of every role in a real browser, at a desk's 1366x900 and a phone's 390x844: none
may scroll sideways (`document.scrollingElement.scrollWidth > innerWidth`), and axe-core (vendored
from npm under tests/vendor/) may find nothing "serious" or "critical". The patients' pages are
reached by signed links, as from their emails.

The pages come from the URL map: every GET endpoint is visited with test_access's RULES path (its
ids filled from one clinic per role, as test_access and test_hostile_input fill them), or is a
patient's page (PORTAL_PAGES), or is set aside in NOT_PAGES with the reason; a new page is
checked without anyone listing it. Every failure is collected and reported at once: page, size,
what was wrong. SCREENSHOTS=dir keeps a screenshot of each page.
"""

import re
from datetime import timedelta
from pathlib import Path
from string import Formatter

import pytest

from dashboard import notify, patient_links
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus, Notification
from dashboard.notify.samples import sample_context
from dashboard.services import appointments, offers, waitlist
from dashboard.services.inventory import create_item
from tests.browser_helpers import SHOTS, SIZES, WIDE, log_in, shot, sideways_overflow
from tests.factories import make_patient, make_slot, practitioner_of
from tests.test_access import OWNER, PRACTITIONER, PUBLIC, RULES, SIGNED_LINKS, STAFF, _fill

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
PATIENT = "patient"
PATIENT_ES = "patient-es"  # the same pages for a patient who reads Spanish: longer words, same screens
USERNAMES = {OWNER: "olive", STAFF: "sam", PRACTITIONER: "drwho"}

# GET endpoints that are not pages a person reads, and why they are not visited here.
NOT_PAGES = {
    "static": "files, not pages",
    "main.index": "redirects to the home page or the login form",
    "main.healthz": "a health check for the load balancer (JSON)",
    "notifications.bell": "the bell's JSON (its HTML is checked in every page's header)",
    "patients.find": "the patient chooser's JSON (the chooser is on the booking, invoice and waiting-list pages)",
    "billing.invoice_pdf": "a PDF (tests/test_billing*.py read it)",
    "billing.receipt_pdf": "a PDF (tests/test_billing*.py read it)",
    "outbox.attachment": "a download",
    "outbox.html": "an email as sent, shown in a sandboxed frame (tests/test_browser_emails.py lays emails out)",
    "outbox.gallery_html": "an email as sent, shown in a sandboxed frame (tests/test_browser_emails.py)",
    "admin.email_preview": "an email preview in a sandboxed frame (tests/test_browser_email_editor.py)",
}

# The patients' pages, by their signed links ({appointment}, {patient}, {book}, {availability},
# {preferences}, {unsubscribe}: tokens; {offered}: the slot offered to them).
PORTAL_PAGES = {
    "portal.appointment": "/p/appointment/{appointment}",
    "portal.cancel": "/p/appointment/{appointment}/cancel",
    "portal.reschedule": "/p/appointment/{appointment}/reschedule",
    "portal.patient": "/p/me/{patient}",
    "portal.preferences": "/p/preferences/{preferences}",
    "portal.unsubscribe": "/p/unsubscribe/{unsubscribe}",
    "portal.book": "/p/book/{book}/{offered}",
    "portal.availability": "/p/availability/{availability}",
}
# And what anyone without an account may reach: the login form, a broken link, a wrong address.
ANONYMOUS_PAGES = ["/login", "/p/me/not-a-real-link", "/p/appointment/x.y.z", "/nowhere"]

SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"], iframes: false});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
    `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""
SETTLED = "() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))"
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle=|<style(?![^>]*\snonce=)", re.I)


def get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


def staff_pages(role: str) -> list[tuple[str, str]]:
    """(endpoint, RULES path) of every GET page `role` may open."""
    return [
        (endpoint, path)
        for endpoint, (method, path, allowed) in RULES.items()
        if method == "GET" and endpoint not in NOT_PAGES and allowed is not PUBLIC and role in allowed
    ]


def test_every_get_page_is_visited_or_set_aside(app):
    visited = {endpoint for role in USERNAMES for endpoint, _ in staff_pages(role)} | set(PORTAL_PAGES)
    public = {endpoint for endpoint, (_m, _p, allowed) in RULES.items() if allowed is PUBLIC}
    assert get_endpoints(app) - visited - set(NOT_PAGES) - public == set()
    assert set(PORTAL_PAGES) <= SIGNED_LINKS


# ------------------------------------------------------------------ the clinic


def _names_worth_laying_out(people) -> None:
    """Long names with macrons, apostrophes and emoji where the pages list people, a low item,
    a failed email and a bell full of notifications, so the pages show what a real day has."""
    practitioner = practitioner_of(people[PRACTITIONER])
    for first, last in [("Ngātiwai", "Te Whare-Pōmare"), ("Siobhán", "O'Brien-Ngata 🌿"), ("Grace", "Clarke")]:
        patient = make_patient(first, last)
        slot = make_slot(practitioner, starts_in=timedelta(days=1, hours=len(first)))
        appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people[STAFF], confirmed=False)
    create_item(
        name="Nitrile gloves, medium (box of 100)", sku="GLV-M", quantity=1, minimum_level=4, by_user=people[STAFF]
    )
    failed = notify.email("invoice", to="siobhan.obrien-ngata@patients.example.org", context=sample_context("invoice"))
    db.session.commit()
    db.session.get(EmailMessage, failed).status = EmailStatus.FAILED
    for user in people.values():
        for n in range(3):
            db.session.add(
                Notification(user_id=user.id, kind="test", title=f"Offered 5 new times with Dr Pōmare ({n})", body="")
            )
    db.session.commit()


def _staff_paths(people, role: str) -> list[str]:
    pages = staff_pages(role)
    names = sorted({name for _, path in pages for _, name, _, _ in Formatter().parse(path) if name})
    ids = dict(zip(names, _fill("|".join(f"{{{n}}}" for n in names), people, role).split("|"), strict=True))
    _names_worth_laying_out(people)
    return [path.format(**ids) for _, path in pages]


def _portal_paths(people, language: str = "en") -> list[str]:
    practitioner = practitioner_of(people[PRACTITIONER])
    mere = make_patient("Mere", "Pōmare-O'Brien 🌿")
    mere.language = language
    db.session.commit()
    booked = appointments.book(
        patient_id=mere.id, slot_id=make_slot(practitioner, starts_in=timedelta(days=4)).id, by_user=people[STAFF]
    ).appointment
    waitlist.add(practitioner.id, mere.id, by_user=people[STAFF])
    offered = make_slot(practitioner, starts_in=timedelta(days=2))
    make_slot(practitioner, starts_in=timedelta(days=6))
    offers.fan_out(practitioner.id, [offered.id])
    tokens = {
        "appointment": patient_links.token("appointment", a=booked.id, p=mere.id),
        "patient": patient_links.token("patient", p=mere.id),
        "preferences": patient_links.token("preferences", p=mere.id),
        "unsubscribe": patient_links.token("unsubscribe", p=mere.id, k="appointment_reminder"),
        "book": patient_links.token("book", p=mere.id),
        "availability": patient_links.token("availability", p=mere.id, r=practitioner.id),
        "offered": offered.id,
    }
    return [path.format(**tokens) for path in PORTAL_PAGES.values()] + ANONYMOUS_PAGES


# ------------------------------------------------------------------ the visit


class Visit:
    """One browser context for a role and one tab in it, reused for every page: each page is loaded
    once, checked at the desk's size, then the window is made a phone's and it is checked again
    (the media queries apply as they would on a phone). axe is an init script of the context, so it
    is in every page before the page's own scripts, and the pages keep their real
    Content-Security-Policy (an init script is the browser's, not the page's)."""

    def __init__(self, browser, live_server, role: str):
        self.role, self.failures, self.seen = role, [], set()
        width, height = SIZES["desk"]
        self.context = browser.new_context(base_url=live_server, viewport={"width": width, "height": height})
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(path=str(AXE))
        self.tab = self.context.new_page()
        self.refused: list[str] = []  # what the CSP refused, as the browser reports it
        self.tab.on("console", self._console)
        if role in USERNAMES:
            log_in(self.tab, USERNAMES[role])

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.refused.append(message.text[:160])

    def close(self):
        self.context.close()

    def check(self, path: str) -> None:
        tab = self.tab
        tab.set_viewport_size(dict(zip(("width", "height"), SIZES["desk"], strict=True)))
        self.refused.clear()
        response = tab.goto(path)
        status = response.status if response else 0
        if status >= 400 and path not in ANONYMOUS_PAGES[1:]:
            self.failures.append(f"{self.role} {path}: answered {status}")
            return
        landed = tab.url.split("#")[0]
        if landed in self.seen:  # a GET that redirects to a page already checked
            return
        self.seen.add(landed)
        if response is not None and INLINE_STYLE.search(response.text()):
            self.failures.append(f"{self.role} {path}: an inline style the Content-Security-Policy refuses")
        for size, (width, height) in SIZES.items():
            where = f"{self.role} {size} {path}"
            tab.set_viewport_size({"width": width, "height": height})
            tab.evaluate(SETTLED)  # the page's resize handlers have run (they do before the next frame)
            overflow = sideways_overflow(tab)
            if overflow > 0:
                self.failures.append(f"{where}: scrolls sideways by {overflow}px: {tab.evaluate(WIDE)[:5]}")
            for violation in tab.evaluate(SERIOUS):
                self.failures.append(f"{where}: axe {violation}")
            if SHOTS:
                name = re.sub(r"[^A-Za-z0-9]+", "-", path.split("?")[0]).strip("-")[:60] or "root"
                shot(tab, f"every-{self.role}-{size}-{name}")
        self.failures += [f"{self.role} {path}: {refused}" for refused in self.refused]


def visit_every_page(browser, live_server, people, role: str) -> None:
    if role in (PATIENT, PATIENT_ES):
        paths = _portal_paths(people, "es" if role == PATIENT_ES else "en")
    else:
        paths = _staff_paths(people, role)
    visit = Visit(browser, live_server, role)
    try:
        for path in paths:
            visit.check(path)
    finally:
        visit.close()
    assert not visit.failures, f"{len(visit.failures)} problems:\n" + "\n".join(visit.failures)


# The owner and the patients here; staff and practitioners in test_browser_every_page_desk.py, so
# that pytest-xdist's --dist loadfile (a module per worker) runs the two halves side by side.
@pytest.mark.parametrize("role", [OWNER, PATIENT, PATIENT_ES])
def test_every_page_fits_and_passes_axe(browser, live_server, people, role):
    visit_every_page(browser, live_server, people, role)
