from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from club.core.forms import BaseForm
from club.core.timeutil import ROME
from club.members.forms import MultiCheckboxField

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MOMENT_LABELS = {
    "nominations_open_at": _l("Nominations open"),
    "nominations_close_at": _l("Nominations close"),
    "jury_open_at": _l("Jury opens"),
    "jury_close_at": _l("Jury closes"),
    "vote_open_at": _l("Member vote opens"),
    "vote_close_at": _l("Member vote closes"),
    "results_at": _l("Results published"),
}


def _moment(name: str) -> DateTimeLocalField:
    return DateTimeLocalField(
        MOMENT_LABELS[name], format=DATETIME_FORMAT, validators=[InputRequired()], description=_l("Italian time.")
    )


class EditionForm(BaseForm):
    week_id = SelectField(_l("Event week"), coerce=int, validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[InputRequired(), Length(min=3, max=200)])
    description = TextAreaField(
        _l("Rules and description"), validators=[Optional(), Length(max=20_000)], description=_l("Markdown.")
    )
    published = BooleanField(_l("Announced to the members"))
    max_entries_per_case = IntegerField(
        _l("Categories per case"),
        default=2,
        validators=[InputRequired(), NumberRange(min=1, max=20)],
        description=_l("In how many categories one case study may be entered."),
    )
    anonymous_judging = BooleanField(_l("Anonymous judging: jurors do not see authors and organisations"))
    jury_weight = IntegerField(
        _l("Jury weight (%)"),
        default=70,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("The jury's share of the final ranking; the member vote has the rest."),
    )
    nominations_open_at = _moment("nominations_open_at")
    nominations_close_at = _moment("nominations_close_at")
    jury_open_at = _moment("jury_open_at")
    jury_close_at = _moment("jury_close_at")
    vote_open_at = _moment("vote_open_at")
    vote_close_at = _moment("vote_close_at")
    results_at = _moment("results_at")

    def moment(self, name: str) -> datetime:
        """The field's wall-clock time, read as Italian time."""
        return getattr(self, name).data.replace(tzinfo=ROME)

    def show_moments(self, edition) -> None:
        for name in MOMENT_LABELS:
            getattr(self, name).data = getattr(edition, name).astimezone(ROME).replace(tzinfo=None)


class CategoryForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(min=3, max=120)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000)], description=_l("Markdown.")
    )
    eligible_from = DateField(_l("Cases published from"), validators=[InputRequired()])
    eligible_until = DateField(_l("Cases published until"), validators=[InputRequired()])
    sectors = MultiCheckboxField(
        _l("Only these sectors"), coerce=int, description=_l("Leave all unticked to accept every sector.")
    )
    criteria = TextAreaField(
        _l("Judging criteria"),
        validators=[InputRequired(), Length(max=2000)],
        description=_l("One per line: “Name | weight”, the weight from 1 to 100 (1 when left out)."),
    )

    def validate_criteria(self, field) -> None:
        entries = self.criteria_list()
        if entries is None:
            raise ValidationError(_l("Write each criterion as “Name | weight”, with a whole weight from 1 to 100."))
        if len(entries) > 10:
            raise ValidationError(_l("At most 10 criteria."))

    def criteria_list(self) -> list[tuple[str, int]] | None:
        entries = []
        for line in (self.criteria.data or "").splitlines():
            if not line.strip():
                continue
            name, separator, weight = line.partition("|")
            name, weight = name.strip(), weight.strip()
            if not name or len(name) > 120:
                return None
            if separator and not (weight.isdigit() and 1 <= int(weight) <= 100):
                return None
            entries.append((name, int(weight) if separator else 1))
        return entries

    def show_criteria(self, category) -> None:
        self.criteria.data = "\n".join(f"{item.name} | {item.weight}" for item in category.criteria)


class NominateForm(BaseForm):
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    case = StringField(
        _l("Case study"),
        validators=[InputRequired(), Length(max=300)],
        description=_l("Its number or its address, e.g. 42 or https://…/cases/42."),
    )
    statement = TextAreaField(_l("Why it deserves the award (optional)"), validators=[Optional(), Length(max=2000)])

    def case_id(self) -> int | None:
        text = (self.case.data or "").rstrip("/")
        tail = text.rsplit("/", 1)[-1].split("-", 1)[0]
        return int(tail) if tail.isdigit() and len(tail) < 10 else None

    def validate_case(self, field) -> None:
        if self.case_id() is None:
            raise ValidationError(_l("Write the case study's number or paste its address."))


