"""The Jinja environment emails render in, kept apart from the pages' (see EmailTemplates)."""

from flask import Flask
from flask_babel import get_translations, gettext
from jinja2 import Environment, Template

from dashboard import languages
from dashboard.notify.kinds import get

CONTENT_CSS = "emails/_content.css"


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
        # Flask-Babel's gettext, as the pages have it: the catalogue of the language being written in.
        self.env.add_extension("jinja2.ext.i18n")
        self.env.install_gettext_callables(  # type: ignore[attr-defined]  # the i18n extension's
            gettext=lambda message: get_translations().ugettext(message),
            ngettext=lambda singular, plural, n: get_translations().ungettext(singular, plural, n),
            newstyle=True,
        )
        # A subject is plain text: it is escaped once, where HTML shows it (<title>,
        # the outbox page), never when it is made.
        self.plain = self.env.overlay(autoescape=False)
        self._subjects: dict[tuple[str, str], Template] = {}
        self._css: dict[str, str] = {}
        self._shells: dict[str, Template] = {}

    def subject(self, kind: str) -> Template:
        """The kind's subject in the language being written in: its msgid is the template's
        source (kinds.py), so a catalogue translates the whole template, variables and all."""
        key = (kind, languages.current())
        if key not in self._subjects:
            self._subjects[key] = self.plain.from_string(gettext(get(kind).subject))
        return self._subjects[key]

    def shell(self, kind: str, extension: str) -> Template:
        """The kind's file with its content block replaced by `owner_content`."""
        key = f"{kind}.{extension}"
        if key not in self._shells:
            # As the files' own blocks: the HTML's on lines of its own, the text's trimmed.
            block = "{% block content %}\n{{ owner_content }}\n{% endblock %}"
            if extension == "txt":
                block = "{% block content -%}{{ owner_content }}{%- endblock %}"
            env = self.env if extension == "html" else self.plain
            self._shells[key] = env.from_string(f'{{% extends "emails/{key}" %}}{block}')
        return self._shells[key]

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
