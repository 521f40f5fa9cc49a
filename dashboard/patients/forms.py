from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional

from dashboard.services.patients import EMAIL_LENGTH, NAME_LENGTH, PHONE_LENGTH


class PatientForm(FlaskForm):
    """The patient's details; the service checks the email address."""

    first_name = StringField("First name", validators=[DataRequired(), Length(max=NAME_LENGTH)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=NAME_LENGTH)])
    email = EmailField("Email", validators=[Optional(), Length(max=EMAIL_LENGTH)])
    phone = StringField("Phone", validators=[Optional(), Length(max=PHONE_LENGTH)])
