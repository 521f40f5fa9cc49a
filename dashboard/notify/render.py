"""Render an email's subject, HTML and text, at the moment it is written.

The outbox stores the result, so the log shows exactly what went out. Mail
clients drop <style> blocks, so every element carries its styles inline: the
shell in emails/_base.html is written that way, and the `inline_styles`
filter copies the rules of emails/_content.css into each kind's content.
Dates are shown in the clinic's time zone through the same filters the pages
use.
"""

import secrets
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import SimpleNamespace

import css_inline
from flask import Flask, current_app
from jinja2 import Environment, Template
from markupsafe import Markup

from dashboard.notify.kinds import get

CONTENT_CSS = "emails/_content.css"


@dataclass
class Rendered:
    subject: str
    html: str
    text: str


def clinic_context() -> SimpleNamespace:
    config = current_app.config
    return SimpleNamespace(
        name=config["CLINIC_NAME"],
        address=config["CLINIC_ADDRESS"],
        phone=config["CLINIC_PHONE"],
        colour=config["CLINIC_BRAND_COLOUR"],
        timezone=config["CLINIC_TIMEZONE"],
    )


def render_email(kind: str, context: dict) -> Rendered:
    spec = get(kind)
    templates = email_templates(current_app)
    context = {"clinic": clinic_context(), "kind": spec, **context}
    subject = one_line(templates.subject(kind).render(context))
    html = templates.env.get_template(f"emails/{kind}.html").render(context, subject=subject)
    text = templates.env.get_template(f"emails/{kind}.txt").render(context, subject=subject)
    return Rendered(subject=subject, html=html, text=text.strip() + "\n")


SUBJECT_LENGTH = 300  # the outbox's column


def one_line(text: str) -> str:
    """A subject: whitespace runs (CR and LF among them) become one space, and it fits its column."""
    line = " ".join(text.split())
    return line if len(line) <= SUBJECT_LENGTH else line[: SUBJECT_LENGTH - 1].rstrip() + "…"


def render_emails(kind: str, contexts: Iterable[dict]) -> list[Rendered]:
    """Render many emails of one kind: as render_email, but the CSS inlining of all
    of them is done at the end in one call, which css_inline spreads over the cores."""
    held = _Held()
    reset = _held.set(held)
    try:
        rendered = [(render_email(kind, context), len(held.fragments)) for context in contexts]
    finally:
        _held.reset(reset)
    inlined = css_inline.inline_many_fragments(held.fragments, held.css)
    first = 0
    for email, end in rendered:
        for index in range(first, end):
            email.html = email.html.replace(held.placeholder(index), inlined[index], 1)
        first = end
    return [email for email, _ in rendered]


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


_held: ContextVar[_Held | None] = ContextVar("email_inlining_held", default=None)


class EmailTemplates:
    """The Jinja environment emails render in: the app's templates and filters,
    but none of the page globals (request, session, url_for, CSRF). An email is
    rendered in requests and jobs alike and must depend only on its context, and
    a fan-out renders thousands: each render copies the globals into its context."""

    def __init__(self, app: Flask):
        pages = app.jinja_env
        self.env = Environment(
            loader=pages.loader,
            autoescape=pages.autoescape,
            auto_reload=pages.auto_reload,
            extensions=list(pages.extensions),
        )
        self.env.filters.update(pages.filters)
        # A subject is plain text: it is escaped once, where HTML shows it (<title>,
        # the outbox page), never when it is made.
        self.plain = self.env.overlay(autoescape=False)
        self._subjects: dict[str, Template] = {}
        self._css: dict[str, str] = {}

    def subject(self, kind: str) -> Template:
        if kind not in self._subjects:
            self._subjects[kind] = self.plain.from_string(get(kind).subject)
        return self._subjects[kind]

    def content_css(self, colour: str) -> str:
        """The content rules in the brand colour, rendered once per colour."""
        if colour not in self._css:
            self._css[colour] = self.env.get_template(CONTENT_CSS).render(colour=colour)
        return self._css[colour]


def email_templates(app: Flask) -> EmailTemplates:
    templates = app.extensions.get("email_templates")
    if templates is None:
        templates = app.extensions["email_templates"] = EmailTemplates(app)
    return templates


def inline_styles(fragment: str, colour: str) -> Markup:
    """The filter around an email's content: its classes become style="" attributes."""
    css = email_templates(current_app).content_css(colour)
    held = _held.get()
    if held is not None:
        return held.hold(str(fragment), css)
    return Markup(css_inline.inline_fragment(str(fragment), css))
