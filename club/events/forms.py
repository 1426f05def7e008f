from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from club.core.forms import BaseForm
from club.core.urls import is_web_address
from club.events.models import SessionKind, WeekStatus

KIND_LABELS = {
    SessionKind.TESTIMONIAL.value: _l("Testimonial"),
    SessionKind.PANEL.value: _l("Panel"),
    SessionKind.WORKSHOP.value: _l("Workshop"),
    SessionKind.AWARD_CEREMONY.value: _l("Award ceremony"),
    SessionKind.NETWORKING.value: _l("Networking"),
}
STATUS_LABELS = {
    WeekStatus.DRAFT.value: _l("Draft (organisers only)"),
    WeekStatus.PUBLISHED.value: _l("Published"),
    WeekStatus.ARCHIVED.value: _l("Archived"),
}


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class WeekForm(BaseForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(min=3, max=200)])
    themes = TextAreaField(
        _l("Themes"),
        validators=[Optional(), Length(max=1000)],
        description=_l("One per line, e.g. resilience, relationship, recovery."),
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=20_000)], description=_l("Markdown.")
    )
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    online = BooleanField(_l("Online"))
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()), validators=[InputRequired()])

    def validate_themes(self, field) -> None:
        themes = _lines(field.data)
        if len(themes) > 8:
            raise ValidationError(_l("At most 8 themes."))
        if any(len(theme) > 80 for theme in themes):
            raise ValidationError(_l("A theme has at most 80 characters."))

    def theme_list(self) -> list[str]:
        seen: list[str] = []
        for theme in _lines(self.themes.data):
            if theme not in seen:
                seen.append(theme)
        return seen


class CoverForm(BaseForm):
    cover = FileField(_l("Cover image"), validators=[FileRequired(_l("Choose an image file."))])


class SessionForm(BaseForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(min=3, max=200)])
    kind = SelectField(_l("Type"), choices=list(KIND_LABELS.items()), validators=[InputRequired()])
    theme = SelectField(_l("Theme"), validators=[Optional()])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=20_000)], description=_l("Markdown.")
    )
    day = DateField(_l("Day"), validators=[InputRequired()])
    start = TimeField(_l("Starts at"), validators=[InputRequired()])
    end = TimeField(_l("Ends at"), validators=[InputRequired()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=80)])
    online_url = StringField(
        _l("Online link"),
        validators=[Optional(), Length(max=300)],
        description=_l("Shown only to the members registered for the session."),
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        description=_l("Leave empty for no limit."),
    )
    speakers = TextAreaField(
        _l("Speakers"),
        validators=[Optional(), Length(max=3000)],
        description=_l("One per line: a member's email address, or a guest as “Name | Organisation”."),
    )
    cases = StringField(
        _l("Linked case studies"),
        validators=[Optional(), Length(max=300)],
        description=_l("The numbers of published case studies, separated by commas (the number is in their address)."),
    )

    def validate_online_url(self, field) -> None:
        if field.data and not is_web_address(field.data):
            raise ValidationError(_l("Write a web address starting with https://."))

    def validate_speakers(self, field) -> None:
        lines = _lines(field.data)
        if len(lines) > 12:
            raise ValidationError(_l("At most 12 speakers."))
        for line in lines:
            name = line.split("|", 1)[0].strip()
            if not name or len(name) > 120 or len(line) > 250:
                raise ValidationError(_l("Each line is an email address or “Name | Organisation”."))

    def validate_cases(self, field) -> None:
        for part in (field.data or "").split(","):
            if part.strip() and not part.strip().isdigit():
                raise ValidationError(_l("Write the case study numbers separated by commas, e.g. 12, 40."))

    def speaker_entries(self) -> list[tuple[str | None, str | None, str | None]]:
        entries = []
        for line in _lines(self.speakers.data):
            if "@" in line and "|" not in line:
                entries.append((line, None, None))
            else:
                name, _, organisation = line.partition("|")
                entries.append((None, name.strip(), organisation.strip() or None))
        return entries

    def case_ids(self) -> list[int]:
        return [int(part) for part in (self.cases.data or "").split(",") if part.strip().isdigit()]


class RatingForm(BaseForm):
    rating = SelectField(
        _l("Your rating"),
        choices=[("5", "5 ★★★★★"), ("4", "4 ★★★★"), ("3", "3 ★★★"), ("2", "2 ★★"), ("1", "1 ★")],
        validators=[InputRequired()],
    )
    comment = TextAreaField(_l("A comment for the organisers (optional)"), validators=[Optional(), Length(max=2000)])


class ProgrammeFilterForm(BaseForm):
    class Meta:
        csrf = False

    theme = SelectField(_l("Theme"), validators=[Optional()])
    kind = SelectField(_l("Type"), validators=[Optional()])
