"""Render an email's subject, HTML and text, at the moment it is written.

The outbox stores the result, so the log shows exactly what went out. Mail
clients drop <style> blocks, so every element carries its styles inline: the
shell in emails/_base.html is written that way, and the `inline_styles`
filter copies the rules of emails/_content.css into each kind's content.
Dates are shown in the clinic's time zone through the same filters the pages
use. Each email is written in its reader's language (`languages.of_context`): the
files' words through gettext, the owner's words in that language's version.
"""

import logging
import re
import secrets
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from html import unescape
from types import SimpleNamespace

import css_inline
from flask import current_app
from markupsafe import Markup

from dashboard import languages
from dashboard.notify import batch, custom
from dashboard.notify.environment import email_templates
from dashboard.notify.kinds import get
from dashboard.settings import setting

log = logging.getLogger(__name__)


@dataclass
class Rendered:
    subject: str
    html: str
    text: str


def clinic_context() -> SimpleNamespace:
    return SimpleNamespace(
        name=setting("CLINIC_NAME"),
        address=setting("CLINIC_ADDRESS"),
        phone=setting("CLINIC_PHONE"),
        colour=setting("CLINIC_BRAND_COLOUR"),
        timezone=setting("CLINIC_TIMEZONE"),
        logo=logo_url(),
    )


def logo_url() -> str:
    """The clinic's logo at its public address (emails are read far from the site), or ""."""
    logo = str(setting("CLINIC_LOGO") or "")
    return f"{current_app.config['BASE_URL'].rstrip('/')}/logo/{logo}" if logo.isdigit() else ""


def _render(kind: str, context: dict, recording: batch.Recording | None = None) -> tuple[str, str, str]:
    """Subject, HTML and text of one email, as Jinja makes them; with a `recording`, the
    skeleton of a batch (the subject left as it is, the body given a stand-in for it)."""
    templates = email_templates(current_app)
    context = {"clinic": clinic_context(), "kind": get(kind), **context}
    owned = custom.in_use(kind, languages.current())
    if owned is not None:
        try:
            return _render_custom(templates, kind, owned, context, recording)
        except batch.Refused:  # a stand-in used beyond printing: the batch renders one by one
            raise
        except Exception:  # noqa: BLE001 - an owner's words failing on real data must not lose the email
            log.exception("%s: the owner's version %s failed; the default was used", kind, owned.version_id)
    subject = templates.subject(kind).render(context)
    shown = one_line(subject) if recording is None else batch.Stand(recording, batch.SUBJECT)
    html = templates.env.get_template(f"emails/{kind}.html").render(context, subject=shown)
    text = templates.env.get_template(f"emails/{kind}.txt").render(context, subject=shown)
    return subject, html, text


def _render_custom(templates, kind: str, owned: custom.Custom, context: dict, recording) -> tuple[str, str, str]:
    """The owner's subject and content, the content put into the kind's file in place of its own."""
    subject = owned.subject.render(context)
    shown = one_line(subject) if recording is None else batch.Stand(recording, batch.SUBJECT)
    content = Markup(owned.html.render(context))
    html = templates.shell(kind, "html").render(context, subject=shown, owner_content=content)
    words = owned.text.render(context).strip()
    text = templates.shell(kind, "txt").render(context, subject=shown, owner_content=words)
    return subject, html, text


def render_owned(kind: str, owned: custom.Custom, context: dict) -> Rendered:
    """An email in an owner's words that may not be saved yet (a preview): errors propagate."""
    with languages.writing_in(languages.of_context(context)):
        context = {"clinic": clinic_context(), "kind": get(kind), **context}
        return _finished(*_render_custom(email_templates(current_app), kind, owned, context, None))


def _finished(subject: str, html: str, text: str) -> Rendered:
    return Rendered(subject=one_line(subject), html=html, text=text.strip() + "\n")


def render_email(kind: str, context: dict) -> Rendered:
    with languages.writing_in(languages.of_context(context)):
        return _finished(*_render(kind, context))


SUBJECT_LENGTH = 300  # the outbox's column


def one_line(text: str) -> str:
    """A subject: whitespace runs (CR and LF among them) become one space, and it fits its column."""
    line = " ".join(text.split())
    return line if len(line) <= SUBJECT_LENGTH else line[: SUBJECT_LENGTH - 1].rstrip() + "…"


def render_emails(kind: str, contexts: Iterable[dict]) -> list[Rendered]:
    """Render many emails of one kind, each as render_email would, but faster.

    Recipients whose emails differ only in their own values (a fan-out: the same
    times, each their own name and links) share one rendering, filled in per
    recipient (see `dashboard.notify.batch`); the CSS inlining of everything
    rendered is done at the end in one call, which css_inline spreads over the cores.
    Each language's readers are a batch of their own, written in it."""
    return _per_language(kind, list(contexts), _render_batch)


