"""Normalising what people type: postal codes and addresses.

People type postal codes as ``〒060-0042``, ``０６００００４２``, ``060ー0042`` or with spaces, and
addresses with full-width digits and any of a dozen dash-like characters. Everything we store or
compare goes through here first. The Japanese forms themselves (dashes, full-width digits, kanji
numerals) are ``hikkoshi.japanese``'s.
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from hikkoshi.japanese import DASHES, ascii_digits, kanji_numerals_to_digits

_DASH_CLASS = "[" + re.escape(DASHES) + "]"
_POSTCODE_NOISE = re.compile(r"[\s" + re.escape(DASHES) + r"〒〶〠]")
_DASH_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s*" + _DASH_CLASS + r"\s*(?=\d)")
_TRAILING_DASH_AFTER_DIGIT = re.compile(r"(?<=\d)" + _DASH_CLASS + r"(?=\s|$)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[\s\u3000]+")

POSTCODE_MAX_INPUT = 40


class InvalidPostcode(ValueError):
    """A postal code that is not seven digits once the usual decorations are taken away."""

    def __init__(self, message=None):
        super().__init__(message or _("Enter a postal code of seven digits, such as 060-0042."))


def normalise_postcode(text: str) -> str:
    """Return the seven digits of a postal code as typed, or raise ``InvalidPostcode``.

    >>> normalise_postcode("〒０６０ー００４２")
    '0600042'
    """
    if not isinstance(text, str) or len(text) > POSTCODE_MAX_INPUT:
        raise InvalidPostcode()
    # NFKC folds full-width digits and the full-width postal mark; strip what remains.
    folded = unicodedata.normalize("NFKC", text)
    digits = _POSTCODE_NOISE.sub("", folded)
    if len(digits) != 7 or not digits.isascii() or not digits.isdigit():
        raise InvalidPostcode()
    return digits


def format_postcode(code: str) -> str:
    """``0600042`` → ``060-0042``."""
    return f"{code[:3]}-{code[3:]}"


def normalise_address(text: str) -> str:
    """Normalise an address for storage and comparison.

    NFC; full-width digits to ASCII; any dash between two digits (or after a house number) to
    ``-``; ideographic and repeated spaces to one space; control characters removed. Katakana
    prolonged sound marks inside words (センター) are kept: only a mark next to a digit is a dash.
    """
    if not isinstance(text, str):
        return ""
    value = unicodedata.normalize("NFC", text)
    value = _CONTROL.sub("", value)
    value = ascii_digits(value)
    value = _DASH_BETWEEN_DIGITS.sub("-", value)
    value = _TRAILING_DASH_AFTER_DIGIT.sub("-", value)
    value = _SPACES.sub(" ", value).strip()
    return value


def address_key(text: str) -> str:
    """A form of an address for matching only: normalised, kanji numerals as digits, no spaces."""
    return kanji_numerals_to_digits(normalise_address(text)).replace(" ", "")
