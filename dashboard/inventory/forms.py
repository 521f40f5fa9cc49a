from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from dashboard.services.inventory import MAX_QUANTITY

NOT_NEGATIVE = NumberRange(min=0, max=MAX_QUANTITY, message=f"Give a whole number from 0 to {MAX_QUANTITY:,}.")


class ItemForm(FlaskForm):
    """An item's details; the service checks the SKU is not taken."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    sku = StringField("SKU (stock code)", validators=[DataRequired(), Length(max=60)])
    unit = StringField("Unit", validators=[Optional(), Length(max=30)])
    minimum_level = IntegerField("Minimum level", default=0, validators=[InputRequired(), NOT_NEGATIVE])
    supplier = StringField("Supplier", validators=[Optional(), Length(max=120)])


class NewItemForm(ItemForm):
    quantity = IntegerField("Starting quantity", default=0, validators=[InputRequired(), NOT_NEGATIVE])


class MoveForm(FlaskForm):
    """Stock in or out: a positive quantity, a direction and a reason."""

    direction = RadioField(
        "Direction",
        choices=[SelectChoice("in", "Stock in"), SelectChoice("out", "Stock out")],
        validators=[InputRequired()],
    )
    quantity = IntegerField(
        "Quantity",
        validators=[
            InputRequired(),
            NumberRange(min=1, max=MAX_QUANTITY, message=f"Give a whole number from 1 to {MAX_QUANTITY:,}."),
        ],
    )
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])
