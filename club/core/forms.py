"""The base form: text fields arrive stripped of surrounding white space (passwords excepted)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                filters = [_strip, *unbound_field.kwargs.get("filters", ())]
                return unbound_field.bind(form=form, filters=filters, **options)
            return unbound_field.bind(form=form, **options)


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
