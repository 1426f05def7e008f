from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from club.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from club.core.forms import BaseForm

_email_validators = [
    InputRequired(),
    Length(max=254),
    Email(message=_l("Enter a valid email address."), check_deliverability=False),
]


def _new_password(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        description=_l(
            "At least %(count)d characters. A short sentence is easy to remember and hard to guess.", count=MIN_LENGTH
        ),
    )


def _password_again(label) -> PasswordField:
    return PasswordField(
        label, validators=[InputRequired(), EqualTo("password", message=_l("The two passwords do not match."))]
    )


class SignupForm(BaseForm):
    email = EmailField(_l("Email address"), validators=_email_validators)
    display_name = StringField(_l("Name shown to other members"), validators=[InputRequired(), Length(min=2, max=80)])
    password = _new_password(_l("Password"))
    password_confirm = _password_again(_l("Repeat the password"))


class LoginForm(BaseForm):
    email = EmailField(_l("Email address"), validators=_email_validators)
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class EmailOnlyForm(BaseForm):
    email = EmailField(_l("Email address"), validators=_email_validators)


class NewPasswordForm(BaseForm):
    password = _new_password(_l("New password"))
    password_confirm = _password_again(_l("Repeat the new password"))


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=MAX_LENGTH)])


class ChangeEmailForm(BaseForm):
    new_email = EmailField(_l("New email address"), validators=_email_validators)
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=MAX_LENGTH)])


class SuspendForm(BaseForm):
    reason = TextAreaField(_l("Reason (shown to the member)"), validators=[InputRequired(), Length(min=3, max=500)])


class ReactivateForm(BaseForm):
    reason = TextAreaField(
        _l("Why the suspension ends (for the organisers' log)"), validators=[InputRequired(), Length(min=3, max=500)]
    )
