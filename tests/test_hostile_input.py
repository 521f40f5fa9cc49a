"""Hostile values in every field of every form and every query parameter of every page: never a 500.

The forms are found, not listed: every GET page of test_access.RULES is fetched as each role, its
<form>s are parsed, and each form is posted once per (field, hostile value) with the other fields at
the values the page gave them (its CSRF token kept). One clinic per test (per role), not per case.
A template expression typed into a field must never be evaluated ("{{7*'7'}}" never becomes 7777777,
"{{7*7}}" never adds a 49 the page didn't have).
"""

import logging
import os
import re
from collections import Counter
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from dashboard.extensions import db
from dashboard.models import EmailMessage, Invoice, Practitioner
from dashboard.notify import mime
from dashboard.services import appointments
from tests.factories import make_patient, make_slot
from tests.test_access import OWNER, PRACTITIONER, PUBLIC, RULES, STAFF, _fill

HOSTILE = [
    "\x00",
    "x" * 10_000,
    "1e309",
    "NaN",
    "-1",
    "99999999999999999999",
    "a\r\nBcc: x@example.com",
    "{{7*7}}",
    "{{7*'7'}}",
    "<script>alert('Ngātiwai')</script>",
]
EVALUATED = "7777777"  # what {{7*'7'}} becomes if a template runs it

# Query parameters each page reads (besides those in its RULES path and its GET filter forms).
QUERY_PARAMS = {
    "/login": ["next"],
    "/notifications/": ["page"],
    "/admin/outbox": ["page"],
    "/appointments/": ["page", "view", "status", "q", "practitioner", "patient"],
    "/appointments/new": ["slot", "patient", "q"],
    "/billing/": ["page", "view", "q", "patient"],
    "/billing/new": ["patient", "appointment", "q"],
    "/patients/": ["page", "q"],
    "/inventory/": ["page", "q", "low"],
    "/schedule/": ["practitioner", "week"],
    "/waitlist/": ["practitioner", "patient", "q"],
    "/offers/": ["slot", "practitioner"],
}

# Pages beyond RULES whose forms come filled in differently: booking and listing a chosen patient.
MORE_PAGES = [
    "/appointments/new?slot={slot}&patient={patient}",
    "/appointments/new?patient={patient}",
    "/waitlist/?practitioner={practitioner}&patient={patient}",
]

# What a person would type into a blank field, so each form gets past its other required fields
# and the hostile value in the one field under test reaches as far as it can.
SAMPLES = {
    "first_name": "Mere",
    "last_name": "Pōmare",
    "email": "mere.pomare@patients.example.org",
    "phone": "+64 21 555 0199",
    "full_name": "Tama O'Connor",
    "username": "tama",
    "password": "long-enough-pw",
    "specialty": "Physiotherapy",
    "consultation_fee": "85.00",
    "name": "Gauze swabs",
    "sku": "GZ-1",
    "unit": "box",
    "quantity": "5",
    "minimum_level": "1",
    "supplier": "Ngātiwai Medical",
    "reason": "The patient's request",
    "lines-0-description": "Consultation",
    "lines-0-quantity": "1",
    "lines-0-unit_price": "85.00",
    "discount": "0",
    "start": "10:00",
    "end": "10:30",
    "weekdays": "0",
}

# Forms not to post: logging out would end the session the rest of the run needs.
SKIP_ACTIONS = {"/logout"}
# Fields that are Jinja by design: the owner's words for an email (/admin/emails/<kind>/edit), rendered
# in a sandbox for the preview (its escapes are tests/test_email_editor.py's). Posted for 500s all the same.
TEMPLATE_FIELDS = re.compile(r"/admin/emails/[a-z_]+/edit \[(subject|html|text)\]")

PLACEHOLDERS = [
    "note", "other", "email", "attachment", "slot", "practitioner", "appointment", "patient", "request", "entry",
    "item", "logo",
]  # fmt: skip


