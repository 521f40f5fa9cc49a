"""Form pieces shared by several blueprints."""

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from dashboard import languages


class ActionForm(FlaskForm):
    """A form with no fields: a CSRF-protected button (log out, mark read, deactivate)."""


def language_choices() -> list[SelectChoice]:
    """The languages we write in, each named in itself and marked as that language (lang="es")."""
    return [SelectChoice(code, name, render_kw={"lang": code}) for code, name in languages.choices()]


def first_error(form) -> str:
    """The first thing wrong with a submitted form, as its field says it (one flash message)."""
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return "Please check the form and try again."
