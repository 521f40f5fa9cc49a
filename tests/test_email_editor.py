"""The owner's words for an email: compiled in a sandbox, checked, versioned, in use at once."""

import copy
import re

import pytest

from dashboard.models import EmailTemplateVersion
from dashboard.notify import custom
from dashboard.notify.drafts import Draft, check, documented
from dashboard.notify.kinds import KINDS
from dashboard.notify.render import render_email, render_emails
from dashboard.notify.samples import sample_context
from dashboard.services import email_templates

KIND = "appointment_confirmation"
OWN_HTML = (
    "<p>Kia ora {{ patient.first_name }}, nau mai ki Ngātiwai Health 🌿</p>\n"
    "<p>{{ appointment.starts_at | clinic_datetime }}</p>"
)
OWN_TEXT = "Kia ora {{ patient.first_name }}, see you {{ appointment.starts_at | clinic_datetime }}. Ngā mihi, O'Brien"


def own(**parts) -> Draft:
    return Draft(
        subject=parts.get(
            "subject", "Kia ora {{ patient.first_name }}: your time with {{ appointment.practitioner_name }}"
        ),
        html=parts.get("html", OWN_HTML),
        text=parts.get("text", OWN_TEXT),
    )


def between_tags(html: str) -> str:
    """HTML with the whitespace between tags taken out (a `{% set %}` line's newline moves)."""
    return re.sub(r">\s+<", "><", html)


def saved(kind: str = KIND, draft: Draft | None = None, user_id=None):
    checked = email_templates.save(kind, draft or own(), user_id=user_id)
    assert checked.ok, checked.errors
    return checked


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_default_words_in_the_sandbox_make_the_default_email(app, kind):
    """An owner starts from the file's content block: saved unchanged, the email is the same."""
    context = sample_context(kind)  # one context: its signed links carry the time they were made
    before = render_email(kind, copy.deepcopy(context))
    draft = email_templates.default_draft(kind)
    checked = check(kind, draft)
    assert checked.ok, checked.errors
    assert checked.warnings == []
    saved(kind, draft)
    after = render_email(kind, copy.deepcopy(context))
    assert custom.in_use(kind) is not None
    assert (after.subject, after.text) == (before.subject, before.text)
    assert between_tags(after.html) == between_tags(before.html)


def test_own_words_keep_the_shell_the_footer_and_inlined_styles(app):
    saved()
    rendered = render_email(KIND, sample_context(KIND))
    assert rendered.subject == "Kia ora Aroha: your time with Dr Hannah Wilson"
    assert "nau mai ki Ngātiwai Health 🌿" in rendered.html
    assert "Ngā mihi, O&#39;Brien" not in rendered.text and "Ngā mihi, O'Brien" in rendered.text
    assert app.config["CLINIC_NAME"] in rendered.html and app.config["CLINIC_ADDRESS"] in rendered.text
    assert "<p style=" in rendered.html  # the content CSS inlined into the owner's paragraphs
    assert "Your appointment is booked" not in rendered.html


def test_a_batch_renders_own_words_for_every_recipient(app):
    saved()
    contexts = []
    for name in ["Aroha", "Mere", "Tāne", "Siobhán"]:
        context = sample_context(KIND)
        context["patient"].first_name = name
        contexts.append(context)
    rendered = render_emails(KIND, contexts)
    assert [r.subject.split(":")[0] for r in rendered] == [
        "Kia ora Aroha",
        "Kia ora Mere",
        "Kia ora Tāne",
        "Kia ora Siobhán",
    ]
    assert all("nau mai" in r.html for r in rendered)


def test_a_batch_whose_words_transform_a_name_is_rendered_one_by_one_in_those_words(app):
    saved(draft=own(subject="KIA ORA {{ patient.first_name | upper }}"))
    contexts = []
    for name in ["Aroha", "Tāne", "Siobhán", "Mere", "Wiremu"]:
        context = sample_context(KIND)
        context["patient"].first_name = name
        contexts.append(context)
    subjects = [r.subject for r in render_emails(KIND, contexts)]
    assert subjects == ["KIA ORA AROHA", "KIA ORA TĀNE", "KIA ORA SIOBHÁN", "KIA ORA MERE", "KIA ORA WIREMU"]


def test_a_syntax_error_is_refused_with_its_line_and_nothing_is_saved(app):
    checked = email_templates.save(KIND, own(html="<p>one</p>\n<p>{{ patient.first_name </p>"), user_id=None)
    assert not checked.ok
    assert checked.errors[0].startswith("HTML content, line 2:")
    assert email_templates.versions(KIND) == []


