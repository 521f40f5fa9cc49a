"""The MIME bytes the delivery job writes by hand hold to the standard."""

import email
import email.policy

import pytest

from dashboard import notify
from dashboard.extensions import db
from dashboard.notify import delivery, mime
from dashboard.notify.recipients import HeaderInjection
from dashboard.notify.samples import sample_context


def outgoing(**overrides):
    values = {
        "id": 7,
        "kind": "appointment_confirmation",
        "subject": "Rendez-vous confirmé – Dr Ngā",
        "html": "<p>Kia ora Māia</p>\n" + "<p>" + "x" * 3000 + "</p>\n.starts with a dot\n",
        "text": "Kia ora Māia\n.starts with a dot\n" + "y" * 2000 + "\n",
        "to_addrs": "maia@patients.example.org",
        "bcc_addrs": "",
        "attempts": 0,
        "attachments": [
            mime.OutgoingAttachment(
                "appointment.ics", "text/calendar; method=REQUEST; charset=utf-8", b"BEGIN:VCALENDAR\r\n" * 40
            )
        ],
    }
    values.update(overrides)
    return mime.Outgoing(**values)


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_structure_headers_and_content_round_trip(app):
    app.config["MAIL_DEFAULT_SENDER"] = "Clinique Ōtautahi <clinic@clinic.example.org>"
    data = mime.to_bytes(outgoing())
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF line ends only
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    parsed = parse(data)
    assert parsed["Subject"] == "Rendez-vous confirmé – Dr Ngā"
    assert parsed["From"].addresses[0].display_name == "Clinique Ōtautahi"
    assert parsed["To"] == "maia@patients.example.org"
    assert parsed["Message-ID"].endswith("@clinic.example.org>")
    assert parsed.get_content_type() == "multipart/mixed"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert text.replace("\r\n", "\n") == outgoing().text
    assert html.replace("\r\n", "\n") == outgoing().html
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "appointment.ics"
    assert attachment.get_content_type() == "text/calendar"
    # A calendar reads the invitation's method from the part's type.
    assert attachment.get_param("method") == "REQUEST" and attachment.get_content_charset() == "utf-8"
    assert attachment.get_payload(decode=True) == b"BEGIN:VCALENDAR\r\n" * 40


def test_an_attachment_keeps_its_own_type_parameters_but_not_a_name(app):
    attachment = mime.OutgoingAttachment("invite.ics", 'text/calendar;method=CANCEL;  name="x.ics"', b"x")
    [part] = list(parse(mime.to_bytes(outgoing(attachments=[attachment]))).iter_attachments())
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "CANCEL"
    assert part.get_param("name") == "invite.ics" and part.get_filename() == "invite.ics"


def test_without_attachments_it_is_a_plain_alternative(app):
    parsed = parse(mime.to_bytes(outgoing(attachments=[])))
    assert parsed.get_content_type() == "multipart/alternative"


@pytest.mark.parametrize(
    "field,value",
    [("subject", "Hello\r\nBcc: victim@example.org"), ("to_addrs", "a@example.org\nBcc: b@example.org")],
)
def test_line_breaks_never_reach_a_header(app, field, value):
    with pytest.raises(HeaderInjection):
        mime.to_bytes(outgoing(**{field: value}))


@pytest.mark.parametrize(
    "filename,content_type",
    [
        ("a.ics", "text/calendar; method=REQUEST\r\nBcc: victim@example.org"),
        ("a.ics\nBcc: b@example.org", "text/plain"),
    ],
)
def test_line_breaks_never_reach_an_attachments_headers(app, filename, content_type):
    with pytest.raises(HeaderInjection):
        mime.to_bytes(outgoing(attachments=[mime.OutgoingAttachment(filename, content_type, b"x")]))


NAMES = [
    "Invoice P-000123 Pōmare.pdf",
    "Siobhán O'Brien's receipt.pdf",
    'Kawakawa "balm" 🌿 list.pdf',
    "🌿.pdf",
    "back\\slash; a=b.pdf",
    "Te Rangihīroa Hōne Wiremu Ātaahua Tūhoe-Pōtatau Kōtuku Ngāhuia Whetū-mārama Āna Ngātiwai 🌿 invoice.pdf",
    "a plain ASCII name that is far too long to sit on one header line with its parameter.pdf",
    "%41 =?utf-8?q?looks_encoded?= %.pdf",
]


def attachment_head(data: bytes) -> list[bytes]:
    part = data.split(b"=_mixed_")[-2]  # the last part before the closing boundary
    return part.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]


@pytest.mark.parametrize("filename", NAMES)
def test_an_attachment_name_arrives_exactly_as_given_in_ascii_headers(app, filename):
    data = mime.to_bytes(outgoing(attachments=[mime.OutgoingAttachment(filename, "application/pdf", b"%PDF-1")]))
    head = attachment_head(data)
    assert all(line.isascii() and len(line) <= 78 for line in head), head
    assert all(len(line) <= 76 for line in head if b"=?utf-8?" in line), head  # RFC 2047 section 2
    [part] = list(parse(data).iter_attachments())
    assert part.get_filename() == filename  # RFC 2231 filename*, read first
    assert part.get_param("name") == filename  # RFC 2047 name=, for a client that knows no RFC 2231
    assert part.get_content_type() == "application/pdf" and part.get_payload(decode=True) == b"%PDF-1"


def test_a_plain_name_goes_as_it_is(app):
    data = mime.to_bytes(outgoing())
    assert b'\r\n name="appointment.ics"\r\n' in data and b'\r\n filename="appointment.ics"\r\n' in data


def test_a_unicode_attachment_name_survives_a_real_smtp_server(app, smtp):
    filename = "Invoice P-000123 Pōmare 🌿 O'Brien.pdf"
    message_id = notify.email(
        "invoice",
        to="mere.pomare@patients.example.org",
        context=sample_context("invoice"),
        attachments=[notify.Attachment(filename, "application/pdf", b"%PDF-1.4 kia ora")],
    )
    db.session.commit()
    assert delivery.deliver([message_id]).as_dict()["sent"] == 1
    [received] = smtp.received
    head = received.raw.split(b"=_mixed_")[-2].split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"filename*0*=utf-8''Invoice%20P-000123%20P%C5%8Dmare%20%F0%9F%8C%BF%20O%27Br;" in head
    [part] = [p for p in received.message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert part.get_filename() == filename
    assert part.get_payload(decode=True) == b"%PDF-1.4 kia ora"
