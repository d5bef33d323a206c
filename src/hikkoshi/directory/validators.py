"""Validation shared by the admin, the import and the models."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from hikkoshi.places.municipalities import municipality_code as registration_code_of
from hikkoshi.places.normalise import InvalidPostcode, normalise_postcode

from .constants import ContactKind

AREA_CODE = re.compile(r"^(\d{2}|\d{5})$")
# Japanese phone and fax numbers: 0 then 9 or 10 digits, hyphens allowed; 0570 / 0120 included.
PHONE = re.compile(r"^0\d{1,4}-?\d{1,4}-?\d{3,4}$")


def validate_area_code(value: str) -> None:
    if not AREA_CODE.match(value or ""):
        raise ValidationError(
            _("Enter a JIS X 0402 code: 2 digits for a prefecture or 5 for a municipality."),
            code="area_code",
        )


def validate_postcode(value: str) -> str:
    try:
        return normalise_postcode(value)
    except InvalidPostcode as exc:
        raise ValidationError(str(exc), code="postcode") from exc


def validate_contact(kind: str, value: str) -> None:
    if kind in (ContactKind.PHONE, ContactKind.FAX):
        digits = value.replace(" ", "")
        if not PHONE.match(digits) or len(re.sub(r"\D", "", digits)) not in (10, 11):
            raise ValidationError(_("Enter a Japanese phone number such as 011-211-2111."), code="phone")
    elif kind == ContactKind.EMAIL:
        EmailValidator(message=_("Enter a valid e-mail address."))(value)
    elif kind == ContactKind.WEB:
        URLValidator(schemes=["http", "https"], message=_("Enter a web address (https://…)."))(value)
    else:
        raise ValidationError(_("Unknown kind of contact."), code="kind")


def area_within(code: str, served) -> bool:
    """Whether an area code lies in one of ``served`` (a prefecture covers its municipalities, a
    designated city its wards)."""
    return bool(code) and any(
        code == area
        or (len(area) == 2 and code.startswith(area))
        or (len(code) == 5 and registration_code_of(code) == area)
        for area in served
    )
