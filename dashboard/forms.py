"""Form pieces shared by several blueprints."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A form with no fields: a CSRF-protected button (log out, mark read, deactivate)."""
