"""The owner's email editor: preview at two widths, save, refusals, versions, revert, test send."""

import html
import re

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailTemplateVersion

KIND = "payment_confirmation"
EDIT = f"/admin/emails/{KIND}/edit"
WORDS = {
    "subject": "Ngā mihi {{ patient.first_name }}: {{ payment.amount | money }} received",
    "html": "<p>Kia ora {{ patient.first_name }}, thank you from Ngātiwai & O'Brien 🌿</p>",
    "text": "Kia ora {{ patient.first_name }}, thank you from Ngātiwai & O'Brien 🌿",
}


def submit(auth, action: str, **changes):
    return auth.post(EDIT, {**WORDS, **changes, "action": action}, form_page=EDIT)


def test_the_editor_starts_from_the_default_words_with_the_variables_beside(client, auth, people):
    auth.login("olive")
    page = client.get(EDIT).get_data(as_text=True)
    assert 'value="Payment received, thank you ({{ invoice.number }})"' in html.unescape(page)
    assert "payment.amount" in page and "patient.first_name" in page
    assert 'name="csrf_token"' in page


def test_preview_shows_the_email_at_both_widths_and_saves_nothing(client, auth, people):
    auth.login("olive")
    response = submit(auth, "preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'width="320"' in page and 'width="600"' in page and "sandbox" in page
    assert "Ngā mihi Aroha" in page
    frame_url = re.search(r'src="(/admin/emails/[^"]+/preview/[^"]+)"', page)[1]
    frame = client.get(frame_url)
    assert "thank you from Ngātiwai &amp; O" in frame.get_data(as_text=True)
    assert "style-src 'unsafe-inline'" in frame.headers["Content-Security-Policy"]
    assert db.session.scalars(select(EmailTemplateVersion)).all() == []


def test_save_keeps_a_version_and_the_list_marks_the_kind(client, auth, people):
    auth.login("olive")
    response = submit(auth, "save")
    assert response.status_code == 302
    version = db.session.scalars(select(EmailTemplateVersion)).one()
    assert version.kind == KIND and version.created_by_id == people["owner"].id
    listing = client.get("/admin/emails").get_data(as_text=True)
    row = re.search(rf'data-testid="kind-{KIND}".*?</div>', listing, re.S)[0]
    assert "customised" in row
    gallery = client.get(f"/admin/emails/{KIND}/html").get_data(as_text=True)
    assert "thank you from Ngātiwai" in gallery


def test_a_syntax_error_is_shown_with_its_line_and_nothing_saved(client, auth, people):
    auth.login("olive")
    response = submit(auth, "save", html="<p>one</p>\r\n<p>{% if patient %}two</p>")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "HTML content, line 2:" in page and "Nothing was saved" in page
    assert db.session.scalars(select(EmailTemplateVersion)).all() == []


def test_an_unknown_variable_is_a_warning_and_words_are_escaped_once(client, auth, people):
    auth.login("olive")
    page = submit(auth, "preview", text="{{ favourite_colour }} <b>&</b>").get_data(as_text=True)
    assert "uses favourite_colour" in page
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in page  # the textarea and the text preview: escaped once
    assert "&amp;lt;b" not in page


def test_a_form_without_csrf_is_refused(client, auth, people):
    auth.login("olive")
    assert client.post(EDIT, data={**WORDS, "action": "save"}).status_code == 400
    assert client.post(f"/admin/emails/{KIND}/test").status_code == 400
    assert db.session.scalars(select(EmailTemplateVersion)).all() == []


def test_staff_and_practitioners_get_403(client, auth, people):
    for username in ("sam", "drwho"):
        auth.login(username)
        assert client.get(EDIT).status_code == 403
        assert auth.post(EDIT, {**WORDS, "action": "save"}).status_code == 403
        auth.logout()


def test_versions_compare_and_revert(client, auth, people):
    auth.login("olive")
    submit(auth, "save")
    submit(auth, "save", subject="Second {{ patient.first_name }}")
    first, second = db.session.scalars(select(EmailTemplateVersion).order_by(EmailTemplateVersion.id)).all()
    page = client.get(f"/admin/emails/{KIND}/versions?compare={first.id}").get_data(as_text=True)
    assert "Olive Person" in page and "Compare with the default" in page
    assert "+&lt;p&gt;Kia ora" in page  # the diff, escaped once
    versions = f"/admin/emails/{KIND}/versions"
    auth.post(f"/admin/emails/{KIND}/revert", {"version": str(first.id)}, form_page=versions)
    assert (
        db.session.scalars(select(EmailTemplateVersion).order_by(EmailTemplateVersion.id.desc())).first().subject
        == (WORDS["subject"])
    )
    auth.post(f"/admin/emails/{KIND}/revert", {"version": "default"}, form_page=versions)
    newest = db.session.scalars(select(EmailTemplateVersion).order_by(EmailTemplateVersion.id.desc())).first()
    assert newest.is_default
    assert (
        "customised"
        not in re.search(
            rf'data-testid="kind-{KIND}".*?</div>', client.get("/admin/emails").get_data(as_text=True), re.S
        )[0]
    )
    assert len(db.session.scalars(select(EmailTemplateVersion)).all()) == 4


def test_send_me_a_test_queues_the_kind_to_the_owner(client, auth, people):
    auth.login("olive")
    submit(auth, "save")
    response = auth.post(f"/admin/emails/{KIND}/test", form_page=EDIT)
    assert response.status_code == 302
    message = db.session.scalars(select(EmailMessage)).one()
    assert message.to_addrs == "olive@clinic.example.org"
    assert message.subject.startswith("Ngā mihi Aroha")


def test_words_too_long_for_the_form_are_refused_with_a_message(client, auth, people):
    auth.login("olive")
    response = submit(auth, "save", html="Ngā " * 60_000)
    assert response.status_code == 400
    assert "HTML content: " in response.get_data(as_text=True)
    assert db.session.scalars(select(EmailTemplateVersion)).all() == []
