"""The base form: text fields arrive stripped of surrounding white space (passwords excepted) and
without control characters."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, ValidationError

# C0 control characters but tab, newline and carriage return, and DEL: PostgreSQL refuses NUL in text
# (the request would fail with a 500) and XML 1.0, hence the Atom feeds, refuses the others.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(form, field) -> None:
    """Refuse invisible control characters (pasted from other programs, or sent on purpose)."""
    if isinstance(field.data, str) and _CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this text."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if not issubclass(field_class, StringField):
                return unbound_field.bind(form=form, **options)
            # Every text field of the site refuses control characters; all but passwords are stripped.
            validators = [*unbound_field.kwargs.get("validators", ()), plain_text]
            filters = list(unbound_field.kwargs.get("filters", ()))
            if not issubclass(field_class, PasswordField):
                filters.insert(0, _strip)
            return unbound_field.bind(form=form, filters=filters, validators=validators, **options)


class LanguageForm(BaseForm):
    language = HiddenField(validators=[InputRequired()])
    next = HiddenField()


class EmptyForm(BaseForm):
    """Nothing but the CSRF token, for buttons that POST."""


def add_error(form, field_name: str, message) -> None:
    """Attach a service's refusal to the field it concerns, or to the form as a whole."""
    field = getattr(form, field_name, None)
    if field is None:
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]
