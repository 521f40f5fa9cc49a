"""The owner's outbox page, the email gallery and `flask emails preview`."""

import email
import email.policy

import icalendar
import pytest
from sqlalchemy import select
from werkzeug.http import parse_options_header

from dashboard import notify
from dashboard.extensions import db
from dashboard.models import EmailAttachment, EmailMessage, EmailStatus
from dashboard.notify import delivery
from dashboard.notify.kinds import KINDS
from dashboard.notify.samples import sample_context


def write(kind="invoice", to="pat@patients.example.org"):
    message_id = notify.email(kind, to=to, context=sample_context(kind))
    db.session.commit()
    return message_id


def test_outbox_lists_and_filters(client, auth, people):
    write("invoice", "ana@patients.example.org")
    write("payment_reminder", "ben@patients.example.org")
    failed = db.session.get(EmailMessage, write("invoice", "cat@patients.example.org"))
    failed.status = EmailStatus.FAILED
    db.session.commit()
    auth.login("olive")

    def rows(query=""):
        return client.get(f"/admin/outbox{query}").get_data(as_text=True).count('data-testid="outbox-row"')

    assert rows() == 3
    assert rows("?status=failed") == 1
    assert rows("?kind=invoice") == 2
    assert rows("?recipient=BEN@") == 1
    assert rows("?recipient=%25") == 0  # LIKE wildcards are taken literally
    assert rows("?sent_from=2000-01-01&sent_to=2000-01-02") == 0
    assert rows("?sent_from=not-a-date") == 3  # a bad filter is ignored, not a 500
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "MAIL_BACKEND is <code>outbox</code>" in page


def test_detail_shows_the_email_exactly_as_sent(client, auth, people, smtp):
    message_id = write("appointment_confirmation")
    delivery.deliver([message_id])
    message = db.session.get(EmailMessage, message_id)
    auth.login("olive")
    page = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert message.subject.replace("'", "&#39;") in page
    assert f"Message-ID: {message.smtp_message_id}".replace("<", "&lt;").replace(">", "&gt;") in page
    assert "appointment.ics" in page
    assert 'sandbox src="/admin/outbox/' in page

    frame = client.get(f"/admin/outbox/{message_id}/html")
    assert frame.get_data(as_text=True) == message.html
    assert frame.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_resend_a_failed_email(client, auth, people):
    message_id = write()
    original = db.session.get(EmailMessage, message_id)
    original.status, original.attempts, original.last_error = EmailStatus.FAILED, 8, "550 no such user"
    db.session.commit()
    auth.login("olive")
    response = auth.post(f"/admin/outbox/{message_id}/resend", form_page=f"/admin/outbox/{message_id}")
    copy = db.session.scalar(select(EmailMessage).where(EmailMessage.resent_from_id == message_id))
    assert response.headers["Location"] == f"/admin/outbox/{copy.id}"
    assert (copy.status, copy.attempts, copy.html) == (EmailStatus.QUEUED, 0, original.html)
    db.session.refresh(original)
    assert original.status == EmailStatus.FAILED  # its history stays


def test_a_sent_email_cannot_be_resent(client, auth, people):
    message_id = write()
    auth.login("olive")
    auth.post(f"/admin/outbox/{message_id}/resend", form_page=f"/admin/outbox/{message_id}")
    page = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "Only failed or cancelled emails can be resent; this one is queued." in page


def test_unknown_email_is_404(client, auth, people):
    auth.login("olive")
    assert client.get("/admin/outbox/999999").status_code == 404
    assert client.get("/admin/emails/no_such_kind").status_code == 404


def test_the_gallery_renders_every_kind(client, auth, people):
    auth.login("olive")
    index = client.get("/admin/emails").get_data(as_text=True)
    for kind in KINDS.values():
        assert kind.label in index
        assert client.get(f"/admin/emails/{kind.name}").status_code == 200
        frame = client.get(f"/admin/emails/{kind.name}/html")
        assert frame.status_code == 200 and app_name(client) in frame.get_data(as_text=True)


def app_name(client) -> str:
    return client.application.config["CLINIC_NAME"]


def test_flask_emails_preview_writes_every_kind(runner, tmp_path):
    result = runner.invoke(args=["emails", "preview", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for kind in KINDS:
        for name in (kind, f"{kind}.es"):  # English's, and Spanish's by its code
            assert (tmp_path / f"{name}.html").read_text().startswith("<")
            assert (tmp_path / f"{name}.txt").read_text().startswith("Subject: ")
            assert b"MIME-Version: 1.0" in (tmp_path / f"{name}.eml").read_bytes()
    assert "de 2026" in (tmp_path / "appointment_reminder.es.txt").read_text()  # "4 de marzo de 2026"
    for kind, method in [("appointment_reminder", "REQUEST"), ("appointment_cancelled", "CANCEL")]:
        message = email.message_from_bytes((tmp_path / f"{kind}.eml").read_bytes(), policy=email.policy.default)
        [invitation] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert invitation.get_param("method") == method
        assert icalendar.Calendar.from_ical(invitation.get_content())["METHOD"] == method


def test_the_outbox_names_kinds_and_attachments_download(client, auth, people):
    message_id = write("new_availability")
    db.session.add(
        EmailAttachment(
            message_id=message_id, filename="Pōmare invoice.pdf", content_type="application/pdf", data=b"%PDF-1"
        )
    )
    db.session.commit()
    attachment = db.session.scalar(select(EmailAttachment))
    auth.login("olive")
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "New availability" in listing and ">new_availability<" not in listing
    detail = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "New availability" in detail
    link = f"/admin/outbox/{message_id}/attachments/{attachment.id}"
    assert f'href="{link}"' in detail
    response = client.get(link)
    assert response.status_code == 200 and response.data == b"%PDF-1"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''P%C5%8Dmare%20invoice.pdf" in response.headers["Content-Disposition"]
    assert client.get(f"/admin/outbox/{message_id + 1}/attachments/{attachment.id}").status_code == 404


@pytest.mark.parametrize(
    "filename", ["Invoice P-000123 Pōmare 🌿 O'Brien.pdf", 'Kawakawa "balm" list.pdf', "Ngātiwai; a=b.pdf"]
)
def test_an_attachment_downloads_under_its_own_name(client, auth, people, filename):
    message_id = write("invoice")
    found = EmailAttachment(message_id=message_id, filename=filename, content_type="application/pdf", data=b"%PDF-1")
    db.session.add(found)
    db.session.commit()
    auth.login("olive")
    response = client.get(f"/admin/outbox/{message_id}/attachments/{found.id}")
    disposition = response.headers["Content-Disposition"]
    assert disposition.isascii()  # RFC 5987 filename* for the name, an ASCII filename= for old browsers
    assert parse_options_header(disposition) == ("attachment", {"filename": filename})
    if not filename.isascii():
        assert "filename*=UTF-8''" in disposition and 'filename="' in disposition
