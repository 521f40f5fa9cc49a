from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp

from dashboard import languages
from dashboard.models import Role
from dashboard.services.users import MIN_PASSWORD_LENGTH


class UserForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9._-]+$", message="Use letters, digits, dots, dashes or underscores."),
        ],
    )
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])
    language = SelectField(
        "Language", choices=[SelectChoice(code, name) for code, name in languages.choices()], default=languages.DEFAULT
    )
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)])
    specialty = StringField("Specialty (practitioners)", validators=[Optional(), Length(max=120)])
    consultation_fee = DecimalField(
        "Consultation fee (practitioners)", places=2, validators=[Optional(), NumberRange(min=0, max=100000)]
    )


class PasswordResetForm(FlaskForm):
    new_password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)])
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")]
    )


class EmailTemplateForm(FlaskForm):
    """An owner's words for one kind of email: checked by dashboard/notify/drafts.py, not here."""

    subject = StringField("Subject", validators=[Length(max=1000)])
    html = TextAreaField("HTML content", validators=[Length(max=200_000)])
    text = TextAreaField("Text content", validators=[Length(max=200_000)])
