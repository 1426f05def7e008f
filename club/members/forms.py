from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from club.accounts.passwords import MAX_LENGTH
from club.core.forms import BaseForm
from club.core.urls import is_web_address
from club.members.models import Visibility

MAX_LINKS = 5
VISIBILITY_CHOICES = [
    (Visibility.PUBLIC.value, _l("Everyone")),
    (Visibility.MEMBERS.value, _l("Members only")),
    (Visibility.PRIVATE.value, _l("Only me and the organisers")),
]
LANGUAGE_CHOICES = [("it", "Italiano"), ("en", "English")]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _visibility(label):
    return SelectField(label, choices=VISIBILITY_CHOICES, validators=[InputRequired()])


def parse_links(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ProfileForm(BaseForm):
    display_name = StringField(_l("Name shown to other members"), validators=[InputRequired(), Length(min=2, max=80)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=120)])
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    sector = SelectField(_l("Sector"), validators=[Optional()])
    function = SelectField(_l("Function"), validators=[Optional()])
    competences = MultiCheckboxField(_l("Competence areas"), validators=[Optional()])
    bio = TextAreaField(
        _l("About you"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Markdown: **bold**, *italic*, lists and links. At most 5,000 characters."),
    )
    links = TextAreaField(
        _l("Links"),
        validators=[Optional(), Length(max=2000)],
        description=_l("One address per line (http or https), at most 5: LinkedIn, your company, a talk."),
    )
    locale = SelectField(
        _l("Language of the site and of emails"), choices=LANGUAGE_CHOICES, validators=[InputRequired()]
    )
    organisation_visibility = _visibility(_l("Who sees your organisation"))
    job_title_visibility = _visibility(_l("Who sees your job title"))
    bio_visibility = _visibility(_l("Who sees your presentation"))
    links_visibility = _visibility(_l("Who sees your links"))
    email_visibility = _visibility(_l("Who sees your email address"))

    def set_taxonomy_choices(self, sectors, functions, competences) -> None:
        self.sector.choices = [("", _l("Choose a sector")), *sectors]
        self.function.choices = [("", _l("Choose a function")), *functions]
        self.competences.choices = competences

    def validate_links(self, field) -> None:
        links = parse_links(field.data)
        if len(links) > MAX_LINKS:
            raise ValidationError(_l("At most %(count)d links.", count=MAX_LINKS))
        for link in links:
            if not is_web_address(link):
                raise ValidationError(
                    # Eager gettext: a lazy string would reach the page as markup, the link unescaped.
                    gettext("Not a web address starting with http:// or https://: %(link)s", link=link[:80])
                )


class AvatarForm(BaseForm):
    avatar = FileField(
        _l("Photo"),
        validators=[FileRequired(_l("Choose an image file."))],
        description=_l("JPEG, PNG, WebP or GIF, at most 5 MB. We crop it to a square."),
    )


class PasswordConfirmForm(BaseForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[InputRequired(), Length(max=MAX_LENGTH)])


class DirectoryForm(BaseForm):
    """The directory's search box and filters, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or organisation"), validators=[Optional(), Length(max=100)])
    sector = SelectField(_l("Sector"), validators=[Optional()])
    function = SelectField(_l("Function"), validators=[Optional()])
    competence = SelectField(_l("Competence area"), validators=[Optional()])
