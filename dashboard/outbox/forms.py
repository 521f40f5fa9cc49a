from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from dashboard.models import EmailStatus
from dashboard.notify.kinds import KINDS


class OutboxFilterForm(FlaskForm):
    """Filters in the query string (GET), so no CSRF token."""

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status")] + [SelectChoice(s.value, s.value.title()) for s in EmailStatus],
        validators=[Optional()],
    )
    kind = SelectField(
        "Kind",
        choices=[SelectChoice("", "Any kind")] + [SelectChoice(k.name, k.label) for k in KINDS.values()],
        validators=[Optional()],
    )
    recipient = StringField("Recipient", validators=[Optional(), Length(max=254)])
    sent_from = DateField("From", validators=[Optional()])
    sent_to = DateField("To", validators=[Optional()])
