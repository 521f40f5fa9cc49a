"""Headers as mail clients read them: what was typed, decoded exactly; nothing typed
ever becomes a header; the sender, reply address, Message-ID and Date right."""

import email
import email.policy
import re

import pytest

from dashboard.notify import headers, mime
from dashboard.notify.recipients import HeaderInjection
from dashboard.notify.render import render_email
from dashboard.notify.samples import sample_context

SUBJECTS = [
    "Your appointment with Dr Aroha Ngātiwai on Wednesday 4 March 2026",
    "New appointment: Zoë Müller with Dr Pōmare, Friday 4 December 2026, 9:30 am",
    "Siobhán O'Brien 🌿 \u200fمريم\u200f and José García-López",
    "Plain ASCII but long enough to need folding at a space somewhere, " * 3,
    "ā" * 200,
    "x" * 200,  # one unbroken word longer than a line
    "=?utf-8?q?Ana=0D=0ABcc:victim@example.org?=",  # typed to look like an encoded-word
    "Tab\there and a NUL-free control \x1b char",
]


def outgoing(**overrides) -> mime.Outgoing:
    values = {"id": 3, "kind": "appointment_confirmation", "subject": "Hello", "html": "<p>Hi</p>", "text": "Hi\n",
              "to_addrs": "maia@patients.example.org", "bcc_addrs": "", "attempts": 0}  # fmt: skip
    values.update(overrides)
    return mime.Outgoing(**values)


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(mime.to_bytes(message), policy=email.policy.default)


def head(data: bytes) -> list[bytes]:
    return data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_subject_decodes_to_exactly_what_was_written(app, subject):
    data = mime.to_bytes(outgoing(subject=subject))
    assert email.message_from_bytes(data, policy=email.policy.default)["Subject"] == subject
    for line in head(data):
        assert len(line) <= 78 or line.startswith((b"Message-ID", b"Content-Type")), line
        if b"=?utf-8?q?" in line:
            assert len(line) <= 76, line


def test_a_typed_encoded_word_stays_text(app):
    data = mime.to_bytes(outgoing(subject="=?utf-8?q?Ana=0D=0ABcc:victim@example.org?="))
    subject_lines = b"\r\n".join(line for line in head(data) if line.startswith((b"Subject", b" =?")))
    assert b"=?utf-8?q?Ana" not in subject_lines  # its own "=?" is encoded, so no client decodes it
    decoded = email.message_from_bytes(data, policy=email.policy.default)
    assert "\n" not in decoded["Subject"] and "Bcc" not in decoded and decoded["Subject"].startswith("=?utf-8")


@pytest.mark.parametrize("field", ["subject", "to_addrs"])
def test_a_line_break_in_what_was_given_is_refused_before_encoding(app, field):
    with pytest.raises(HeaderInjection):
        mime.to_bytes(outgoing(**{field: "Aroha Ngātiwai\r\nBcc: victim@example.org"}))


def test_the_folds_the_encoding_makes_are_never_taken_for_an_injection(app):
    long_unicode = "New appointment: Aroha Ngātiwai with Dr Aroha Ngātiwai, Wednesday 4 March 2026, 9:30 am"
    assert b"\r\n =?utf-8?q?" in mime.to_bytes(outgoing(subject=long_unicode))


def test_from_has_the_clinics_name_and_message_id_the_senders_domain(app):
    app.config.update(MAIL_DEFAULT_SENDER="reception@harbourside.co.nz", CLINIC_NAME="Harbourside Clinic")
    message = parsed(outgoing())
    assert message["From"] == "Harbourside Clinic <reception@harbourside.co.nz>"
    assert message["Message-ID"].endswith("@harbourside.co.nz>")
    assert "Reply-To" not in message


def test_a_sender_with_its_own_name_keeps_it_and_a_macron_is_encoded(app):
    app.config["MAIL_DEFAULT_SENDER"] = "Te Whare Hauora Ōtautahi <kiaora@hauora.example.org>"
    data = mime.to_bytes(outgoing())
    assert parsed(outgoing())["From"].addresses[0].display_name == "Te Whare Hauora Ōtautahi"
    assert all(line.isascii() for line in head(data))


def test_a_name_with_specials_is_quoted(app):
    app.config.update(MAIL_DEFAULT_SENDER="reception@harbourside.co.nz", CLINIC_NAME="Smith, Jones & Co. (Dental)")
    assert parsed(outgoing())["From"].addresses[0].display_name == "Smith, Jones & Co. (Dental)"


def test_reply_to_comes_from_clinic_reply_to(app):
    app.config["CLINIC_REPLY_TO"] = "frontdesk@harbourside.co.nz"
    assert parsed(outgoing())["Reply-To"] == "frontdesk@harbourside.co.nz"


@pytest.mark.parametrize("sender", ["clinic@localhost", "clinic", "noreply@intranet"])
def test_the_message_id_is_never_at_localhost(app, sender):
    app.config["MAIL_DEFAULT_SENDER"] = sender
    message_id = parsed(outgoing())["Message-ID"]
    assert "localhost" not in message_id and "@" in message_id and re.search(r"@[\w.-]+\.\w+>$", message_id)


def test_the_date_carries_a_real_offset(app):
    date = parsed(outgoing())["Date"]
    assert re.search(r" [+-]\d{4}$", date) and not date.endswith("-0000")
    assert date.endswith(("+1300", "+1200"))  # the clinic's, Pacific/Auckland


def test_an_international_domain_goes_as_idna_and_a_unicode_local_part_needs_smtputf8(app):
    assert headers.wire("aroha@whānau.example.org") == headers.WireAddress(
        "aroha@xn--whnau-gwa.example.org", "aroha@xn--whnau-gwa.example.org", False
    )
    jose = headers.wire("josé@example.com")
    assert jose.needs_smtputf8 and jose.header == "josé@example.com"
    chinese = headers.wire("用户@例子.广告")
    assert chinese.needs_smtputf8 and chinese.envelope == "用户@xn--fsqu00a.xn--4rr70v"
    assert mime.to_bytes(outgoing(to_addrs="aroha@whānau.example.org")).isascii()
    assert "To: 用户@例子.广告".encode() in mime.to_bytes(outgoing(to_addrs="用户@例子.广告"))


def test_subjects_are_plain_text_and_the_html_escapes_them_once(app):
    context = sample_context("low_stock_alert")
    context["item"].name = "<script>alert('x')</script> & Siobhán's gloves"
    rendered = render_email("low_stock_alert", context)
    assert rendered.subject.startswith("Low stock: <script>alert('x')</script> & Siobhán's gloves")
    title = re.search(r"<title>(.*)</title>", rendered.html).group(1)
    assert title.startswith("Low stock: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Siobhán&#39;s gloves")
    assert "&amp;#39;" not in rendered.html and "&amp;lt;" not in rendered.html


def test_the_outbox_detail_shows_headers_decoded(client, auth, people, app):
    from dashboard import notify
    from dashboard.extensions import db

    message_id = notify.email(
        "delivery_failed",
        to="olive@clinic.example.org",
        context={**sample_context("delivery_failed")},
    )
    db.session.commit()
    auth.login("olive")
    page = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "Subject: An email could not be delivered" in page
    assert "=?utf-8?" not in page
