from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField
from wtforms.validators import Email, InputRequired, Length

from club.core.forms import BaseForm

FREQUENCY_LABELS = {
    "daily": _l("Every day"),
    "weekly": _l("Every week (Monday)"),
    "monthly": _l("Every month (on the 1st)"),
    "off": _l("Never"),
}
OUTBOX_LABELS = {
    "pending": _l("waiting"),
    "sending": _l("being sent"),
    "sent": _l("sent"),
    "failed": _l("failed"),
}
LANGUAGE_CHOICES = [("it", "Italiano"), ("en", "English")]


class PreferencesForm(BaseForm):
    frequency = SelectField(_l("How often"), choices=list(FREQUENCY_LABELS.items()), validators=[InputRequired()])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[InputRequired()])


class SubscribeForm(BaseForm):
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(), Length(max=254), Email(message=_l("Write a valid email address."))],
    )
    frequency = SelectField(
        _l("How often"),
        choices=[(key, label) for key, label in FREQUENCY_LABELS.items() if key != "off"],
        default="weekly",
        validators=[InputRequired()],
    )
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[InputRequired()])


class CycleForm(BaseForm):
    frequency = SelectField(
        _l("Frequency"),
        choices=[(key, label) for key, label in FREQUENCY_LABELS.items() if key != "off"],
        validators=[InputRequired()],
    )
