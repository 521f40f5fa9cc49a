"""Form pieces shared by several blueprints."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A form with no fields: a CSRF-protected button (log out, mark read, deactivate)."""


def first_error(form) -> str:
    """The first thing wrong with a submitted form, as its field says it (one flash message)."""
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return "Please check the form and try again."
