"""What every app's forms and views share: a service's refusal put on a form or flashed, the
date widget, and a field of ids that takes only what core.params reads as one."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError

from .params import parse_id

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ModelIdsField(forms.ModelMultipleChoiceField):
    """Ticked objects by id. Django's own field hands a number past the database's range to an
    IN query, which fails on both databases (a 500); here anything but an id is refused first."""

    def _check_values(self, value):
        for pk in value:  # a list or tuple: clean() refused anything else
            if parse_id(str(pk)) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def apply_errors(form, error: ValidationError) -> None:
    """Puts a service's ValidationError on the form, field by field where it names fields.

    A field the form does not show gets its message at the top of the form, so nothing is lost.
    """
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_messages(source) -> list[str]:
    """The messages of a ValidationError, or of a bound form's errors, in order."""
    if isinstance(source, ValidationError):
        return list(source.messages)
    return [message for errors in source.errors.values() for message in errors]


def flash_errors(request, source) -> None:
    """Shows a refusal as one flash message, for actions whose page has no form to hold it."""
    messages.error(request, " ".join(error_messages(source)))
