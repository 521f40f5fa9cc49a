"""The patients' forms: every one CSRF-protected like the staff's (an anonymous visitor gets a session too)."""

from flask_babel import lazy_gettext as _  # `_` for `make translations`; read as each form is shown
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from dashboard import languages
from dashboard.forms import language_choices
from dashboard.notify.kinds import Kind
from dashboard.portal.links import N_

NOTE_LENGTH = 1000
TOO_LONG = _("Please keep it under %(max)d characters.")  # WTForms fills in `max`

# The optional kinds' labels (dashboard/notify/kinds.py marks them too), shown here as `_(kind.label)`.
KIND_LABELS = [N_("Appointment reminder"), N_("Payment reminder"), N_("New availability")]


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _("Why are you cancelling?"),
        validators=[
            DataRequired(message=_("Please tell us why you are cancelling.")),
            Length(max=NOTE_LENGTH, message=TOO_LONG),
        ],
    )


class RescheduleForm(FlaskForm):
    note = TextAreaField(
        _("What would suit you instead?"),
        validators=[Optional(), Length(max=NOTE_LENGTH, message=TOO_LONG)],
    )


def _known_language(form, field) -> None:
    if field.data not in languages.LANGUAGES:
        raise ValidationError(_("Please choose one of the languages in the list."))


def preferences_form(kinds: list[Kind], current: dict[str, bool], chosen: str) -> FlaskForm:
    """A checkbox per optional kind of email, ticked if the patient gets it, and the language we
    write to them in (each language named in itself)."""

    class PreferencesForm(FlaskForm):
        language = SelectField(
            _("Language of our emails and these pages"),
            choices=language_choices(),
            default=languages.known(chosen),
            validate_choice=False,  # `_known_language` says what is wrong in the patient's words
            validators=[_known_language],
        )

    for kind in kinds:
        label = _("%(kind)s emails", kind=_(kind.label))
        setattr(PreferencesForm, kind.name, BooleanField(label, default=current.get(kind.name, True)))
    return PreferencesForm()
