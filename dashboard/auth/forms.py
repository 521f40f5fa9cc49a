from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from dashboard.services.users import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Keep me logged in on this computer")


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)])
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")]
    )
