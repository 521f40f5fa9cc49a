"""Every kind of email renders from its sample: branded, inlined, escaped, in clinic time."""

import re
from datetime import UTC, datetime, timedelta
from html import escape
from types import SimpleNamespace

import pytest
from flask_login import current_user

from dashboard.notify.kinds import KINDS
from dashboard.notify.render import render_email, render_emails
from dashboard.notify.samples import SAMPLES, sample_context

APPOINTMENT_KINDS = [
    "appointment_confirmation",
    "appointment_reminder",
    "appointment_cancelled",
    "reschedule_approved",
    "reschedule_rejected",
    "new_appointment_notice",
]
BILLING_KINDS = ["invoice", "invoice_void", "payment_confirmation", "payment_reminder"]

# Top-level values a caller may leave out, and attributes that may be None.
OPTIONAL_KEYS = [
    "unsubscribe_url",
    "manage_url",
    "preferences_url",
    "patient_url",
    "held_until",
    "cancel_url",
    "reschedule_url",
    "more_url",
    "item_url",
    "appointment_url",
    "outbox_url",
    "payment_instructions",
    "has_pdf",
    "booked_by",
    "recipient_name",
    "reason",
    "cancelled_by",
    "written_at",
    "days_overdue",
    "old_starts_at",
    "availability_url",
    "cancelled_by_patient",
]
OPTIONAL_ATTRIBUTES = {
    "appointment": ["reason", "specialty"],
    "patient": ["phone"],
    "payment": ["reference"],
    "invoice": ["discount", "tax"],
    "item": ["supplier"],
}


def key_facts(kind: str, context: dict) -> list[str]:
    """What the reader of `kind` must be told, whatever else the email says."""
    if kind in APPOINTMENT_KINDS:
        return [context["appointment"].practitioner_name]
    if kind in BILLING_KINDS:
        facts = [context["invoice"].number]
        if kind == "payment_confirmation":
            facts.append("$100.00")
        return facts
    if kind == "desk_message":
        return [context["message_subject"], *filter(None, context["message_body"].split("\n"))]
    if kind == "low_stock_alert":
        item = context["item"]
        return [item.name, item.sku, str(item.quantity), str(item.minimum_level)]
    if kind == "new_availability":
        practitioner = context["practitioner"]
        return [practitioner.name, practitioner.specialty, "$85.00"] + list(context["book_links"].values())
    if kind == "delivery_failed":
        failed = context["failed"]
        return [failed.subject, failed.recipients, failed.error]
    raise AssertionError(f"no key facts listed for {kind}")


def render(app, kind: str, context: dict):
    """Render as a worker or scheduled command does: with only an app context."""
    return render_email(kind, context)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_from_its_sample(app, kind):
    context = sample_context(kind)
    email = render(app, kind, context)

    assert email.subject.strip()
    assert "\n" not in email.subject and "\r" not in email.subject

    html = email.html
    for value in (app.config["CLINIC_NAME"], app.config["CLINIC_ADDRESS"], app.config["CLINIC_PHONE"]):
        assert value in html
        assert value in email.text
    assert "<style" not in html
    assert 'style="' in html
    assert not re.search(r"<(img|script|iframe|video|audio|source)\b[^>]*\bsrc=[\"']?https?:", html, re.I)
    assert "<link" not in html.lower()
    assert "url(http" not in html.lower()
    assert "@import" not in html

    for fact in key_facts(kind, context):
        assert fact in email.text, f"{fact!r} missing from the text of {kind}"
        assert escape(fact, quote=False) in html, f"{fact!r} missing from the HTML of {kind}"
    assert "None" not in html and "None" not in email.text


def test_there_is_a_sample_for_every_kind_and_no_other():
    assert set(SAMPLES) == set(KINDS)
    with pytest.raises(ValueError):
        sample_context("no_such_email")


def test_samples_are_fresh_each_time(app):
    first = sample_context("appointment_confirmation")
    first["appointment"].practitioner_name = "Someone else"
    assert sample_context("appointment_confirmation")["appointment"].practitioner_name == "Dr Hannah Wilson"


