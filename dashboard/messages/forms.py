from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from dashboard.pages import MAX_ID
from dashboard.services.desk_messages import BODY_LENGTH, SUBJECT_LENGTH


class MessageForm(FlaskForm):
    """A message from the desk: to whom, the words, and when. `q` keeps the chooser's search."""

    q = HiddenField(validators=[Optional(), Length(max=100)])
    audience = RadioField(
        "Send to",
        choices=[SelectChoice("patient", "One patient"), SelectChoice("day", "Everyone with an appointment on a day")],
        default="patient",
        validators=[InputRequired(message="Choose who gets the message.")],
    )
    patient_id = IntegerField(
        "Patient", validators=[Optional(), NumberRange(min=1, max=MAX_ID, message="Choose a patient.")]
    )
    day = DateField("Appointments on", validators=[Optional()])
    practitioner = SelectField("With", coerce=int, default=0, validate_choice=False)
    subject = StringField(
        "Subject",
        validators=[InputRequired(message="Give the message a subject."), Length(max=SUBJECT_LENGTH)],
    )
    body = TextAreaField(
        "Message",
        validators=[InputRequired(message="Write the message."), Length(max=BODY_LENGTH)],
        render_kw={"rows": 8},
    )
    when = RadioField(
        "When", choices=[SelectChoice("now", "Send now"), SelectChoice("later", "Send later")], default="now"
    )
    send_on = DateField("On", validators=[Optional()])
    send_time = TimeField("At", validators=[Optional()])
