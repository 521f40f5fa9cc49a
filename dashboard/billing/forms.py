"""The billing forms. Money is Decimal from the request on: never a float, at most cents."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from dashboard.clinic_time import clinic_today
from dashboard.pages import MAX_ID, int_or_none
from dashboard.services.billing import MAX_AMOUNT, METHODS, Line
from dashboard.settings import setting

LINE_ROWS = 5
MAX_LINE_ROWS = 20
MAX_QUANTITY = Decimal("10000")
DESCRIPTION_LENGTH = 200
NOTES_LENGTH = 2000
REASON_LENGTH = 1000
REFERENCE_LENGTH = 100
NOT_A_NUMBER = "Enter a number, e.g. 85.00."
CENT = Decimal("0.01")


class AmountField(DecimalField):
    """A DecimalField (2 places) where blank is None, not an error; junk is a clear error."""

    widget = widgets.NumberInput(step="0.01", min="0")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=2, invalid_value_message=NOT_A_NUMBER, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata([str(valuelist[0]).strip()] if valuelist else valuelist)


def check_amount(field, what: str, *, maximum: Decimal = MAX_AMOUNT, positive: bool = False) -> None:
    """Raise a ValidationError unless the field holds a finite, non-negative amount in cents."""
    if field.process_errors:
        return  # "Enter a number" is already there
    value = field.data
    if value is None:
        raise ValidationError(f"Give the {what}.")
    if not value.is_finite():
        raise ValidationError(NOT_A_NUMBER)
    if value < 0:
        raise ValidationError(f"The {what} can't be negative.")
    if positive and value == 0:
        raise ValidationError(f"The {what} must be more than zero.")
    if value > maximum:
        raise ValidationError(f"The {what} can be at most {maximum:,}.")
    try:
        in_cents = value == value.quantize(CENT)
    except InvalidOperation:
        in_cents = False
    if not in_cents:
        raise ValidationError(f"The {what} can have at most 2 decimal places.")


# ------------------------------------------------------------------ invoices


class LineForm(Form):
    """One invoice line. A row with neither description nor price is left out, whatever its quantity."""

    description = StringField("Description")
    quantity = AmountField("Quantity", default=Decimal("1"))
    unit_price = AmountField("Unit price")

    def is_blank(self) -> bool:
        price = self.unit_price.raw_data[0] if self.unit_price.raw_data else ""
        return not (self.description.data or "").strip() and not str(price).strip()

    def validate(self, extra_validators=None):
        if self.is_blank():
            self._errors = None
            for field in self:
                field.errors = []
            return True
        return super().validate(extra_validators)

    def validate_description(self, field):
        text = (field.data or "").strip()
        if not text:
            raise ValidationError("Describe this line.")
        if len(text) > DESCRIPTION_LENGTH:
            raise ValidationError(f"At most {DESCRIPTION_LENGTH} characters.")

    def validate_quantity(self, field):
        check_amount(field, "quantity", maximum=MAX_QUANTITY, positive=True)

    def validate_unit_price(self, field):
        check_amount(field, "price")


def _default_due_on() -> date:
    return clinic_today() + timedelta(days=setting("INVOICE_DUE_DAYS"))


class InvoiceForm(FlaskForm):
    patient_id = IntegerField(
        "Patient",
        validators=[
            InputRequired(message="Choose a patient."),
            NumberRange(min=1, max=MAX_ID, message="Choose a patient."),
        ],
    )
    appointment_id = HiddenField()
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=MAX_LINE_ROWS)
    discount = AmountField("Discount", default=Decimal("0"))
    due_on = DateField("Due by", default=_default_due_on, validators=[InputRequired(message="Give the due date.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=NOTES_LENGTH)])

    def validate_discount(self, field):
        if field.data is None and not field.process_errors:
            field.data = Decimal("0")
        check_amount(field, "discount")

    def validate_due_on(self, field):
        if field.data is not None and field.data < clinic_today():
            raise ValidationError("The due date is in the past.")

    def validate_lines(self, field):
        if all(entry.form.is_blank() for entry in field.entries):
            raise ValidationError("Add at least one line with a description and a price.")

    def filled_lines(self) -> list[LineForm]:
        return [entry.form for entry in self.lines.entries if not entry.form.is_blank()]

    def invoice_values(self) -> dict:
        """What `billing.create_invoice` takes from this form (all but who is writing it)."""
        rows = self.filled_lines()
        lines = [Line(row.description.data.strip(), row.quantity.data, row.unit_price.data) for row in rows]
        return {
            "patient_id": self.patient_id.data,
            "lines": lines,
            "discount": self.discount.data,
            "due_on": self.due_on.data,
            "appointment_id": int_or_none(self.appointment_id.data),
            "notes": self.notes.data or "",
        }

    def first_error(self) -> str:
        """As `dashboard.forms.first_error`, but a line's error names its line ("Consultation: The
        price can't be negative."), and the lines' own errors come after the other fields'."""
        for name, errors in self.errors.items():
            if name == "lines":
                continue
            if errors:
                return errors[0]
        for error in self.lines.errors:
            if isinstance(error, str):
                return error
        for row in self.lines.entries:
            for errors in row.form.errors.values():
                if errors:
                    return f"{row.form.description.data or 'A line'}: {errors[0]}"
        return "Please check the form and try again."


# ------------------------------------------------------------------ one invoice


class PaymentForm(FlaskForm):
    amount = AmountField("Amount")
    method = SelectField(
        "Paid by",
        choices=[SelectChoice("", "Choose…")] + [SelectChoice(m, m) for m in METHODS],
        validate_choice=False,
        validators=[AnyOf(METHODS, message="Choose how it was paid.")],
    )
    reference = StringField("Reference", validators=[Optional(), Length(max=REFERENCE_LENGTH)])
    paid_at = DateTimeLocalField("Paid at", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=[Optional()])

    def validate_amount(self, field):
        check_amount(field, "amount", positive=True)

    def payment_values(self) -> dict:
        """What `billing.record_payment` takes from this form, but for when (see the route's `_paid_at`)."""
        return {"amount": self.amount.data, "method": self.method.data, "reference": self.reference.data or ""}


class VoidForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired(message="Give a reason for voiding the invoice."), Length(max=REASON_LENGTH)],
    )
