"""Every URL, every role: who may see what.

`RULES` must list every route the app has; a new route without an entry
fails `test_every_route_is_listed`, so access is decided, never forgotten.
"""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

import pytest

from dashboard import notify
from dashboard.extensions import db
from dashboard.models import ClinicLogo, EmailAttachment, Notification, Practitioner
from dashboard.models.base import utcnow
from dashboard.notify.samples import sample_context
from dashboard.services import appointments, desk_messages, pdf, waitlist
from dashboard.services.billing import Line, create_invoice, record_payment
from dashboard.services.inventory import create_item
from tests.factories import make_patient, make_slot, practitioner_of

OWNER, STAFF, PRACTITIONER = "owner", "staff", "practitioner"
EVERYONE = {OWNER, STAFF, PRACTITIONER}
PUBLIC = None

# endpoint: (method, path, roles allowed or PUBLIC)
RULES = {
    "static": ("GET", "/static/css/app.css", PUBLIC),
    "auth.login": ("GET", "/login", PUBLIC),
    "main.index": ("GET", "/", PUBLIC),
    "main.healthz": ("GET", "/healthz", PUBLIC),
    "main.logo": ("GET", "/logo/{logo}", PUBLIC),
    "auth.logout": ("POST", "/logout", EVERYONE),
    "main.home": ("GET", "/home", EVERYONE),
    "notifications.index": ("GET", "/notifications/", EVERYONE),
    "notifications.bell": ("GET", "/notifications/bell", EVERYONE),
    "notifications.mark_read": ("POST", "/notifications/{note}/read", EVERYONE),
    "notifications.mark_all_read": ("POST", "/notifications/read-all", EVERYONE),
    "notifications.preferences": ("GET", "/notifications/preferences", EVERYONE),
    "admin.user_list": ("GET", "/admin/users", {OWNER}),
    "admin.user_new": ("GET", "/admin/users/new", {OWNER}),
    "admin.user_set_active": ("POST", "/admin/users/{other}/active", {OWNER}),
    "admin.user_set_keeper": ("POST", "/admin/users/{other}/keeper", {OWNER}),
    "admin.user_password": ("GET", "/admin/users/{other}/password", {OWNER}),  # POST: a form
    "admin.lock_lift": ("POST", "/admin/users/locks/lift", {OWNER}),
    "admin.settings_page": ("GET", "/admin/settings", {OWNER}),
    "admin.settings_save": ("POST", "/admin/settings", {OWNER}),
    "admin.settings_logo": ("POST", "/admin/settings/logo", {OWNER}),
    "auth.change_password": ("GET", "/account/password", EVERYONE),  # POST: a form
    "auth.language": ("GET", "/account/language", EVERYONE),  # POST: a form
    # --- stock ({item}: an item with 10 in stock, minimum 2) ---
    "inventory.index": ("GET", "/inventory/?q=a&low=1", {OWNER, STAFF}),
    "inventory.new": ("GET", "/inventory/items/new", {OWNER, STAFF}),  # POST: a form
    "inventory.detail": ("GET", "/inventory/items/{item}", {OWNER, STAFF}),
    "inventory.edit": ("GET", "/inventory/items/{item}/edit", {OWNER, STAFF}),  # POST: a form
    "inventory.move": ("GET", "/inventory/items/{item}/move", {OWNER, STAFF}),  # POST: a form; GET goes to the item
    # --- end stock ---
    "outbox.index": ("GET", "/admin/outbox", {OWNER}),
    "outbox.detail": ("GET", "/admin/outbox/{email}", {OWNER}),
    "outbox.html": ("GET", "/admin/outbox/{email}/html", {OWNER}),
    "outbox.attachment": ("GET", "/admin/outbox/{email}/attachments/{attachment}", {OWNER}),
    "outbox.resend": ("POST", "/admin/outbox/{email}/resend", {OWNER}),
    "outbox.gallery": ("GET", "/admin/emails", {OWNER}),
    "outbox.gallery_item": ("GET", "/admin/emails/invoice", {OWNER}),
    "outbox.gallery_html": ("GET", "/admin/emails/invoice/html", {OWNER}),
    "admin.email_edit": ("GET", "/admin/emails/invoice/edit", {OWNER}),  # POST: a form
    "admin.email_preview": ("GET", "/admin/emails/invoice/edit/preview/expired", {OWNER}),
    "admin.email_versions": ("GET", "/admin/emails/invoice/versions", {OWNER}),
    "admin.email_revert": ("POST", "/admin/emails/invoice/revert", {OWNER}),  # no version: back to the list
    "admin.email_test": ("POST", "/admin/emails/invoice/test", {OWNER}),
    # --- billing ({invoice}: an unpaid invoice of a patient) ---
    "billing.index": ("GET", "/billing/?view=owing&q=a", {OWNER, STAFF}),
    "billing.new": ("GET", "/billing/new?patient={patient}", {OWNER, STAFF}),  # POST: a form
    "billing.detail": ("GET", "/billing/{invoice}", {OWNER, STAFF}),
    "billing.pay": ("GET", "/billing/{invoice}/payments", {OWNER, STAFF}),  # POST: a form; GET goes to the invoice
    "billing.void": ("GET", "/billing/{invoice}/void", {OWNER, STAFF}),  # POST: a form; GET goes to the invoice
    "billing.invoice_pdf": ("GET", "/billing/{invoice}/invoice.pdf", {OWNER, STAFF}),
    "billing.receipt_pdf": ("GET", "/billing/payments/{payment}/receipt.pdf", {OWNER, STAFF}),
    # --- end billing ---
    # --- schedule (placeholders: {slot} is an open slot of the practitioner, {practitioner} their profile id) ---
    "schedule.week": ("GET", "/schedule/?practitioner={practitioner}", EVERYONE),
    "schedule.add_slot": ("GET", "/schedule/slots?practitioner={practitioner}", EVERYONE),  # POST: a form
    "schedule.add_recurring": ("GET", "/schedule/slots/recurring?practitioner={practitioner}", EVERYONE),
    "schedule.block": ("POST", "/schedule/slots/{slot}/block", EVERYONE),
    "schedule.unblock": ("POST", "/schedule/slots/{slot}/unblock", EVERYONE),
    "schedule.remove": ("POST", "/schedule/slots/{slot}/remove", EVERYONE),
    # --- end schedule ---
    # --- appointments and patients ({appointment}: the practitioner's, {patient}, {request}: a pending request) ---
    "appointments.index": ("GET", "/appointments/?view=upcoming", EVERYONE),
    "appointments.detail": ("GET", "/appointments/{appointment}", EVERYONE),
    "appointments.new": ("GET", "/appointments/new?slot={slot}", EVERYONE),
    "appointments.confirm": ("POST", "/appointments/{appointment}/confirm", EVERYONE),
    "appointments.cancel": ("POST", "/appointments/{appointment}/cancel", EVERYONE),
    "appointments.outcome": ("POST", "/appointments/{appointment}/outcome", EVERYONE),
    "appointments.request_reschedule": ("POST", "/appointments/{appointment}/reschedule-request", EVERYONE),
    "appointments.requests": ("GET", "/appointments/requests", {OWNER, STAFF}),
    "appointments.approve": ("POST", "/appointments/requests/{request}/approve", {OWNER, STAFF}),
    "appointments.reject": ("POST", "/appointments/requests/{request}/reject", {OWNER, STAFF}),
    "patients.index": ("GET", "/patients/?q=a", {OWNER, STAFF}),
    "patients.find": ("GET", "/patients/find?q=aroha", EVERYONE),
    "patients.new": ("GET", "/patients/new", {OWNER, STAFF}),
    "patients.detail": ("GET", "/patients/{patient}", {OWNER, STAFF}),
    "patients.edit": ("GET", "/patients/{patient}/edit", {OWNER, STAFF}),
    # --- end appointments and patients ---
    # --- the calendar ---
    "calendar.day": ("GET", "/calendar/?day=2026-12-04", EVERYONE),
    "calendar.week": ("GET", "/calendar/week?day=2026-12-04&practitioner={practitioner}", EVERYONE),
    "calendar.sheet": ("GET", "/calendar/print?day=2026-12-04&practitioner={practitioner}", EVERYONE),
    # --- end the calendar ---
    # --- waiting lists and offers ({entry}: an open waitlist entry of the practitioner) ---
    "appointments.earlier": ("POST", "/appointments/{appointment}/earlier", EVERYONE),
    "appointments.move": ("POST", "/appointments/{appointment}/move", {OWNER, STAFF}),
    "waitlist.index": ("GET", "/waitlist/?practitioner={practitioner}", EVERYONE),
    "waitlist.add": ("GET", "/waitlist/add?practitioner={practitioner}", EVERYONE),  # POST: a form
    "waitlist.move": ("POST", "/waitlist/{entry}/move", EVERYONE),
    "waitlist.urgent": ("POST", "/waitlist/{entry}/urgent", EVERYONE),
    "waitlist.remove": ("POST", "/waitlist/{entry}/remove", EVERYONE),
    "offers.index": ("GET", "/offers/?slot={slot}", EVERYONE),
    # --- end waiting lists and offers ---
    # --- messages from the desk ({desk_message}: one scheduled for tomorrow) ---
    "messages.index": ("GET", "/messages/?q=a", {OWNER, STAFF}),
    "messages.send": ("GET", "/messages/send", {OWNER, STAFF}),  # POST: a form; GET goes to the page
    "messages.cancel": ("POST", "/messages/{desk_message}/cancel", {OWNER, STAFF}),
    # --- end messages ---
}

