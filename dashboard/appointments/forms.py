from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from dashboard.clinic_time import describe
from dashboard.models import AppointmentStatus
from dashboard.pages import MAX_ID, int_or_none
from dashboard.services import slots
from dashboard.services.appointments import REASON_LENGTH

NOTE_LENGTH = 1000


class BookingForm(FlaskForm):
    """Book into the slot in `?slot=`, or (without one) at a time given here."""

    request_key = HiddenField(validators=[Optional(), Length(max=64)])
    patient_id = IntegerField(
        "Patient",
        validators=[
            InputRequired(message="Choose a patient."),
            NumberRange(min=1, max=MAX_ID, message="Choose a patient."),
        ],
    )
    practitioner_id = SelectField("Practitioner", coerce=int_or_none, validate_choice=False)
    day = DateField("Date", validators=[Optional()])
    start = TimeField("Start", validators=[Optional()])
    end = TimeField("End", validators=[Optional()])
    reason = StringField("Reason", validators=[Optional(), Length(max=REASON_LENGTH)])
    confirmed = RadioField(
        "Status",
        choices=[
            SelectChoice("1", "Confirmed (the patient is emailed now)"),
            SelectChoice("0", "Requested (confirm later)"),
        ],
        default="1",
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Reason for cancelling",
        validators=[
            DataRequired(message="Give a reason for the cancellation; the patient will read it."),
            Length(max=NOTE_LENGTH),
        ],
    )


class OutcomeForm(FlaskForm):
    outcome = HiddenField(
        validators=[
            AnyOf([AppointmentStatus.COMPLETED.value, AppointmentStatus.NO_SHOW.value], message="Unknown outcome.")
        ]
    )


class RescheduleRequestForm(FlaskForm):
    note = TextAreaField("What would suit the patient?", validators=[Optional(), Length(max=NOTE_LENGTH)])


class ApproveForm(FlaskForm):
    """Approve a request to move: the desk picks the new time (nothing is picked for them)."""

    new_slot_id = SelectField(
        "Move to",
        coerce=int_or_none,
        validate_choice=False,
        validators=[DataRequired(message="Choose the new time from the list first.")],
    )


class MoveForm(ApproveForm):
    """The desk moves an appointment itself (the picker on its page, or dragging it on the calendar)."""


CHOOSE_A_TIME = ("", "Choose a time…")


def slot_choices(practitioner_id: int) -> list[tuple]:
    """The practitioner's next open slots for a "Move to" picker, after a first "Choose a time…"
    (empty: refused), so no time is ever chosen for the desk."""
    return [CHOOSE_A_TIME] + [(s.id, describe(s.starts_at)) for s in slots.open_slots(practitioner_id)]


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired(message="Give a reason; the patient will read it."), Length(max=NOTE_LENGTH)],
    )
