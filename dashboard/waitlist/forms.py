from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from dashboard.pages import MAX_ID
from dashboard.schedule.forms import within_reach
from dashboard.services.waitlist import PREFERENCES_LENGTH


class AddForm(FlaskForm):
    """Put a patient on a practitioner's waiting list; `q` keeps the search the chooser came from."""

    practitioner = HiddenField()
    q = HiddenField(validators=[Optional(), Length(max=100)])
    patient_id = IntegerField(
        "Patient",
        validators=[
            InputRequired(message="Choose a patient."),
            NumberRange(min=1, max=MAX_ID, message="Choose a patient."),
        ],
    )
    urgent = BooleanField("Urgent (offered new times first)")
    preferences = StringField(
        "Preferences",
        validators=[
            Optional(),
            Length(max=PREFERENCES_LENGTH, message=f"At most {PREFERENCES_LENGTH} characters."),
        ],
    )
    expires_on = DateField("Ends on", validators=[Optional(), within_reach])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"], message="Move it up or down.")])


class UrgentForm(FlaskForm):
    urgent = HiddenField(validators=[AnyOf(["1", "0"], message="Mark it urgent or not.")])