PROTECTED = [(endpoint, *rule) for endpoint, rule in RULES.items() if rule[2] is not PUBLIC]


# Patients' pages behind signed links (dashboard/patient): public, no login, but without a real
# token they answer 400, so they are listed here instead of RULES (tests/test_patient_links.py covers them).
SIGNED_LINKS = {
    "portal.appointment",
    "portal.confirm",
    "portal.cancel",
    "portal.reschedule",
    "portal.patient",
    "portal.preferences",
    "portal.unsubscribe",
    "portal.book",
    "portal.decline",
    "portal.keep_waiting",
    "portal.availability",
}


def test_every_route_is_listed(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(RULES) | SIGNED_LINKS


class _Rows(dict):
    """The rows a rule's path names, each built the first time its placeholder is asked for (by
    `str.format_map`), with what it needs: "/billing/{invoice}" builds a patient and an invoice,
    not the whole clinic (a slot, a booking, a request, a waitlist entry, stock, PDFs...)."""

    def __init__(self, people, role: str):
        super().__init__()
        self.people, self.role, self.user = people, role, people[role]

    def __missing__(self, name: str):
        self[name] = value = getattr(self, f"_{name}")()
        return value

    def _note(self):
        note = Notification(user_id=self.user.id, kind="test", title="t")
        db.session.add(note)
        db.session.commit()
        return note.id

    def _other(self):
        return self.people[STAFF if self.role != STAFF else PRACTITIONER].id

    def _email(self):
        email_id = notify.email("low_stock_alert", to="x@clinic.example.org", context=sample_context("low_stock_alert"))
        db.session.commit()
        return email_id

    def _attachment(self):
        attachment = EmailAttachment(
            message_id=self["email"], filename="invoice-INV-0001.pdf", content_type="application/pdf", data=b"%PDF-"
        )
        db.session.add(attachment)
        db.session.commit()
        return attachment.id

    def _logo(self):
        logo = ClinicLogo(content_type="image/png", data=b"\x89PNG\r\n\x1a\n")
        db.session.add(logo)
        db.session.commit()
        return logo.id

    def _practitioner(self):
        return practitioner_of(self.people[PRACTITIONER]).id

    def _slot(self):
        return make_slot(db.session.get(Practitioner, self["practitioner"])).id

    def _booked(self):
        practitioner = db.session.get(Practitioner, self["practitioner"])
        slot = make_slot(practitioner, starts_in=timedelta(days=3))
        return appointments.book(patient_id=make_patient().id, slot_id=slot.id, by_user=self.user).appointment

    def _appointment(self):
        return self["booked"].id

    def _patient(self):
        return make_patient().id

    def _request(self):
        return appointments.request_reschedule(self["appointment"], note="Later, please", by_user=self.user).id

    def _entry(self):
        return waitlist.add(self["practitioner"], make_patient().id, by_user=self.user).id

    def _desk_message(self):
        draft = desk_messages.Draft("Car park closed", "Park on Quay Street.", patient_id=self["patient"])
        return desk_messages.send(draft, utcnow() + timedelta(days=1), by_user=self.user).id

    def _item(self):
        return create_item(name="Gloves", sku="GLV-1", quantity=10, minimum_level=2, by_user=self.user).id

    def _invoice(self):
        line = Line("Consultation", Decimal("1"), Decimal("85.00"))
        with _no_email_pdfs():
            return create_invoice(patient_id=self["patient"], lines=[line], by_user=self.user).id

    def _payment(self):
        with _no_email_pdfs():
            return record_payment(self["invoice"], amount=Decimal("10.00"), method="Cash", by_user=self.user).id


@contextmanager
def _no_email_pdfs():
    """The invoice's and the receipt's emails attach a placeholder instead of a real PDF while the rows
    are built: these tests are about who may open a page (the PDF pages still render theirs, and
    tests/test_billing*.py check the PDFs themselves)."""
    with patch.object(pdf, "invoice_pdf", lambda _: b"%PDF-"), patch.object(pdf, "receipt_pdf", lambda _: b"%PDF-"):
        yield


def _fill(path: str, people, role: str) -> str:
    return path.format_map(_Rows(people, role))


@pytest.mark.parametrize("endpoint,method,path,allowed", PROTECTED, ids=[p[0] for p in PROTECTED])
def test_anonymous_is_sent_to_login(client, people, endpoint, method, path, allowed):
    path = _fill(path, people, STAFF)
    if method == "POST":
        # CSRF comes first for anonymous POSTs: a valid token from the login page.
        from tests.conftest import csrf_token

        response = client.post(path, data={"csrf_token": csrf_token(client)})
    else:
        response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", [OWNER, STAFF, PRACTITIONER])
@pytest.mark.parametrize("endpoint,method,path,allowed", PROTECTED, ids=[p[0] for p in PROTECTED])
def test_role_access(client, auth, people, role, endpoint, method, path, allowed):
    auth.login(people[role].username)
    path = _fill(path, people, role)
    response = auth.post(path) if method == "POST" else client.get(path)
    if role in allowed:
        assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    else:
        assert response.status_code == 403
        assert "Your account does not have access to this page." in response.get_data(as_text=True)


def test_bell_polling_without_a_session_gets_401_json(client):
    response = client.get("/notifications/bell", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json["error"] == "Please log in"


def test_public_pages_answer(client, people):
    for endpoint, (_method, path, allowed) in RULES.items():
        if allowed is PUBLIC:
            with client.get(_fill(path, people, STAFF)) as response:
                assert response.status_code in (200, 302), endpoint
