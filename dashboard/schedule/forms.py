from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectMultipleField, TimeField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from dashboard.clinic_time import clinic_today
from dashboard.services.slots import MIN_SLOT_MINUTES

WEEKDAYS = [SelectChoice(i, name) for i, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])]
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]  # browsers send seconds when the input has a step under a minute
MAX_YEARS_AHEAD = 5


def within_reach(form, field) -> None:
    """Dates from 2000 to five years ahead: the service refuses the past with its own message,
    and far-off dates would only be typos (or overflow the time-zone arithmetic)."""
    if field.data is None:
        return
    if field.data < date(2000, 1, 1):
        raise ValidationError("That date is too far in the past.")
    if field.data > clinic_today() + timedelta(days=365 * MAX_YEARS_AHEAD):
        raise ValidationError(f"Choose a date within the next {MAX_YEARS_AHEAD} years.")


def end_after_start(start_name: str):
    def check(form, field) -> None:
        start = getattr(form, start_name).data
        if start is not None and field.data is not None and field.data <= start:
            raise ValidationError("The end time must be after the start time.")

    return check


class _OnePractitioner(FlaskForm):
    """Whose schedule, and which week to show again if the form has errors."""

    practitioner = HiddenField()
    week = HiddenField()


class SlotForm(_OnePractitioner):
    day = DateField("Date", validators=[InputRequired(message="Choose a date."), within_reach])
    start = TimeField("Start", format=TIME_FORMATS, validators=[InputRequired(message="Choose a start time.")])
    end = TimeField(
        "End",
        format=TIME_FORMATS,
        validators=[InputRequired(message="Choose an end time."), end_after_start("start")],
    )


class RecurringForm(_OnePractitioner):
    first_day = DateField("First date", validators=[InputRequired(message="Choose a date."), within_reach])
    weeks = IntegerField(
        "Weeks",
        validators=[
            InputRequired(message="How many weeks?"),
            NumberRange(min=1, max=52, message="Repeat for between 1 and 52 weeks."),
        ],
    )
    weekdays = SelectMultipleField(
        "Days",
        choices=WEEKDAYS,
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(message="Choose at least one day of the week.")],
    )
    from_time = TimeField("From", format=TIME_FORMATS, validators=[InputRequired(message="Choose a start time.")])
    to_time = TimeField(
        "Until",
        format=TIME_FORMATS,
        validators=[InputRequired(message="Choose an end time."), end_after_start("from_time")],
    )
    minutes = IntegerField(
        "Slot length (minutes)",
        validators=[
            InputRequired(message="How long is each slot?"),
            NumberRange(min=MIN_SLOT_MINUTES, max=12 * 60, message=f"Between {MIN_SLOT_MINUTES} and 720 minutes."),
        ],
    )
