"""The languages the clinic writes in, and which one each page and each email uses.

Flask-Babel does the work: templates and Python mark their words with `_()` / `gettext()`
(`ngettext()` for counts), `make translations` extracts them into
dashboard/translations/messages.pot and updates and compiles each language's catalogue.

Who reads what:
- a patient's own pages (/p/...) and every email to them are in the patient's language
  (`Patient.language`, chosen on the patient form and on their preferences page); a patient
  page shown before we know whose it is (a link that isn't valid) follows the browser;
- a member of staff's pages, and the emails to them, are in their own choice (`User.language`);
- the login page follows the browser.

Dates, times and money follow the same language (dashboard/clinic_time.py, dashboard/wording.py
ask `current()`); outside any request or job (a bare script) everything is English.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, refresh
from flask_login import current_user

# The languages with a complete catalogue, by code, each named in itself (as a chooser shows it).
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT = "en"


def known(code: str | None) -> str:
    """A language we write in: `code` when it is one, English otherwise (a stored code whose
    catalogue was since removed, or a browser asking for one we don't have)."""
    return code if code in LANGUAGES else DEFAULT


def choices() -> list[tuple[str, str]]:
    return list(LANGUAGES.items())


def current() -> str:
    """The language being written in now: "en", "es"."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def _select() -> str:
    chosen = g.get("language")
    if chosen:
        return chosen
    if not has_request_context():
        return DEFAULT
    if current_user.is_authenticated:
        return known(current_user.language)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def for_patient(language: str | None) -> None:
    """From here on this request writes in the patient's language (their own pages)."""
    g.language = known(language)
    refresh()


@contextmanager
def writing_in(language: str | None) -> Iterator[None]:
    """Write in `language` for a while (an email to a patient, whatever the page's language)."""
    with force_locale(known(language)):
        yield


def of_context(context: dict) -> str:
    """The language an email is written in: its `language`, else its patient's, else its
    recipient's (a member of staff), else the clinic's default."""
    if context.get("language"):
        return known(context["language"])
    for reader in ("patient", "recipient", "user"):
        language = getattr(context.get(reader), "language", None)
        if isinstance(language, str) and language:
            return known(language)
    return DEFAULT


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=_select)  # catalogues in dashboard/translations/
    app.add_template_global(current, name="current_language")  # <html lang="{{ current_language() }}">

    @app.before_request
    def _choose_afresh() -> None:
        # Each request picks its own language: one that runs inside an app context already pushed
        # (a test's, a script's) shares that context's `g`, where Flask-Babel keeps its choice.
        g.pop("language", None)
        refresh()
