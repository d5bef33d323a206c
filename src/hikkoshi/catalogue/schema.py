"""Field schemas (項目定義): one source of truth for a procedure's own fields.

A schema is a list of field specifications stored as JSON on the procedure. The same
``FieldSpec`` validates what a page or the API receives (``clean``), makes the Django form field
for the pages (``form_field``), describes itself in the API (``to_dict``) and formats a value
for the printed forms (``display``).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import get_language, gettext as _, gettext_lazy, pgettext

from hikkoshi.japanese import (
    DASHES,
    InputError,
    ascii_digits,
    check_text,
    date_text,
    format_wareki,
    normalise_phone,
    parse_date,
    to_katakana,
)
from hikkoshi.places.move_kind import MoveKind
from hikkoshi.places.normalise import InvalidPostcode, format_postcode, normalise_postcode

from .constants import FieldType
from .widgets import DatePartsWidget

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFAULT_MAX_LENGTH = {
    FieldType.TEXT: 100,
    FieldType.TEXTAREA: 1000,
    FieldType.KANA: 100,
    FieldType.ACCOUNT: 30,
    FieldType.EMAIL: 254,
    FieldType.CHOICE: 40,
    FieldType.PHONE: 30,
    FieldType.POSTCODE: 20,
    FieldType.DATE: 30,
    FieldType.NUMBER: 20,
    FieldType.BOOLEAN: 5,
}
MAX_ANY_INPUT = 2000
# The defaults a date field may take (``FieldSpec.default``): the moving day.
DEFAULT_MOVE_DATE = "move_date"
DEFAULTS = (DEFAULT_MOVE_DATE,)


_ACCOUNT_SEPARATORS = re.compile(r"[\s" + re.escape(DASHES) + r"]")
# A pattern that is only a fixed number of digits, such as \d{12} or [0-9]{12}.
_DIGITS_ONLY = re.compile(r"(?:\\d|\[0-9\])\{(\d+)\}")


class FieldError(ValueError):
    """A value that does not fit its field; ``message`` says why, in the active language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