def test_renders_inside_a_request_too(client, auth, people):
    """Form handlers write emails while someone is signed in."""
    auth.login("sam")
    with client:
        client.get("/home")  # the request context stays until the block ends
        assert current_user.is_authenticated
        email = render_email("appointment_reminder", sample_context("appointment_reminder"))
    assert "Dr Hannah Wilson" in email.text
    assert "None" not in email.html


def test_patient_name_is_escaped_in_html_and_literal_in_text(app):
    context = sample_context("appointment_confirmation")
    context["patient"].first_name = "<script>alert(1)</script>"
    context["appointment"].reason = 'Knee "pain" & <b>swelling</b>'
    email = render(app, "appointment_confirmation", context)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "<script" not in email.html
    assert "<b>swelling" not in email.html
    assert "<script>alert(1)</script>" in email.text
    assert 'Knee "pain" & <b>swelling</b>' in email.text


def test_staff_notice_escapes_patient_details(app):
    context = sample_context("new_appointment_notice")
    context["patient"].name = "Eve <img src=x onerror=alert(1)>"
    context["patient"].email = "eve@example.com\r\nBcc: all@example.com"
    email = render(app, "new_appointment_notice", context)
    assert "<img" not in email.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in email.html
    assert "\n" not in email.subject and "\r" not in email.subject


def test_urls_given_are_used_as_they_are(app):
    context = sample_context("appointment_confirmation")
    context["cancel_url"] = "https://clinic.example.org/p/cancel/abc?x=1&y=2"
    email = render(app, "appointment_confirmation", context)
    assert 'href="https://clinic.example.org/p/cancel/abc?x=1&amp;y=2"' in email.html
    assert "https://clinic.example.org/p/cancel/abc?x=1&y=2" in email.text


@pytest.mark.parametrize("kind", ["appointment_confirmation", "appointment_reminder", "new_appointment_notice"])
def test_times_show_in_the_clinic_time_zone(app, kind):
    assert app.config["CLINIC_TIMEZONE"] == "Pacific/Auckland"
    context = sample_context(kind)
    context["appointment"].starts_at = datetime(2026, 3, 3, 20, 30, tzinfo=UTC)
    context["appointment"].ends_at = datetime(2026, 3, 3, 21, 0, tzinfo=UTC)
    email = render(app, kind, context)
    for part in (email.html, email.text):
        assert "Wednesday 4 March 2026, 9:30 am" in part
        assert "10:00 am" in part
        assert "20:30" not in part and "3 March" not in part


def test_reschedule_approved_shows_old_and_new_times(app):
    context = sample_context("reschedule_approved")
    context["old_starts_at"] = datetime(2026, 3, 3, 20, 30, tzinfo=UTC)
    context["appointment"].starts_at = datetime(2026, 3, 5, 19, 30, tzinfo=UTC)
    context["appointment"].ends_at = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)
    email = render(app, "reschedule_approved", context)
    assert "Was:    Wednesday 4 March 2026, 9:30 am" in email.text
    assert "Now:    Friday 6 March 2026, 8:30 am to 9:00 am" in email.text
    assert "Wednesday 4 March 2026, 9:30 am" in email.html and "Friday 6 March 2026, 8:30 am" in email.html


def test_reschedule_rejected_says_the_original_stands(app):
    email = render(app, "reschedule_rejected", sample_context("reschedule_rejected"))
    assert "Your original appointment on Wednesday 4 March 2026, 9:30 am still stands" in email.text
    assert "still stands" in email.html


def test_invoice_dates_totals_and_optional_rows(app):
    context = sample_context("invoice")
    email = render(app, "invoice", context)
    for part in (email.html, email.text):
        assert "4 March 2026" in part and "18 March 2026" in part
        assert "$142.00" in part and "$10.00" in part and "$19.80" in part and "$151.80" in part
        for item in context["invoice"].items:
            assert item.description in part
        assert "PDF copy" in part

    context = sample_context("invoice")
    context["invoice"].discount = None
    context["invoice"].tax = None
    del context["has_pdf"]
    email = render(app, "invoice", context)
    for part in (email.html, email.text):
        assert "Discount" not in part and "Tax" not in part and "PDF" not in part