def _per_language(kind: str, contexts: list[dict], render) -> list[Rendered]:
    """`render(kind, contexts)` once per language among the readers, in it; in their order."""
    by_language: dict[str, list[int]] = {}
    for index, context in enumerate(contexts):
        by_language.setdefault(languages.of_context(context), []).append(index)
    results: dict[int, Rendered] = {}
    for language, indices in by_language.items():
        with languages.writing_in(language):
            results.update(zip(indices, render(kind, [contexts[i] for i in indices]), strict=True))
    return [results[index] for index in range(len(contexts))]


def _render_batch(kind: str, contexts: list[dict]) -> list[Rendered]:
    """render_emails for readers of one language, written in the current one."""
    results: dict[int, Rendered] = {}  # by position; every one is filled below
    held = _Held()
    reset = _held.set(held)
    once = custom.look_up_once()
    try:
        full: dict[int, tuple[str, str, str]] = {}
        skeletons: list[tuple[batch.Recording, tuple[str, str, str], list[int]]] = []
        for group in batch.plan(contexts, get(kind).personal):
            if len(group.indices) < batch.MIN_GROUP:
                full.update((i, _render(kind, contexts[i])) for i in group.indices)
                continue
            try:
                made = _skeletons(kind, contexts, group)
            except batch.Refused:
                log.debug("%s: a template uses a recipient's value beyond printing it; rendered one by one", kind)
                full.update((i, _render(kind, contexts[i])) for i in group.indices)
                continue
            skeletons += made
            full.update((indices[0], _render(kind, contexts[indices[0]])) for _, _, indices in made)
    finally:
        _held.reset(reset)
        custom.looked_up(once)
    inline = held.inliner()

    for index, (subject, html, text) in full.items():
        results[index] = _finished(subject, inline(html), text)
    again = []
    for recording, (subject, html, text), indices in skeletons:
        skeleton = batch.Skeleton(recording, subject, inline(html), text)
        if not (
            skeleton.placed() and _same(_finished(*skeleton.fill(recording.source, one_line)), results[indices[0]])
        ):
            log.warning("%s: a shared rendering differed from the full one; rendered one by one", kind)
            again += indices[1:]
            continue
        for index in indices[1:]:
            results[index] = _finished(*skeleton.fill(contexts[index], one_line))
    if again:
        for index, rendered in zip(again, _render_in_full(kind, [contexts[i] for i in again]), strict=True):
            results[index] = rendered
    return [results[index] for index in range(len(contexts))]


def _skeletons(kind: str, contexts: list[dict], group: batch.Group):
    """One skeleton per way the group's recipients answer the templates' truth tests."""
    made: list[tuple[batch.Recording, tuple[str, str, str], list[int]]] = []
    for index in group.indices:
        context = contexts[index]
        for recording, _, indices in made:
            if recording.matches(context):
                indices.append(index)
                break
        else:
            recording = batch.Recording(context)
            rendered = _render(kind, batch.stand_ins(context, group.personal, recording), recording)
            made.append((recording, rendered, [index]))
    return made


def _same(ours: Rendered, full: Rendered) -> bool:
    """The same email to a reader: css_inline writes some characters its own way (e.g. ' for &#39;)."""
    return (ours.subject, ours.text, unescape(ours.html)) == (full.subject, full.text, unescape(full.html))


def render_emails_in_full(kind: str, contexts: list[dict]) -> list[Rendered]:
    """Every email rendered on its own, the CSS of all of them inlined in one call."""
    return _per_language(kind, contexts, _render_in_full)


def _render_in_full(kind: str, contexts: list[dict]) -> list[Rendered]:
    held = _Held()
    reset = _held.set(held)
    once = custom.look_up_once()
    try:
        rendered = [_render(kind, context) for context in contexts]
    finally:
        _held.reset(reset)
        custom.looked_up(once)
    inline = held.inliner()
    return [_finished(subject, inline(html), text) for subject, html, text in rendered]


@dataclass
class _Held:
    """Content fragments whose inlining waits for the end of a render_emails batch."""

    token: str = field(default_factory=lambda: secrets.token_hex(8))
    fragments: list[str] = field(default_factory=list)
    css: list[str] = field(default_factory=list)

    def hold(self, fragment: str, css: str) -> Markup:
        self.fragments.append(fragment)
        self.css.append(css)
        return Markup(self.placeholder(len(self.fragments) - 1))

    def placeholder(self, index: int) -> str:
        return f"<!--inline:{self.token}:{index}-->"

    def inliner(self):
        """Inline every held fragment in one call; returns what puts them back into a page."""
        inlined = css_inline.inline_many_fragments(self.fragments, self.css) if self.fragments else []
        pattern = re.compile(f"<!--inline:{self.token}:(\\d+)-->")
        return lambda html: pattern.sub(lambda match: inlined[int(match[1])], html)


_held: ContextVar[_Held | None] = ContextVar("email_inlining_held", default=None)


def inline_styles(fragment: str, colour: str) -> Markup:
    """The filter around an email's content: its classes become style="" attributes."""
    css = email_templates(current_app).content_css(colour)
    held = _held.get()
    if held is not None:
        return held.hold(str(fragment), css)
    return Markup(css_inline.inline_fragment(str(fragment), css))