class SchemaError(ValueError):
    """A schema that is not valid; ``errors`` are (path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))
        self.errors = errors


def easy(text: str) -> str:
    """A Japanese text of the data (a field's label or hint, a choice's label) in やさしい日本語
    when that is the active language: its entry with the context "easy" in that catalogue
    (locale/ja_X-easy); the text itself when it has none, or in any other language."""
    if not text or get_language() != getattr(settings, "EASY_JAPANESE", None):
        return text
    return pgettext("easy", text)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    label_en: str = ""

    @property
    def localised_label(self) -> str:
        return self.label_en if get_language() == "en" and self.label_en else easy(self.label)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a procedure (or of the common data)."""

    name: str
    type: str
    label: str
    label_en: str = ""
    help: str = ""
    help_en: str = ""
    required: bool = False
    max_length: int | None = None
    pattern: str = ""
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    min_value: int | None = None
    max_value: int | None = None
    # The kinds of move (転居 / 転出 / 転入) the field is asked for; empty: every kind. A
    # water procedure asks the stop date of a move-out and the start date of a move-in.
    kinds: tuple[str, ...] = ()
    # For a date: the days around the moving day it must fall in, e.g. (-30, 7) for the last
    # day of gas at the old home. Checked where the moving day is known (``clean_values``).
    move_window: tuple[int, int] | None = None
    # For a date: where its value comes from when nothing was given — ``"move_date"``: the
    # moving day (stop the day of the move, start the same day), shown pre-filled and changeable.
    default: str = ""

    def default_value(self, move_date: date | None):
        """The value of this field when none is given (None: no default)."""
        if self.default == DEFAULT_MOVE_DATE and move_date is not None:
            return move_date
        return None

    def applies_to(self, kinds) -> bool:
        return not self.kinds or any(k in self.kinds for k in kinds)

    # -- description -------------------------------------------------------------------------
    @property
    def localised_label(self) -> str:
        return self.label_en if get_language() == "en" and self.label_en else easy(self.label)

    @property
    def localised_help(self) -> str:
        return self.help_en if get_language() == "en" and self.help_en else easy(self.help)

    @property
    def form_help(self) -> str:
        """The help shown under the field; a date's says how to write one unless its own does."""
        own = self.localised_help
        if self.type != FieldType.DATE or "例" in own or "example" in own.lower():
            return own
        example = _(
            "For example 令和 8年 1月 15日, or with 西暦 2026年 1月 15日. A whole date typed in the year "
            "field is read too: 令和8年1月15日, R8.1.15, 2026-01-15."
        )
        return f"{own} {example}" if own else example

    @property
    def limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH.get(FieldType(self.type), 100)

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"name": self.name, "type": self.type, "label": self.label}
        for key in ("label_en", "help", "help_en", "pattern"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.required:
            data["required"] = True
        for key in ("max_length", "min_value", "max_value"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.kinds:
            data["kinds"] = list(self.kinds)
        if self.move_window:
            data["move_window"] = list(self.move_window)
        if self.default:
            data["default"] = self.default
        if self.choices:
            data["choices"] = [
                {k: v for k, v in (("value", c.value), ("label", c.label), ("label_en", c.label_en)) if v}
                for c in self.choices
            ]
        return data

    def json_schema(self) -> dict:
        """The field in JSON Schema, for the OpenAPI document (values are checked by ``clean``)."""
        if self.type == FieldType.BOOLEAN:
            schema: dict[str, Any] = {"type": "boolean"}
        elif self.type == FieldType.NUMBER:
            schema = {"type": ["integer", "string"]}
        elif self.type == FieldType.CHOICE:
            schema = {"type": "string", "enum": [c.value for c in self.choices]}
        else:
            schema = {"type": "string"}
        schema["title"] = self.label_en or self.label
        if self.help_en or self.help:
            schema["description"] = self.help_en or self.help
        if self.default == DEFAULT_MOVE_DATE:
            schema["description"] = (schema.get("description", "") + " Left out: the moving day.").strip()
        return schema

    # -- validation --------------------------------------------------------------------------
    def clean(self, raw: Any):
        """The value as stored (str, date, int or bool), or ``None`` when empty and optional.

        A date may come as its 年 / 月 / 日 fields (``{"era", "year", "month", "day"}``, what the
        pages post and the drafts keep) as well as one text."""
        if self.type == FieldType.DATE and isinstance(raw, dict):
            try:
                raw = date_text(raw)
            except InputError as exc:
                raise FieldError(exc.message) from exc
        if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
            if self.required:
                raise FieldError(_("This field is required."))
            return None
        if self.type == FieldType.BOOLEAN:
            if isinstance(raw, bool):
                value = raw
            elif str(raw).lower() in ("true", "on", "1", "yes"):
                value = True
            elif str(raw).lower() in ("false", "off", "0", "no"):
                value = False
            else:
                raise FieldError(_("Answer yes or no."))
            if self.required and not value:
                # A required yes/no field is a box that must be ticked (a consent, a confirmation).
                raise FieldError(_("Tick this box to go on."))
            return value
        if self.type == FieldType.NUMBER and isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if self.type == FieldType.DATE and isinstance(raw, date):
            raw = raw.isoformat()
        if not isinstance(raw, str):
            raise FieldError(_("Enter text."))
        try:
            text = check_text(
                raw, max_length=min(self.limit * 4, MAX_ANY_INPUT), multiline=self.type == FieldType.TEXTAREA
            ).strip()
            return self._clean_text(text)
        except InputError as exc:
            raise FieldError(exc.message) from exc

    def _clean_text(self, text: str):
        kind = self.type
        if kind == FieldType.KANA:
            text = to_katakana(text)
        elif kind == FieldType.DATE:
            return parse_date(text)
        elif kind == FieldType.PHONE:
            return normalise_phone(text)
        elif kind == FieldType.POSTCODE:
            try:
                return normalise_postcode(text)
            except InvalidPostcode as exc:
                raise FieldError(str(exc)) from exc
        elif kind == FieldType.EMAIL:
            try:
                validate_email(text)
            except ValidationError as exc:
                raise FieldError(_("Enter a valid e-mail address.")) from exc
        elif kind == FieldType.CHOICE:
            if text not in {c.value for c in self.choices}:
                raise FieldError(_("Choose one of the options."))
            return text
        elif kind == FieldType.NUMBER:
            text = ascii_digits(text).replace("\u2212", "-").replace("\uff0d", "-")
            if not re.fullmatch(r"-?[0-9]{1,15}", text):
                raise FieldError(_("Enter a whole number."))
            value = int(text)
            if self.min_value is not None and value < self.min_value:
                raise FieldError(_("Enter %(min)s or more.") % {"min": self.min_value})
            if self.max_value is not None and value > self.max_value:
                raise FieldError(_("Enter %(max)s or less.") % {"max": self.max_value})
            return value
        elif kind == FieldType.ACCOUNT:
            # Customer numbers are printed with spaces or hyphens; the organisation wants digits.
            text = _ACCOUNT_SEPARATORS.sub("", ascii_digits(text))
        digits = _DIGITS_ONLY.fullmatch(self.pattern) if self.pattern else None
        if digits and not re.fullmatch(self.pattern, text, re.ASCII):
            # A number of fixed length (ご請求番号 12桁): say what is wrong with this one.
            wanted = int(digits.group(1))
            if not text.isascii() or not text.isdigit():
                raise FieldError(_("Enter digits only: %(wanted)d of them.") % {"wanted": wanted})
            raise FieldError(
                _("Enter %(wanted)d digits (this has %(length)d).") % {"wanted": wanted, "length": len(text)}
            )
        if len(text) > self.limit:
            raise FieldError(
                _("Use at most %(limit)d characters (this has %(length)d).")
                % {"limit": self.limit, "length": len(text)}
            )
        if self.pattern and not re.fullmatch(self.pattern, text, re.ASCII):
            # The help under the field says what is expected: not repeated here.
            raise FieldError(_("This value does not have the expected form: see the hint for this field."))
        return text

    # -- presentation ------------------------------------------------------------------------
    def to_json(self, value):
        return value.isoformat() if isinstance(value, date) else value

    def from_json(self, value):
        if self.type == FieldType.DATE and isinstance(value, str):
            return date.fromisoformat(value)
        return value

    def display(self, value) -> str:
        """A stored value as printed on a form or the applicant's copy."""
        value = self.from_json(value)
        if value is None or value == "":
            return ""
        if self.type == FieldType.DATE:
            return f"{format_wareki(value)} ({value.isoformat()})"
        if self.type == FieldType.POSTCODE:
            return "〒" + format_postcode(value)
        if self.type == FieldType.CHOICE:
            return next((c.localised_label for c in self.choices if c.value == value), str(value))
        if self.type == FieldType.BOOLEAN:
            return _("Yes") if value else _("No")
        return str(value)

    def form_field(self) -> forms.Field:
        """The Django form field for the pages; it cleans through ``clean``."""
        attrs = {"autocomplete": "off"}
        if self.type in (FieldType.PHONE,):
            attrs.update(inputmode="tel", autocomplete="tel")
        if self.type in (FieldType.POSTCODE, FieldType.ACCOUNT, FieldType.NUMBER):
            attrs["inputmode"] = "numeric"
        if self.type == FieldType.EMAIL:
            attrs.update(inputmode="email", autocomplete="email")
        common: dict[str, Any] = {
            "label": self.localised_label,
            "help_text": self.form_help,
            "required": self.required,
            "spec": self,
        }
        if self.type == FieldType.CHOICE:
            return SpecChoiceField(choices=[("", "—")] + [(c.value, c.localised_label) for c in self.choices], **common)
        if self.type == FieldType.BOOLEAN:
            return SpecBooleanField(**common)
        if self.type == FieldType.DATE:
            return SpecField(widget=DatePartsWidget(), **common)
        widget = forms.Textarea(attrs={"rows": 4}) if self.type == FieldType.TEXTAREA else forms.TextInput(attrs=attrs)
        return SpecField(widget=widget, **common)


class _SpecMixin:
    def __init__(self, *, spec: FieldSpec, **kwargs):
        self.spec = spec
        super().__init__(**kwargs)

    def to_python(self, value):
        return value

    def validate(self, value):
        pass

    def run_validators(self, value):
        pass

    def clean(self, value):
        try:
            return self.spec.clean(value)
        except FieldError as exc:
            raise forms.ValidationError(exc.message, code="invalid") from exc


class SpecField(_SpecMixin, forms.CharField):
    """A text input that keeps exactly what was typed and cleans through its ``FieldSpec``."""


class SpecChoiceField(_SpecMixin, forms.ChoiceField):
    pass


class SpecBooleanField(_SpecMixin, forms.BooleanField):
    """A checkbox: unticked is "no", which a required field refuses through its spec."""

    def clean(self, value):
        return super().clean(bool(value))


# -- schemas ------------------------------------------------------------------------------------

_KEYS = {
    "name",
    "type",
    "label",
    "label_en",
    "help",
    "help_en",
    "required",
    "max_length",
    "pattern",
    "choices",
    "min_value",
    "max_value",
    "kinds",
    "move_window",
    "default",
}


def parse_schema(data: Any, path: str = "fields") -> tuple[FieldSpec, ...]:
    """Read a schema from JSON data; raise ``SchemaError`` listing every problem by its path."""
    errors: list[tuple[str, str]] = []
    if not isinstance(data, list):
        raise SchemaError([(path, str(gettext_lazy("Expected a list of fields.")))])
    specs, names = [], set()
    for i, item in enumerate(data):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            errors.append((where, _("Expected an object.")))
            continue
        unknown = set(item) - _KEYS
        if unknown:
            errors.append((where, _("Unknown keys: %(names)s.") % {"names": ", ".join(sorted(unknown))}))
        name = item.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            name = ""
            errors.append((f"{where}.name", _("Use lower-case letters, digits and _ (up to 40).")))
        elif name in names:
            errors.append((f"{where}.name", _("Used twice.")))
        else:
            names.add(name)
        if item.get("type") not in FieldType.values:
            errors.append(
                (f"{where}.type", _("Choose one of: %(choices)s.") % {"choices": ", ".join(FieldType.values)})
            )
        for key in ("label", "label_en", "help", "help_en", "pattern"):
            if key in item and not isinstance(item[key], str):
                errors.append((f"{where}.{key}", _("Expected text.")))
        if not isinstance(item.get("label"), str) or not item.get("label"):
            errors.append((f"{where}.label", _("A field needs a label.")))
        for key in ("max_length", "min_value", "max_value"):
            if key in item and (not isinstance(item[key], int) or isinstance(item[key], bool)):
                errors.append((f"{where}.{key}", _("Expected a whole number.")))
        if "max_length" in item and isinstance(item["max_length"], int) and not 0 < item["max_length"] <= MAX_ANY_INPUT:
            errors.append((f"{where}.max_length", _("Between 1 and %(max)d.") % {"max": MAX_ANY_INPUT}))
        if "required" in item and not isinstance(item["required"], bool):
            errors.append((f"{where}.required", _("Expected true or false.")))
        if item.get("pattern"):
            try:
                re.compile(item["pattern"])
            except (re.error, TypeError):
                errors.append((f"{where}.pattern", _("Not a valid regular expression.")))
        choices = item.get("choices", [])
        if item.get("type") == FieldType.CHOICE and not choices:
            errors.append((f"{where}.choices", _("A choice field needs choices.")))
        if not isinstance(choices, list) or not all(
            isinstance(c, dict) and isinstance(c.get("value"), str) and isinstance(c.get("label"), str) for c in choices
        ):
            errors.append((f"{where}.choices", _("Each choice needs a value and a label.")))
            choices = []
        kinds = item.get("kinds", [])
        if not isinstance(kinds, list) or any(k not in MoveKind.values for k in kinds):
            errors.append((f"{where}.kinds", _("Choose from: %(choices)s.") % {"choices": ", ".join(MoveKind.values)}))
            kinds = []
        window = item.get("move_window")
        if window is not None and not (
            isinstance(window, list)
            and len(window) == 2
            and all(isinstance(d, int) and not isinstance(d, bool) and -366 <= d <= 366 for d in window)
            and window[0] <= window[1]
            and item.get("type") == FieldType.DATE
        ):
            errors.append(
                (f"{where}.move_window", _("For a date: [days before, days after] the moving day, within a year."))
            )
            window = None
        default = item.get("default", "")
        if default != "" and not (default in DEFAULTS and item.get("type") == FieldType.DATE):
            errors.append((f"{where}.default", _('For a date only: "%(choices)s".') % {"choices": DEFAULT_MOVE_DATE}))
            default = ""
        if not errors:
            specs.append(
                FieldSpec(
                    name=name,
                    type=item["type"],
                    label=item["label"],
                    label_en=item.get("label_en", ""),
                    help=item.get("help", ""),
                    help_en=item.get("help_en", ""),
                    required=item.get("required", False),
                    max_length=item.get("max_length"),
                    pattern=item.get("pattern", ""),
                    choices=tuple(Choice(c["value"], c["label"], c.get("label_en", "")) for c in choices),
                    min_value=item.get("min_value"),
                    max_value=item.get("max_value"),
                    kinds=tuple(kinds),
                    move_window=tuple(window) if window else None,
                    default=default,
                )
            )
    if errors:
        raise SchemaError(errors)
    return tuple(specs)


def clean_values(
    schema: tuple[FieldSpec, ...], data: Any, path: str = "", kinds=None, move_date: date | None = None
) -> tuple[dict, dict[str, str]]:
    """Clean a dict of values against a schema: (cleaned values as JSON, errors by path).

    With ``kinds``, only the fields asked for those kinds of move count. Unknown keys are
    errors too, so nothing a client sends is silently dropped. A date field left out whose
    ``default`` is the moving day takes ``move_date`` (when it is known); a value given empty
    stays empty (and a required field says so).
    """
    prefix = f"{path}." if path else ""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return {}, {path or "fields": _("Expected an object.")}
    if kinds is not None:
        schema = tuple(spec for spec in schema if spec.applies_to(kinds))
    cleaned, errors = {}, {}
    known = {spec.name for spec in schema}
    for key in data:
        if key not in known:
            errors[f"{prefix}{key}"] = _("Unknown field.")
    for spec in schema:
        if spec.name not in data and move_date is not None:
            value_given = spec.default_value(move_date)
        else:
            value_given = data.get(spec.name)
        try:
            value = spec.clean(value_given)
        except FieldError as exc:
            errors[f"{prefix}{spec.name}"] = exc.message
            continue
        if value is not None and spec.move_window and move_date is not None:
            first = move_date + timedelta(days=spec.move_window[0])
            last = move_date + timedelta(days=spec.move_window[1])
            if not first <= value <= last:
                errors[f"{prefix}{spec.name}"] = _(
                    "Give a date from %(first)s to %(last)s (around the moving day, %(day)s)."
                ) % {"first": first.isoformat(), "last": last.isoformat(), "day": move_date.isoformat()}
                continue
        if value is not None:
            cleaned[spec.name] = spec.to_json(value)
    return cleaned, errors


def object_schema(schema: tuple[FieldSpec, ...]) -> dict:
    """A JSON Schema object of a field schema (required fields listed)."""
    return {
        "type": "object",
        "properties": {spec.name: spec.json_schema() for spec in schema},
        "required": [spec.name for spec in schema if spec.required],
        "additionalProperties": False,
    }