def test_an_unknown_variable_is_a_warning(app):
    checked = check(KIND, own(text="Kia ora {{ patient.first_name }} {{ pet_name }}"))
    assert checked.ok
    assert checked.warnings == ["Text content uses pet_name, which this email doesn't have."]


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ config }}{{ config.SECRET_KEY }}",
        "{{ self }}{{ self._TemplateReference__context }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ lipsum.__globals__ }}",
        "{{ request.environ }}{{ url_for.__globals__ }}",
        "{{ patient.first_name.format_map }}{{ ''.format.__globals__ }}",
        "{% set x = appointment.__dict__ %}{{ x }}",
        "{{ kind.__class__.__init__.__globals__ }}",
        "{{ (1).__class__.__base__.__subclasses__() }}",
    ],
)
def test_sandbox_escapes_render_nothing_dangerous(app, source):
    checked = check(KIND, own(html=f"<p>{source}</p>"))
    if checked.rendered is not None:
        shown = checked.rendered.html
        for leak in ("&lt;class", "<class", "&lt;module", "<module", app.config["SECRET_KEY"], "environ", "{'"):
            assert leak not in shown
    else:
        assert checked.errors


def test_a_database_row_shows_its_columns_only(app, people):
    """Real emails carry ORM objects: `query` (delete all!) and methods are out of the owner's reach."""
    from dashboard.models import User

    user = User.query.first()
    sandbox = custom.compiler().html
    template = sandbox.from_string("{{ u.username }}|{{ u.query }}|{{ u.metadata }}|{{ u.set_password }}")
    assert template.render(u=user) == f"{user.username}|||"


@pytest.mark.parametrize(
    "draft, refusal",
    [
        (own(text="   "), "The text content is empty"),
        (own(text="{% if false %}x{% endif %}"), "The text content is empty"),
        (own(subject="{{ '' }}"), "The subject is empty"),
        (own(html="<p>{{ 'Ngātiwai ' * 30000 }}</p>"), "The email would be"),
        (own(html='<a href="javascript:alert(1)">pay</a>'), "Links must start with"),
        (own(html='<a href="/relative">pay</a>'), "Links must start with"),
        (own(html='<img src="data:image/png;base64,AAAA">'), "Links must start with"),
    ],
)
def test_a_draft_that_would_break_the_email_is_refused(app, draft, refusal):
    checked = email_templates.save(KIND, draft, user_id=None)
    assert any(error.startswith(refusal) for error in checked.errors), checked.errors
    assert email_templates.versions(KIND) == []


def test_mailto_tel_and_https_links_are_fine(app):
    html = '<a href="mailto:desk@clinic.example.org">email</a> <a href="tel:+6495550199">call</a> <a href="https://x.example">site</a>'
    assert check(KIND, own(html=html)).ok


def test_versions_revert_and_diff(app, people):
    owner = people["owner"]
    saved(user_id=owner.id)
    saved(draft=own(subject="Second: {{ patient.first_name }}"), user_id=owner.id)
    first, second = sorted(email_templates.versions(KIND), key=lambda v: v.id)
    assert render_email(KIND, sample_context(KIND)).subject == "Second: Aroha"
    assert second.created_by.id == owner.id

    email_templates.revert(KIND, first.id, user_id=owner.id)
    assert render_email(KIND, sample_context(KIND)).subject.startswith("Kia ora Aroha")

    email_templates.revert(KIND, None, user_id=owner.id)
    assert render_email(KIND, sample_context(KIND)).subject.startswith("Your appointment with")
    assert KIND not in email_templates.customised()
    history = email_templates.versions(KIND)
    assert len(history) == 4 and history[0].is_default  # nothing lost

    _, parts = email_templates.diff_with_default(KIND, first.id)
    html = next(part for part in parts if part.label == "HTML content")
    assert any(line.startswith("+<p>Kia ora") for line in html.lines)
    assert any(line.startswith("-<h1>Your appointment is booked") for line in html.lines)
    _, same = email_templates.diff_with_default(KIND, history[0].id)
    assert all(part.lines == [] for part in same)


def test_documented_variables_are_listed(app):
    names = documented(KIND)
    assert "patient.first_name" in names and "appointment.starts_at" in names and "clinic.name" in names
    assert "manage_url" in names


def test_a_failing_saved_version_falls_back_to_the_default(app, caplog):
    """Saved words that fail on a real email's data still let the email go, in the default words."""
    from dashboard.extensions import db

    db.session.add(EmailTemplateVersion(kind=KIND, subject="{{ 1 / 0 }}", html="<p>x</p>", text="x"))
    db.session.commit()
    rendered = render_email(KIND, sample_context(KIND))
    assert rendered.subject.startswith("Your appointment with")
    assert re.search("failed; the default was used", caplog.text)


def test_a_version_saved_by_another_process_is_in_use_at_the_next_email(app):
    """No restart and no message between processes: the newest version's id is read per email."""
    from sqlalchemy import insert

    from dashboard.extensions import db
    from dashboard.models.base import utcnow

    assert render_email(KIND, sample_context(KIND)).subject.startswith("Your appointment with")  # compiled, cached
    with db.engine.begin() as other:  # another connection, as the web process's save would be
        other.execute(
            insert(EmailTemplateVersion).values(
                kind=KIND, language="en", subject="Kia ora {{ patient.first_name }}", html="<p>x</p>", text="x",
                created_at=utcnow(),
            )
        )  # fmt: skip
    db.session.commit()  # this session's next transaction sees the other's commit (PostgreSQL: read committed)
    assert render_email(KIND, sample_context(KIND)).subject == "Kia ora Aroha"