# Forms each role must be found posting (so a change in the pages can't quietly test nothing).
EXPECTED_FORMS = {
    OWNER: {
        "/admin/users/new", "/admin/users/#/keeper", "/patients/new", "/patients/#/edit", "/inventory/items/new",
        "/inventory/items/#/move", "/billing/new", "/billing/#/payments", "/billing/#/void", "/appointments/new",
        "/appointments/#/cancel", "/appointments/requests/#/approve", "/schedule/slots", "/schedule/slots/recurring",
        "/waitlist/add", "/waitlist/#/move", "/notifications/preferences", "/admin/settings",
    },
    PRACTITIONER: {"/appointments/new", "/appointments/#/cancel", "/schedule/slots", "/waitlist/add"},
}  # fmt: skip


# ------------------------------------------------------------------ reading forms


class Forms(HTMLParser):
    """Every <form> of a page: its method, action and fields (name, default value) in page order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._first_option: dict = {}

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"method": a.get("method", "get").upper(), "action": a.get("action", ""), "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form["fields"].append((name, None))  # a field, not sent by default
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._form["fields"].append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "button" and name:
            self._form["fields"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
            self._form["fields"].append((name, None))
        elif tag == "option" and self._select:
            value = a.get("value", "")
            fields = self._form["fields"]
            index = max(i for i, (n, _) in enumerate(fields) if n == self._select)
            if "selected" in a or (fields[index][1] is None and self._select not in self._first_option):
                fields[index] = (self._select, value)
                self._first_option[self._select] = True
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"].append((name, ""))

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            fields = self._form["fields"]
            fields[-1] = (fields[-1][0], fields[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
            self._first_option = {}
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def _shape(method: str, path: str, fields) -> tuple:
    """What makes two forms the same for this test: the route (ids as #) and the field names."""
    return method, re.sub(r"/\d+", "/#", urlsplit(path).path), tuple(sorted({n for n, _ in fields}))


# ------------------------------------------------------------------ the clinic


def _clinic(people, role: str) -> list[str]:
    """Everything test_access's pages need, made once; the GET pages of RULES as paths for `role`."""
    joined = _fill("|".join(f"{{{name}}}" for name in PLACEHOLDERS), people, role)
    ids = dict(zip(PLACEHOLDERS, joined.split("|"), strict=True))
    ids["invoice"] = _fill("{invoice}", people, role)
    ids["payment"] = _fill("{payment}", people, role)
    # A request to move on an appointment of its own ({request}'s is {appointment}, which that page's
    # forms cancel), and open times beyond {slot} (which the schedule's forms block and remove) for
    # the requests page's approve form to offer.
    practitioner = db.session.get(Practitioner, int(ids["practitioner"]))
    moving = make_slot(practitioner, starts_in=timedelta(days=4))
    booked = appointments.book(patient_id=make_patient().id, slot_id=moving.id, by_user=people[role]).appointment
    appointments.request_reschedule(booked.id, note="Later, please", by_user=people[role])
    for days in (5, 6):
        make_slot(practitioner, starts_in=timedelta(days=days))
    pages = [
        path
        for _endpoint, (method, path, allowed) in RULES.items()
        if method == "GET" and (allowed is PUBLIC or role in allowed) and not path.startswith("/static")
    ]
    pages += MORE_PAGES
    # Invoices for a patient without email: no invoice PDF is drawn per post (they are fetched once, after).
    ids["quiet"] = make_patient("Wiremu", "O'Neill", email=None).id
    pages = [path.replace("/billing/new?patient={patient}", "/billing/new?patient={quiet}") for path in pages]
    # The user list's forms last: deactivating the practitioner would empty their pages.
    pages.sort(key=lambda path: path.startswith("/admin/users"))
    return [path.format(**ids) for path in pages]


def _filled(fields) -> list[tuple[str, str]]:
    """A form's fields as the page gave them, blanks filled in from SAMPLES (dates: days ahead)."""
    ahead = (datetime.now(ZoneInfo("Pacific/Auckland")).date() + timedelta(days=9)).isoformat()
    filled = []
    for name, value in fields:
        if not value and name in ("day", "due_on", "first_day"):
            value = ahead
        elif not value and name in SAMPLES:
            value = SAMPLES[name]
        if value is not None:
            filled.append((name, value))
    return filled


def _forty_nines(html: str) -> int:
    """How often 49 stands alone in a page (not inside a token, an id or a longer number)."""
    return len(re.findall(r"(?<![\w.%/:-])49(?![\w.%/:-])", re.sub(r'value="[^"]*"', "", html)))


class Failures:
    """500s (and evaluated templates) seen, with the exception each 500 logged."""

    def __init__(self, caplog):
        self.caplog = caplog
        self.found: list[str] = []

    def check(self, response, what: str, value: str, baseline: str = "") -> None:
        body = response.get_data(as_text=True)
        if response.status_code >= 500:
            logged = [r for r in self.caplog.records if r.levelno >= logging.ERROR and r.exc_text]
            last = logged[-1].exc_text.strip().splitlines()[-1] if logged else "?"
            self.found.append(f"{response.status_code} {what} = {value[:30]!r}: {last}")
        if not TEMPLATE_FIELDS.search(what):
            if EVALUATED in body:
                self.found.append(f"template evaluated: {what} = {value!r}")
            if value == "{{7*7}}" and _forty_nines(body.replace("{{7*7}}", "")) > _forty_nines(baseline):
                self.found.append(f"template evaluated (49): {what}")
        self.caplog.clear()

    def assert_none(self):
        assert not self.found, f"{len(self.found)} problems:\n" + "\n".join(sorted(set(self.found)))


# ------------------------------------------------------------------ the tests


def _post_every_field(client, pages: list[str], failures: Failures) -> Counter:
    """Post each form found on `pages`, one field at a time hostile; returns the answers' statuses by route."""
    seen: set[tuple] = set()
    posts: Counter = Counter()
    for page in pages:
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        for form in forms_of(html):
            action = form["action"] or page
            shape = _shape(form["method"], action, form["fields"])
            if form["method"] != "POST" or urlsplit(action).path in SKIP_ACTIONS or shape in seen:
                continue
            seen.add(shape)
            names = list(dict.fromkeys(n for n, _ in form["fields"]))
            for name in names:
                if name == "csrf_token" or re.fullmatch(r"lines-[1-9]\d*-.*", name):
                    continue  # the token is tested elsewhere; an invoice's later lines are its first line's kind
                for value in HOSTILE:
                    data = [(n, v) for n, v in _filled(form["fields"]) if n != name]
                    data.append((name, value))
                    result = client.post(action, data=MultiDict(data))
                    posts[shape[1], result.status_code] += 1
                    failures.check(result, f"POST {action} [{name}] (from {page})", value, html)
    return posts


def _query_every_param(client, pages: list[str], failures: Failures) -> int:
    gets = 0
    for page in pages:
        split = urlsplit(page)
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        base = dict(parse_qsl(split.query))
        params = list(dict.fromkeys([*base, *QUERY_PARAMS.get(split.path, [])]))
        for form in forms_of(html):
            if form["method"] == "GET" and urlsplit(form["action"] or page).path == split.path:
                params += [n for n, _ in form["fields"] if n not in params]
        for name in params:
            for value in HOSTILE:
                query = urlencode({**base, name: value})
                result = client.get(f"{split.path}?{query}")
                gets += 1
                failures.check(result, f"GET {split.path} ?{name}", value, html)
    return gets


def _no_email_was_subverted(failures: Failures) -> None:
    """No email written meanwhile ran a template typed in, or took a header or recipient typed in."""
    messages = list(db.session.scalars(select(EmailMessage)))
    assert messages  # the forms did write some
    for message in messages:
        for part in (message.subject, message.html, message.text):
            if part and EVALUATED in part:
                failures.found.append(f"template evaluated in email {message.kind}")
        wire = mime.to_bytes(message).split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        if "x@example.com" in message.to_addrs + message.bcc_addrs or re.search(r"(?im)^bcc:", wire):
            failures.found.append(f"a typed-in header reached email {message.kind}: {message.to_addrs}")


# Staff and owners share the desk's views, forms and lists (the owner's pages are the staff's plus the
# admin's), so both tests run as the owner and as a practitioner.
def _every_hostile_invoice_draws_a_pdf(client, failures: Failures) -> None:
    """The invoices the billing form wrote with a hostile description or note, as PDFs."""
    typed = {SAMPLES["lines-0-description"], ""}
    invoices = [
        invoice
        for invoice in db.session.scalars(select(Invoice))
        if invoice.notes not in typed or any(item.description not in typed for item in invoice.items)
    ]
    assert invoices
    for invoice in invoices:
        response = client.get(f"/billing/{invoice.id}/invoice.pdf")
        if response.status_code != 200 or response.content_type != "application/pdf":
            failures.found.append(f"{response.status_code} invoice.pdf of {invoice.notes[:30]!r}")


@pytest.mark.parametrize("role", [OWNER, PRACTITIONER])
def test_every_form_field_takes_hostile_values_without_a_500(client, auth, people, caplog, role):
    pages = _clinic(people, role)
    auth.login(people[role].username)
    failures = Failures(caplog)
    posts = _post_every_field(client, pages, failures)
    if os.environ.get("HOSTILE_STATS"):
        print(*sorted(posts.items()), sep="\n")
    routes = {route for route, _status in posts}
    assert EXPECTED_FORMS[role] <= routes, f"forms not found: {EXPECTED_FORMS[role] - routes}"
    _no_email_was_subverted(failures)
    if role == OWNER:
        _every_hostile_invoice_draws_a_pdf(client, failures)
    failures.assert_none()


@pytest.mark.parametrize("role", [OWNER, PRACTITIONER])
def test_every_query_parameter_takes_hostile_values_without_a_500(client, auth, people, caplog, role):
    pages = _clinic(people, role)
    auth.login(people[role].username)
    failures = Failures(caplog)
    assert _query_every_param(client, pages, failures) > 50
    failures.assert_none()


def test_the_login_form_and_public_pages_take_hostile_values_without_a_500(client, caplog):
    failures = Failures(caplog)
    public = [path for _e, (method, path, allowed) in RULES.items() if allowed is PUBLIC and method == "GET"]
    pages = [p for p in public if not p.startswith("/static")]
    _query_every_param(client, pages + ["/login?next=/home"], failures)
    _post_every_field(client, ["/login"], failures)
    failures.assert_none()


def test_the_patients_link_pages_take_hostile_values_without_a_500(client, people, caplog):
    """The pages a patient reaches from an email (no login, a signed link): their forms and queries."""
    from dashboard import patient_links
    from tests.factories import make_slot, practitioner_of

    patient = make_patient("Anahera", "Ngātiwai")
    slot = make_slot(practitioner_of(people[PRACTITIONER]))
    booked = appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people[STAFF]).appointment
    links = patient_links.for_appointment(booked.id, patient.id)
    links.update(patient_links.for_optional_email("appointment_reminder", patient.id))
    order = ["manage_url", "patient_url", "preferences_url", "reschedule_url", "unsubscribe_url", "cancel_url"]
    pages = [urlsplit(links[key]).path for key in order]
    failures = Failures(caplog)
    posts = _post_every_field(client, pages, failures)
    assert {route.rsplit("/", 1)[-1] for route, _status in posts} >= {"reschedule", "cancel"}
    _query_every_param(client, [f"{page}?saved=1" for page in pages], failures)
    failures.assert_none()
