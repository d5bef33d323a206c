"""Model and form fields for postal codes: stored as seven digits, typed in any usual form."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from .normalise import POSTCODE_MAX_INPUT, InvalidPostcode, normalise_postcode


class PostcodeFormField(forms.CharField):
    """Accepts ``〒060-0042``, ``０６０ー００４２`` … and cleans to ``0600042``."""

    def __init__(self, **kwargs):
        kwargs["max_length"] = POSTCODE_MAX_INPUT
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return normalise_postcode(value)
        except InvalidPostcode as exc:
            raise ValidationError(str(exc), code="postcode") from exc


class PostcodeField(models.CharField):
    """A postal code (郵便番号) as seven ASCII digits."""

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 7
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def to_python(self, value):
        # full_clean() (the import, the admin) normalises before checking the length.
        value = super().to_python(value)
        if not value:
            return value
        try:
            return normalise_postcode(value)
        except InvalidPostcode as exc:
            raise ValidationError(str(exc), code="postcode") from exc

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PostcodeFormField, **kwargs})
