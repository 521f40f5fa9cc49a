"""The login, password and language forms; their words follow the reader's language (lazy_gettext as `_`:
translated when a page shows them, not when this module is imported)."""

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from dashboard import languages
from dashboard.services.users import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    username = StringField(_("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_("Keep me logged in on this computer"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_("Current password"), validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(
        _("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)]
    )
    confirm = PasswordField(
        _("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_("The passwords differ."))],
    )


class LanguageForm(FlaskForm):
    """One's own language: each shown in itself ("Español"), whatever the page's language."""

    language = SelectField(
        _("Language"),
        choices=[SelectChoice(code, name) for code, name in languages.choices()],
        validate_choice=True,
    )