class EligibilityForm(BaseForm):
    decision = SelectField(
        _l("Decision"),
        choices=[("eligible", _l("Eligible")), ("ineligible", _l("Not eligible")), ("unchecked", _l("To check"))],
        validators=[InputRequired()],
    )
    note = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class FinalistsForm(BaseForm):
    finalists = MultiCheckboxField(_l("Finalists"), coerce=int)


class JurorsForm(BaseForm):
    emails = TextAreaField(
        _l("Jurors"),
        validators=[Optional(), Length(max=5000)],
        description=_l("One member's email address per line."),
    )

    def email_list(self) -> list[str]:
        return [line.strip() for line in (self.emails.data or "").splitlines() if line.strip()]

    def validate_emails(self, field) -> None:
        emails = self.email_list()
        if len(emails) > 30:
            raise ValidationError(_l("At most 30 jurors per category."))
        if any("@" not in email or len(email) > 254 for email in emails):
            raise ValidationError(_l("Write one email address per line."))


class ConflictForm(BaseForm):
    reason = StringField(
        _l("What is the conflict?"),
        validators=[InputRequired(), Length(min=3, max=300)],
        description=_l("Only organisers read it."),
    )


class ReceiptForm(BaseForm):
    class Meta:
        csrf = False

    receipt = StringField(_l("Receipt code"), validators=[InputRequired(), Length(max=40)])


SCORE_CHOICES = [("", "—")] + [(str(value), str(value)) for value in range(1, 11)]


def score_form(criteria, **kwargs) -> BaseForm:
    """A form with one 1-10 field per criterion of the category, plus the comment."""

    class ScoreForm(BaseForm):
        comment = TextAreaField(_l("Comment for the organisers"), validators=[Optional(), Length(max=5000)])

    for criterion in criteria:
        setattr(
            ScoreForm,
            f"criterion_{criterion.id}",
            SelectField(
                criterion.name, choices=SCORE_CHOICES, validators=[InputRequired(_l("Give a score from 1 to 10."))]
            ),
        )
    form = ScoreForm(**kwargs)
    form.criterion_fields = [getattr(form, f"criterion_{criterion.id}") for criterion in criteria]
    return form


def score_values(form, criteria) -> dict[int, int]:
    return {criterion.id: int(getattr(form, f"criterion_{criterion.id}").data) for criterion in criteria}


def ballot_form(options, **kwargs) -> BaseForm:
    """One "place" select per finalist the member may rank: empty means not ranked."""

    class BallotForm(BaseForm):
        pass

    places = [("", _l("Not ranked"))] + [(str(place), str(place)) for place in range(1, len(options) + 1)]
    for nomination in options:
        # Optional: a select left out of the request (the `ranking` encoding, a script) means "not ranked";
        # a value that is not one of the places is still refused.
        setattr(
            BallotForm,
            f"place_{nomination.case_id}",
            SelectField(nomination.case.title, choices=places, validators=[Optional()]),
        )
    form = BallotForm(**kwargs)
    form.place_fields = [(nomination, getattr(form, f"place_{nomination.case_id}")) for nomination in options]
    return form


class RankingUnreadable(ValueError):
    """The ranking cannot be read: args[0] is "repeated" (two finalists in one place) or the bad field."""


def ranking_from_form(formdata) -> list:
    """The submitted ranking, best first, as the member wrote it (validated by the service).

    Two encodings: `ranking` = case ids separated by commas (scripts and the load benchmark), or one
    `place_<case id>` select per finalist (the page). Places must be distinct; entries stay in the list
    even when they name an unknown case, so the service can say exactly what is wrong.
    """
    if formdata.get("ranking") is not None:
        parts = [part.strip() for part in formdata.get("ranking", "").split(",") if part.strip()]
        if not all(part.isdigit() and len(part) < 10 for part in parts):
            raise RankingUnreadable("ranking")
        return [int(part) for part in parts]
    placed = []
    for key in formdata:
        if not key.startswith("place_"):
            continue
        case_part, value = key.removeprefix("place_"), (formdata.get(key) or "").strip()
        if not value:
            continue
        if not (case_part.isdigit() and len(case_part) < 10 and value.isdigit() and len(value) < 4):
            raise RankingUnreadable(key)
        placed.append((int(value), int(case_part)))
    places = [place for place, _case in placed]
    if len(set(places)) != len(places):
        raise RankingUnreadable("repeated")
    return [case for _place, case in sorted(placed)]
