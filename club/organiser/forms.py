from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, ValidationError

from club.accounts.models import ROLE_LABELS, Role
from club.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from club.core.forms import BaseForm

LANGUAGE_CHOICES = [("it", "Italiano"), ("en", "English")]
STATE_LABELS = {
    "active": _l("Active"),
    "unverified": _l("Address not confirmed"),
    "suspended": _l("Suspended"),
    "deleted": _l("Deleted"),
    "silent": _l("Silent for 90 days"),
}
ACTIVITY_LABELS = {
    "view": _l("Reads"),
    "useful": _l("Useful marks"),
    "comment": _l("Comments"),
    "vote": _l("Votes (first choice)"),
}
TAXONOMY_LABELS = {"sector": _l("Sectors"), "function": _l("Functions"), "competence": _l("Competence areas")}
DIMENSION_LABELS = {"sector": _l("Sectors"), "function": _l("Functions")}
PERIOD_CHOICES = [
    ("3", _l("Last 3 months")),
    ("6", _l("Last 6 months")),
    ("12", _l("Last 12 months")),
    ("24", _l("Last 24 months")),
]


def role_choices(roles: list[str]) -> list[tuple[str, str]]:
    return [(role, str(ROLE_LABELS[Role(role)])) for role in roles]


class MemberFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Name, email or organisation"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()])
    sector = SelectField(_l("Sector"), validators=[Optional()])
    function = SelectField(_l("Function"), validators=[Optional()])


class RoleForm(BaseForm):
    role = SelectField(_l("Role"), validators=[InputRequired()])


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("Reason (shown to the member)"), validators=[InputRequired(), Length(min=3, max=500)])


class InvitationForm(BaseForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            InputRequired(),
            Length(max=254),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
        ],
    )
    display_name = StringField(
        _l("Name (optional, the invitee can change it)"), validators=[Optional(), Length(min=2, max=80)]
    )
    role = SelectField(_l("Role"), validators=[InputRequired()])
    locale = SelectField(_l("Language of the email"), choices=LANGUAGE_CHOICES, validators=[InputRequired()])
    message = TextAreaField(_l("A personal note (optional)"), validators=[Optional(), Length(max=1000)])


class JoinForm(BaseForm):
    display_name = StringField(_l("Name shown to other members"), validators=[InputRequired(), Length(min=2, max=80)])
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        description=_l(
            "At least %(count)d characters. A short sentence is easy to remember and hard to guess.", count=MIN_LENGTH
        ),
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords do not match."))],
    )


class TermForm(BaseForm):
    name_it = StringField(_l("Name in Italian"), validators=[InputRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[InputRequired(), Length(max=120)])


class MergeForm(BaseForm):
    target = SelectField(_l("Merge into"), validators=[InputRequired()])
    # A merge cannot be undone: the button alone must not do it.
    confirm = BooleanField(
        _l("Yes: move everything to the chosen one and retire this one. This cannot be undone."),
        validators=[DataRequired(message=_l("Tick the box to confirm the merge."))],
    )


class InsightsForm(BaseForm):
    class Meta:
        csrf = False

    months = SelectField(_l("Period"), choices=PERIOD_CHOICES, default="12", validators=[Optional()])
    dimension = SelectField(
        _l("Silos"), choices=list(DIMENSION_LABELS.items()), default="sector", validators=[Optional()]
    )
    activity = SelectField(_l("Activity"), validators=[Optional()])


def plausible_date(form, field) -> None:
    """Dates far outside the club's life would overflow the conversion to UTC: refuse them."""
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Choose a date between the years 2000 and 2100."))


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False

    actor = SelectField(_l("Person"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional(), plausible_date])
    until = DateField(_l("To"), validators=[Optional(), plausible_date])
