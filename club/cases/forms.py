from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from club.cases.models import CaseVisibility, ReportReason
from club.core.forms import BaseForm
from club.members.forms import MultiCheckboxField

LANGUAGE_CHOICES = [("it", "Italiano"), ("en", "English")]
VISIBILITY_CHOICES = [
    (CaseVisibility.PUBLIC.value, _l("Everyone, also outside the club")),
    (CaseVisibility.MEMBERS.value, _l("Members of the club only")),
]
METRIC_ROWS = 6


def _decimal(value: str | None) -> Decimal | None:
    """A number as members type it: "64", "64,5", "1.234,5" or "1,234.5"."""
    if value is None or not value.strip():
        return None
    text = value.strip().replace(" ", "").replace("%", "")
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValueError(text)
    return number.quantize(Decimal("0.01"))


class MetricForm(BaseForm):
    class Meta:
        csrf = False

    # No Optional() here: it would stop the chain before validate_name, and a row with values but
    # no name would be dropped without a word.
    name = StringField(_l("Indicator"), validators=[Length(max=80)])
    before = StringField(_l("Before"), validators=[Optional(), Length(max=20)])
    after = StringField(_l("After"), validators=[Optional(), Length(max=20)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=20)])

    def validate_before(self, field) -> None:
        self._number(field)

    def validate_after(self, field) -> None:
        self._number(field)

    @staticmethod
    def _number(field) -> None:
        try:
            _decimal(field.data)
        except ValueError as error:
            raise ValidationError(_l("Write a number, e.g. 64 or 64,5.")) from error

    def validate_name(self, field) -> None:
        if not field.data and any((self.before.data, self.after.data, self.unit.data)):
            raise ValidationError(_l("Name the indicator."))

    def values(self) -> dict | None:
        if not self.name.data:
            return None
        return {
            "name": self.name.data,
            "before": _decimal(self.before.data),
            "after": _decimal(self.after.data),
            "unit": self.unit.data or None,
        }


class CaseForm(BaseForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(min=5, max=200)])
    summary = TextAreaField(
        _l("Summary"),
        validators=[InputRequired(), Length(min=20, max=500)],
        description=_l("At most 500 characters: the problem, what you did, what came out of it."),
    )
    body = TextAreaField(
        _l("The case"),
        validators=[InputRequired(), Length(min=50, max=50_000)],
        description=_l("Markdown: headings, lists, links, tables. The context, the journey, the people, the numbers."),
    )
    organisation = StringField(_l("Organisation"), validators=[InputRequired(), Length(max=120)])
    sector = SelectField(_l("Sector"), validators=[InputRequired()])
    functions = MultiCheckboxField(
        _l("Functions involved"),
        validators=[InputRequired(_l("Choose at least one function."))],
        description=_l("A cross-functional case names all of them."),
    )
    competences = MultiCheckboxField(_l("Competence areas"), validators=[Optional()])
    language = SelectField(_l("Language of the case"), choices=LANGUAGE_CHOICES, validators=[InputRequired()])
    visibility = SelectField(
        _l("Who can read it once published"), choices=VISIBILITY_CHOICES, validators=[InputRequired()]
    )
    metrics = FieldList(FormField(MetricForm), min_entries=METRIC_ROWS, max_entries=METRIC_ROWS)
    coauthors = TextAreaField(
        _l("Co-authors"),
        validators=[Optional(), Length(max=2000)],
        description=_l("The email addresses of the members who wrote it with you, one per line. They may edit it."),
    )

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs) -> None:
        formdata = self.meta.wrap_formdata(self, formdata)
        # FieldList silently drops the rows beyond max_entries: count what was sent, to refuse it.
        sent = self.metrics._extract_indices(self.metrics.name, formdata) if formdata else ()
        self._metric_rows_sent = len(set(sent))
        super().process(formdata, obj, data, extra_filters, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self._metric_rows_sent > METRIC_ROWS:
            self.form_errors.append(_l("At most %(count)d metrics.", count=METRIC_ROWS))
            valid = False
        return valid

    def set_choices(self, sectors, functions, competences) -> None:
        self.sector.choices = [("", _l("Choose a sector")), *sectors]
        self.functions.choices = functions
        self.competences.choices = competences

    def metric_values(self) -> list[dict]:
        return [values for entry in self.metrics.entries if (values := entry.form.values()) is not None]

    def coauthor_emails(self) -> list[str]:
        return [line.strip() for line in (self.coauthors.data or "").splitlines() if line.strip()]


class ModerationForm(BaseForm):
    comment = TextAreaField(_l("Message to the authors"), validators=[Optional(), Length(max=5000)])


class CommentForm(BaseForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=[InputRequired(), Length(min=2, max=5000)],
        description=_l("Markdown is welcome. You can change or delete it for 15 minutes."),
    )


class HideCommentForm(BaseForm):
    reason = StringField(_l("Why it is hidden"), validators=[InputRequired(), Length(min=3, max=300)])


REPORT_REASON_CHOICES = [
    (ReportReason.OFFENSIVE.value, _l("Offensive or disrespectful")),
    (ReportReason.SPAM.value, _l("Spam or advertising")),
    (ReportReason.OFF_TOPIC.value, _l("Off topic")),
    (ReportReason.PRIVACY.value, _l("Reveals private information")),
    (ReportReason.OTHER.value, _l("Something else")),
]


class ReportCommentForm(BaseForm):
    reason = SelectField(
        _l("Why should the organisers look at it?"),
        choices=[("", _l("Choose a reason")), *REPORT_REASON_CHOICES],
        validators=[InputRequired(_l("Choose a reason."))],
    )
    note = TextAreaField(
        _l("Anything to add (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("Only the organisers read it. At most 500 characters."),
    )


class CoverForm(BaseForm):
    cover = FileField(
        _l("Cover image"),
        validators=[FileRequired(_l("Choose an image file."))],
        description=_l("JPEG, PNG, WebP or GIF, at most 5 MB; cropped to 1200 × 630."),
    )


class AttachmentForm(BaseForm):
    file = FileField(
        _l("Attachment"),
        validators=[FileRequired(_l("Choose a file."))],
        description=_l("PDF, PNG or JPEG, at most 10 MB; at most 5 per case study."),
    )


class FollowForm(BaseForm):
    sectors = MultiCheckboxField(_l("Sectors"), validators=[Optional()])
    functions = MultiCheckboxField(_l("Functions"), validators=[Optional()])
    competences = MultiCheckboxField(_l("Competence areas"), validators=[Optional()])
    email_on_comment = BooleanField(_l("Email me when someone comments on my case studies"))


class CaseFilterForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    sector = SelectField(_l("Sector"), validators=[Optional()])
    function = SelectField(_l("Function"), validators=[Optional()])
    competence = SelectField(_l("Competence area"), validators=[Optional()])
    year = SelectField(_l("Year"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    sort = SelectField(_l("Sort by"), validators=[Optional()])
    awarded = BooleanField(_l("Award winners only"))
