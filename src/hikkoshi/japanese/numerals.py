"""Kanji numerals (漢数字): ``七`` → 7, ``三十一`` → 31, ``二〇二五`` → 2025, ``北二十四条`` → ``北24条``."""

import re

_KANJI_DIGIT = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_UNIT = {"十": 10, "百": 100, "千": 1000}
# The numbers of a date (``令和七年四月一日``): digits or kanji numerals with their units.
NUMBER = "[0-9]+|[〇○零一二三四五六七八九十百千]+"
# Kanji numerals inside an address: digits and 十 only. 百 and 千 stay words there (千代田区,
# 百合が原), and Japan Post writes 条 and 丁目 below a hundred.
_ADDRESS_NUMBER = re.compile(r"[一二三四五六七八九十〇]+")


def _positional(text: str) -> str:
    """Kanji digits without units, digit by digit: ``二〇二五`` → ``2025``, ``〇一`` → ``01``."""
    return "".join(str(_KANJI_DIGIT[c]) for c in text)


def kanji_number(text: str) -> int:
    """``七`` → 7, ``三十一`` → 31, ``二〇二五`` → 2025, ``二千二十五`` → 2025; ASCII digits too.

    Raises ``ValueError`` for kanji that are not a number (``二三十``: two digits before a unit;
    ``十百``, ``十十``: units out of order)."""
    if text.isascii():
        return int(text)
    if not any(c in _KANJI_UNIT for c in text):
        return int(_positional(text))
    total, digit, last_unit = 0, None, 10_000
    for char in text:
        if char in _KANJI_DIGIT:
            if digit is not None:
                raise ValueError(text)  # 二三十: two digits in a row
            digit = _KANJI_DIGIT[char]
        else:
            unit = _KANJI_UNIT[char]
            if unit >= last_unit:
                raise ValueError(text)  # 十百, 十十: units out of order
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + (digit or 0)


def _digits(match: re.Match[str]) -> str:
    text = match.group(0)
    if not any(c in _KANJI_UNIT for c in text):
        return _positional(text)  # digit by digit, a leading 〇 kept
    try:
        return str(kanji_number(text))
    except ValueError:
        return text  # not a number we understand; leave it


def kanji_numerals_to_digits(text: str) -> str:
    """``北二十四条西`` → ``北24条西``: Japan Post writes Sapporo's 条 and 丁目 in kanji numerals.
    A run of kanji numerals that is not a number (``十十``) is left as it is."""
    return _ADDRESS_NUMBER.sub(_digits, text)
