from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from dashboard import languages
from dashboard.clinic_time import clinic_birth_date, parse_clinic_date
from dashboard.forms import language_choices
from dashboard.services import ServiceError
from dashboard.services.patients import EMAIL_LENGTH, NAME_LENGTH, PHONE_LENGTH, check_date_of_birth


class DateOfBirthField(StringField):
    """A date typed as the clinic writes it ("4/12/1987", "1987-12-04", "4 Dec 1987"); blank is None."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "") or ""
        self.data = None
        if text.strip():
            self.data = parse_clinic_date(text[:40])
            if self.data is None:
                raise ValueError("Give the date of birth as day/month/year, e.g. 4/12/1987.")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return clinic_birth_date(self.data) if self.data else ""


def _possible_birth(form, field) -> None:
    try:
        check_date_of_birth(field.data)
    except ServiceError as exc:
        raise ValidationError(str(exc)) from exc


class PatientForm(FlaskForm):
    """The patient's details; the service checks the email address and the date of birth."""

    first_name = StringField("First name", validators=[DataRequired(), Length(max=NAME_LENGTH)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=NAME_LENGTH)])
    date_of_birth = DateOfBirthField("Date of birth", validators=[Optional(), _possible_birth])
    email = EmailField("Email", validators=[Optional(), Length(max=EMAIL_LENGTH)])
    phone = StringField("Phone", validators=[Optional(), Length(max=PHONE_LENGTH)])
    # Each language named in itself; the patient may change it on their preferences page.
    language = SelectField(
        _("Language for emails and their pages"), choices=language_choices(), default=languages.DEFAULT
    )
