"""Normalising what people type: postal codes and addresses.

People type postal codes as ``〒060-0042``, ``０６００００４２``, ``060ー0042`` or with spaces, and
addresses with full-width digits and any of a dozen dash-like characters. Everything we store or
compare goes through here first.
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

# Characters people (and input methods) use for the hyphen in postal codes and house numbers.
DASHES = (
    "\u002d"  # - hyphen-minus
    "\u2010"  # ‐ hyphen
    "\u2011"  # ‑ non-breaking hyphen
    "\u2012"  # ‒ figure dash
    "\u2013"  # – en dash
    "\u2014"  # — em dash
    "\u2015"  # ― horizontal bar
    "\u2212"  # − minus sign
    "\u2043"  # ⁃ hyphen bullet
    "\ufe63"  # ﹣ small hyphen-minus
    "\uff0d"  # － full-width hyphen-minus
    "\u30fc"  # ー katakana prolonged sound mark (typed for a dash by many IMEs)
    "\uff70"  # ｰ half-width prolonged sound mark
    "\u2500"  # ─ box drawing light horizontal
    "\u2501"  # ━ box drawing heavy horizontal
    "\u301c"  # 〜 wave dash (sometimes typed for a range dash)
)
_DASH_CLASS = "[" + re.escape(DASHES) + "]"
_POSTCODE_NOISE = re.compile(r"[\s" + re.escape(DASHES) + r"〒〶〠]")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
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
    value = value.translate(_FULLWIDTH_DIGITS)
    value = _DASH_BETWEEN_DIGITS.sub("-", value)
    value = _TRAILING_DASH_AFTER_DIGIT.sub("-", value)
    value = _SPACES.sub(" ", value).strip()
    return value


_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = re.compile(r"[一二三四五六七八九十〇]+")


def _kanji_to_int(match: re.Match) -> str:
    s = match.group(0)
    if "十" not in s:
        # 二〇 style: positional digits.
        return "".join(str(_KANJI_DIGITS[c]) for c in s)
    tens, _sep, ones = s.partition("十")
    if "十" in ones:
        return s  # not a number we understand; leave it
    value = (_KANJI_DIGITS.get(tens, 0) if tens else 1) * 10
    value += sum(_KANJI_DIGITS[c] for c in ones) if len(ones) <= 1 else int(
        "".join(str(_KANJI_DIGITS[c]) for c in ones)
    )
    return str(value)


def kanji_numerals_to_digits(text: str) -> str:
    """``北二十四条西`` → ``北24条西``: Japan Post writes Sapporo's 条 and 丁目 in kanji numerals."""
    return _KANJI_NUMBER.sub(_kanji_to_int, text)


def address_key(text: str) -> str:
    """A form of an address for matching only: normalised, kanji numerals as digits, no spaces."""
    return kanji_numerals_to_digits(normalise_address(text)).replace(" ", "")
