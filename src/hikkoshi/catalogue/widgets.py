"""Form widgets of the field schemas (``schema.FieldSpec.form_field``)."""

from datetime import date

from django import forms
from django.utils.translation import get_language, gettext as _

from hikkoshi.japanese import DATE_PARTS, ERA_CHOICES, ERAS, date_parts, whole_date_in_year

# The eras in English, beside their Japanese names.
_ERAS_EN = {era.letter: era.english for era in ERAS}


def era_choices() -> list[tuple[str, str]]:
    """The era list of a date, in the page's language (令和 / Reiwa (令和) …, 西暦 first)."""
    if get_language() != "en":
        return list(ERA_CHOICES)
    return [(letter, f"{_ERAS_EN[letter]} ({name})" if letter else _("Western (西暦)")) for letter, name in ERA_CHOICES]


# The autocomplete tokens of a birth date's parts (WCAG 1.3.5), for the mover's own.
_BDAY = {"year": "bday-year", "month": "bday-month", "day": "bday-day"}


class DatePartsWidget(forms.Widget):
    """A date as 年 / 月 / 日 fields after the era (和暦 or 西暦): the Digital Agency design
    system's date input (``dads-date-picker``, separated: a ``<label>`` with its 年/月/日 text
    around each ``inputmode="numeric"`` text field, the whole in a fieldset whose legend is the
    field's label), with no JavaScript and no calendar pop-up.

    The year field keeps the field's own name and id, so a whole date typed into it, or posted
    as one value by an older page or a client (``R8.1.15``, ``2026-01-15``), is read as typed.
    The value is kept as typed: ``{"era", "year", "month", "day"}`` (``FieldSpec.clean`` reads it).
    """

    template_name = "catalogue/widgets/date_parts.html"
    use_fieldset = True

    def value_from_datadict(self, data, files, name):
        era, month, day = (data.get(f"{name}_{part}") for part in ("era", "month", "day"))
        year = data.get(name)
        if era is None and month is None and day is None:
            return year  # one text: a whole date, as typed
        return {"era": era or "", "year": year or "", "month": month or "", "day": day or ""}

    def value_omitted_from_data(self, data, files, name):
        return all(data.get(key) is None for key in (name, f"{name}_era", f"{name}_month", f"{name}_day"))

    def format_value(self, value):
        if isinstance(value, dict):
            return {part: str(value.get(part, "") or "") for part in DATE_PARTS}
        if isinstance(value, date):
            return date_parts(value)
        return {"era": "", "year": "" if value is None else str(value), "month": "", "day": ""}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget_attrs = widget["attrs"]
        parts = widget["value"]
        invalid = widget_attrs.get("aria-invalid") == "true"
        autocomplete = widget_attrs.get("autocomplete", "off")
        widget.update(
            eras=era_choices(),
            invalid=invalid,
            error_id=f"{widget_attrs.get('id', name)}_error",
            whole=whole_date_in_year(parts["year"], parts["month"], parts["day"]),
            autocomplete={part: _BDAY[part] if autocomplete == "bday" else "off" for part in _BDAY},
            required=bool(widget_attrs.get("required")),
        )
        return context
