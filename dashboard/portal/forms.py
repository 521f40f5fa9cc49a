"""The patients' forms: every one CSRF-protected like the staff's (an anonymous visitor gets a session too)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from dashboard.notify.kinds import Kind

NOTE_LENGTH = 1000


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Why are you cancelling?",
        validators=[
            DataRequired(message="Please tell us why you are cancelling."),
            Length(max=NOTE_LENGTH, message=f"Please keep it under {NOTE_LENGTH} characters."),
        ],
    )


class RescheduleForm(FlaskForm):
    note = TextAreaField(
        "What would suit you instead?",
        validators=[Optional(), Length(max=NOTE_LENGTH, message=f"Please keep it under {NOTE_LENGTH} characters.")],
    )


def preferences_form(kinds: list[Kind], current: dict[str, bool]) -> FlaskForm:
    """A checkbox per optional kind of email, ticked if the patient gets it."""

    class PreferencesForm(FlaskForm):
        pass

    for kind in kinds:
        setattr(PreferencesForm, kind.name, BooleanField(f"{kind.label} emails", default=current.get(kind.name, True)))
    return PreferencesForm()