def test_payment_reminder_counts_days_overdue(app):
    context = sample_context("payment_reminder")
    context["days_overdue"] = 1
    email = render(app, "payment_reminder", context)
    assert "1 day past its due date" in email.text
    assert "$151.80" in email.text and "18 March 2026" in email.text


def test_new_availability_lists_only_the_slots_given_at_most_five(app):
    context = sample_context("new_availability")
    slots = context["slots"]
    email = render(app, "new_availability", context)
    assert email.html.count("Book this time") == len(slots)
    for slot in slots:
        assert f'href="{context["book_links"][slot.id]}"' in email.html
        assert context["book_links"][slot.id] in email.text
    assert "Hello Aroha" in email.html and "Hello Aroha" in email.text
    assert "whoever books it first" in email.text

    start = datetime(2026, 4, 1, 20, 0, tzinfo=UTC)
    context["slots"] = [
        SimpleNamespace(id=n, starts_at=start + timedelta(hours=n), ends_at=start + timedelta(hours=n, minutes=30))
        for n in range(8)
    ]
    context["book_links"] = {n: f"https://clinic.example.org/p/book/slot-{n}" for n in range(8)}
    email = render(app, "new_availability", context)
    assert email.html.count("Book this time") == 5
    assert "slot-4" in email.html and "slot-5" not in email.html
    assert "slot-4" in email.text and "slot-5" not in email.text


def test_unsubscribe_link_only_when_given(app):
    context = sample_context("new_availability")
    email = render(app, "new_availability", context)
    assert f'href="{context["unsubscribe_url"]}"' in email.html
    assert "Unsubscribe from these emails" in email.text

    del context["unsubscribe_url"]
    email = render(app, "new_availability", context)
    assert "Unsubscribe" not in email.html and "Unsubscribe" not in email.text
    assert "email preferences" not in email.html


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_missing_optional_values_render_cleanly(app, kind):
    context = sample_context(kind)
    for key in OPTIONAL_KEYS:
        context.pop(key, None)
    for name, attributes in OPTIONAL_ATTRIBUTES.items():
        if name in context:
            for attribute in attributes:
                setattr(context[name], attribute, None)
    email = render(app, kind, context)
    for part in (email.html, email.text):
        assert "None" not in part
        assert "Unsubscribe" not in part
        assert "Reason" not in part
    assert "\n\n\n" not in email.text
    for fact in key_facts(kind, context):
        assert fact in email.text


def test_cancelled_by_the_patient_reads_naturally(app):
    context = sample_context("appointment_cancelled")
    context["cancelled_by"] = "Aroha Ngata (online)"  # what the desk's record says
    context["cancelled_by_patient"] = True
    email = render(app, "appointment_cancelled", context)
    for part in (email.html, email.text):
        assert "You cancelled your appointment below." in part
        assert "(online)" not in part and "cancelled by" not in part
        assert "sorry" not in part.lower()

    context["cancelled_by_patient"] = False
    context["cancelled_by"] = "the clinic"
    email = render(app, "appointment_cancelled", context)
    for part in (email.html, email.text):
        assert "has been cancelled by the clinic." in part and "We're sorry" in part
        assert "You cancelled" not in part


@pytest.mark.parametrize("kind", ["appointment_confirmation", "invoice", "new_availability"])
def test_a_batch_renders_each_email_as_one_would_alone(app, kind):
    contexts = []
    for name in ["Aroha", "Ben <b>", "Chloé"]:
        context = sample_context(kind)
        context["patient"].first_name = name
        contexts.append(context)
    batch = render_emails(kind, contexts)
    for context, rendered in zip(contexts, batch, strict=True):
        alone = render_email(kind, context)
        assert (rendered.subject, rendered.html, rendered.text) == (alone.subject, alone.html, alone.text)
        assert "<!--inline:" not in rendered.html and 'style="' in rendered.html
    assert "Ben &lt;b&gt;" in batch[1].html and "Aroha" not in batch[1].html
