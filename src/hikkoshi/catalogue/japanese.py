"""Normalising what people type into a procedure's fields: kana, dates, phone numbers, text.

Movers type Japanese data the way they write it on paper: a reading in hiragana or half-width
katakana, a date as ``令和7年4月1日`` or ``R7.4.1``, a phone number as ``011（211）2111``. The
field schema calls these functions; each returns one canonical form or raises ``InputError``
whose ``message`` says what is wrong (lazily translated, so it can be shown in the language of
the request that reads it).

Nothing here touches the database.
"""

import calendar
from dataclasses import dataclass
from datetime import date
import re
import unicodedata

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
import jaconv

from hikkoshi.places.normalise import DASHES


class InputError(ValueError):
    """A value that cannot be normalised.

    ``message`` is a lazy translatable string, already filled in with ``params``; ``code`` is a
    stable machine-readable reason (``"not_kana"``, ``"era_range"``, ``"phone_length"`` …) for
    callers and tests that need to tell reasons apart.
    """

    def __init__(self, message, code: str = "invalid", params: dict | None = None):
        self.code = code
        self.params = params or {}
        self.message = _fill(message, self.params) if self.params else message
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


def _fill_now(message, params):
    return str(message) % params


# Keeps the message lazy: it is translated and filled in only when it is shown.
_fill = lazy(_fill_now, str)


def _show(char: str) -> str:
    """A character as the message shows it: itself when visible, else its code point."""
    if char.isprintable() and not char.isspace():
        return char
    return f"U+{ord(char):04X}"


# -- kana ----------------------------------------------------------------------------------------

# Every space-like character (category Zs) people put between family and given name.
_SPACE_RUN = re.compile("[\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# What a kana field keeps: katakana ァ (U+30A1) … ヺ (U+30FA) – including ヴ, the small kana
# ァィゥェォッャュョヮヵヶ and ヷヸヹヺ – then ・ (U+30FB), ー (U+30FC), and the ideographic space.
# Left out on purpose: the iteration marks ヽヾ (U+30FD–30FE), ヿ, ゠ and the Ainu small kana
# (U+31F0–31FF).
_KANA_FIELD_CHAR = re.compile("[\u30a1-\u30fc\u3000]")


def to_katakana(text: str) -> str:
    """Return the reading of a name as full-width katakana, or raise ``InputError``.

    Hiragana become katakana (ゔ → ヴ, ゕゖ → ヵヶ), half-width katakana become full-width with
    their voiced marks joined (ｶﾞ → ガ, ﾊﾟ → パ, ｳﾞ → ヴ), decomposed marks are composed
    (カ + U+3099 → ガ), and every run of spaces (ASCII, ideographic, no-break …) becomes one
    ideographic space; spaces at either end go. ー, ・ and small kana are kept. Anything else –
    kanji, Latin letters, digits, symbols, line breaks, iteration marks (ゝゞヽヾ), a voiced mark
    that joins no kana (ｱﾞ, ゛) – is refused. An empty or all-space value gives ``""``.

    Why not NFKC: it would also turn ㌔ into キロ, ㋐ into ア and ① into 1, and the spacing marks
    ゛゜ into a space plus a combining mark. jaconv converts only the half-width katakana
    block, and NFC only composes (canonical equivalence, never a change of meaning).

    >>> to_katakana("やまだ　ﾀﾛｳ")
    'ヤマダ\u3000タロウ'
    """
    if not isinstance(text, str):
        raise InputError(_("Enter the reading in kana."), code="not_kana")
    value = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    value = jaconv.hira2kata(value)
    value = unicodedata.normalize("NFC", value)
    value = _SPACE_RUN.sub("\u3000", value).strip("\u3000")
    for char in value:
        if not _KANA_FIELD_CHAR.fullmatch(char):
            raise InputError(
                _("Use kana only (katakana or hiragana): “%(char)s” is not kana."),
                code="not_kana", params={"char": _show(char)},
            )
    return value


# -- dates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: date
    end: date | None  # last day; None while it goes on


# Start dates as in the Unicode CLDR calendar data that ICU ships (supplementalData.xml,
# <calendar type="japanese">: 1868-9-8, 1912-7-30, 1926-12-25, 1989-1-8, 2019-5-1), read as
# proleptic Gregorian dates. Caveat for 明治: 9月8日 is the day of the proclamation in the
# lunisolar calendar Japan used until 明治5年 (its Gregorian date is 1868-10-23, which newer
# CLDR releases use after CLDR ticket 11400, see also ICU4X issue 4892; the era was also applied
# back to the first day of that lunisolar year). Dates in 明治1–5年 (until 1872) are therefore
# read as if Japan had used the Gregorian calendar, as ICU did; changing the start to 10-23 is
# this one line (and FIRST_DATE follows it).
ERAS = (
    Era("明治", "M", date(1868, 9, 8), date(1912, 7, 29)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)
FIRST_DATE = ERAS[0].start
LAST_DATE = date(2100, 12, 31)
DATE_MAX_INPUT = 40

_ERA_BY_TOKEN = {}
for _era in ERAS:
    _ERA_BY_TOKEN[_era.name] = _era
    _ERA_BY_TOKEN[_era.name[0]] = _era  # 令7.4.1, 平31.4.30
    _ERA_BY_TOKEN[_era.letter] = _era
    _ERA_BY_TOKEN[_era.letter.lower()] = _era
del _era

_KANJI_DIGIT = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                "七": 7, "八": 8, "九": 9}
_KANJI_UNIT = {"十": 10, "百": 100, "千": 1000}
_ERA_TOKEN = "|".join(sorted((re.escape(t) for t in _ERA_BY_TOKEN), key=len, reverse=True))
_NUM = "[0-9]+|[〇○零一二三四五六七八九十百千]+"
# Separators between the parts of a date: - / . ・ and every dash people type (not 〜).
_SEP = "[" + re.escape("/.・" + DASHES.replace("〜", "")) + "]"
_WEEKDAYS = "月火水木金土日"
_WEEKDAY = rf"(?:\((?P<wd1>[{_WEEKDAYS}])(?:曜日?)?\)|(?P<wd2>[{_WEEKDAYS}])曜日?)?"
_DATE_FORMS = [
    # 2025年4月1日, 令和7年4月1日, 令和元年5月1日, 令和七年四月一日, 西暦2025年4月1日
    re.compile(rf"(?:(?P<era>{_ERA_TOKEN})|西暦)?(?P<y>{_NUM}|元)年(?P<m>{_NUM})月(?P<d>{_NUM})日?"
               + _WEEKDAY),
    # 2025-04-01, 2025/4/1, 2025.4.1, R7.4.1, R07/04/01, r7-4-1, H31.4.30, 令和7.4.1
    re.compile(rf"(?P<era>{_ERA_TOKEN})?(?P<y>[0-9]{{1,4}}|元){_SEP}(?P<m>[0-9]{{1,2}}){_SEP}"
               rf"(?P<d>[0-9]{{1,2}})" + _WEEKDAY),
    # 20250401
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})" + _WEEKDAY),
    # R070401, H310430
    re.compile(rf"(?P<era>{_ERA_TOKEN})(?P<y>[0-9]{{2}})(?P<m>[0-9]{{2}})(?P<d>[0-9]{{2}})"
               + _WEEKDAY),
]
_WHITESPACE = re.compile(r"\s+")


def _kanji_number(text: str) -> int:
    """``七`` → 7, ``三十一`` → 31, ``二〇二五`` → 2025, ``二千二十五`` → 2025; ASCII digits too."""
    if text.isascii():
        return int(text)
    if not any(c in _KANJI_UNIT for c in text):
        return int("".join(str(_KANJI_DIGIT[c]) for c in text))
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


def _range_error():
    return InputError(
        _("Enter a date from %(first)s (%(first_wareki)s) to %(last)s."), code="date_range",
        params={"first": FIRST_DATE.isoformat(), "first_wareki": format_wareki(FIRST_DATE),
                "last": LAST_DATE.isoformat()},
    )


def _era_range_error(era: Era):
    if era.end is None:
        return InputError(
            _("%(era)s began on %(start)s (%(start_iso)s)."), code="era_range",
            params={"era": era.name, "start": format_wareki(era.start),
                    "start_iso": era.start.isoformat()},
        )
    return InputError(
        _("%(era)s runs from %(start)s to %(end)s (%(start_iso)s to %(end_iso)s)."),
        code="era_range",
        params={"era": era.name, "start": format_wareki(era.start), "end": format_wareki(era.end),
                "start_iso": era.start.isoformat(), "end_iso": era.end.isoformat()},
    )


def _no_such_day(era: "Era | None", typed_year: int, year: int, month: int, day: int):
    """「令和3年2月30日は存在しない日付です（令和3年2月は28日まで）」: the date as it was typed
    (in its era, or 西暦), and the last day of that month."""
    if era is not None:
        typed_month = f"{era.name}{'元' if typed_year == 1 else typed_year}年{month}月"
    else:
        typed_month = f"{year}年{month}月"
    return InputError(
        _("There is no %(date)s: %(month)s (%(month_en)s) has %(last)d days."),
        code="invalid_date",
        params={"date": f"{typed_month}{day}日", "month": typed_month,
                "month_en": f"{calendar.month_name[month]} {year}",
                "last": calendar.monthrange(year, month)[1]},
    )


def parse_date(text: str) -> date:
    """Return the date written in ``text`` (西暦 or 和暦), or raise ``InputError``.

    Accepted, with full-width digits and spaces anywhere: ``2025-04-01``, ``2025/4/1``,
    ``2025.4.1``, ``2025年4月1日``, ``西暦2025年4月1日``, ``20250401``; ``令和7年4月1日``,
    ``令和元年5月1日``, ``令和七年四月一日``, ``R7.4.1``, ``R07/04/01``, ``r7-4-1``, ``R070401``,
    ``令7.4.1``, ``㋿7年4月1日`` and the same for 平成 (H), 昭和 (S), 大正 (T) and 明治 (M). A
    weekday may follow (``2025年4月1日(火)``, ``火曜日``); it must be the date's weekday.

    Refused: a date outside its era (``平成32年1月1日``, ``令和元年4月30日``), a day that does
    not exist (``2025-02-30``), a date before 明治 began (1868-09-08, see ``ERAS``) or after
    2100-12-31, a western year of fewer than four digits, anything else.
    """
    if not isinstance(text, str) or len(text) > DATE_MAX_INPUT:
        raise InputError(_("Enter a date such as 2025-04-01 or 令和7年4月1日."), code="date_format")
    # NFKC for dates only: full-width digits and punctuation to ASCII, ㍻ and ㋿ to 平成 and 令和.
    # The patterns below accept ASCII digits only, so nothing else NFKC folds can slip through.
    value = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text))
    for form in _DATE_FORMS:
        match = form.fullmatch(value)
        if match:
            break
    else:
        raise InputError(_("Enter a date such as 2025-04-01 or 令和7年4月1日."), code="date_format")
    parts = match.groupdict()
    era = _ERA_BY_TOKEN[parts["era"]] if parts.get("era") else None
    try:
        typed_year = 1 if parts["y"] == "元" else _kanji_number(parts["y"])
        month, day = _kanji_number(parts["m"]), _kanji_number(parts["d"])
    except ValueError:  # 二三十, 十百: kanji that are not a number
        raise InputError(_("Enter a date such as 2025-04-01 or 令和7年4月1日."),
                         code="date_format") from None
    if era is None:
        if parts["y"] == "元" or typed_year < 1000:
            raise InputError(_("Write the year in full (2025) or with its era (令和7年)."),
                             code="date_format")
        year = typed_year
    else:
        era_year = typed_year
        if era_year < 1:
            raise InputError(_("The first year of an era is 1 (元年), not 0."), code="date_format")
        year = era.start.year + era_year - 1
    if not FIRST_DATE.year <= year <= LAST_DATE.year:
        raise _range_error()
    if not 1 <= month <= 12:
        raise InputError(_("There is no month %(month)d."), code="invalid_date",
                         params={"month": month})
    try:
        result = date(year, month, day)
    except ValueError:
        raise _no_such_day(era, typed_year, year, month, day) from None
    if era is not None and not (era.start <= result and (era.end is None or result <= era.end)):
        raise _era_range_error(era)
    if not FIRST_DATE <= result <= LAST_DATE:
        raise _range_error()
    typed_weekday = parts.get("wd1") or parts.get("wd2")
    if typed_weekday:
        actual = _WEEKDAYS[result.weekday()]
        if typed_weekday != actual:
            raise InputError(
                _("The day of the week does not match: %(date)s is %(actual)s曜日, not %(typed)s曜日."),
                code="weekday",
                params={"date": result.isoformat(), "actual": actual, "typed": typed_weekday},
            )
    return result


def format_wareki(d: date) -> str:
    """``date(2025, 4, 1)`` → ``令和7年4月1日``; the first year of an era is 元年 (令和元年5月1日).

    Raises ``InputError`` for a date before 明治 began (1868-09-08), which has no era here.
    Dates after 2100 are formatted (令和83年…) although ``parse_date`` refuses them.
    """
    day = date(d.year, d.month, d.day)  # a datetime counts by its date
    for era in reversed(ERAS):
        if era.start <= day:
            year = day.year - era.start.year + 1
            return f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    raise InputError(_("Dates before %(first)s have no era here."), code="date_range",
                     params={"first": FIRST_DATE.isoformat()})


# -- dates in 年 / 月 / 日 fields ------------------------------------------------------------------

# The era choice of a date typed in three fields (年 / 月 / 日): "" is 西暦 (the year in full).
DATE_PARTS = ("era", "year", "month", "day")
ERA_CHOICES = (("", "西暦"),) + tuple((era.letter, era.name) for era in reversed(ERAS))


# A year field holding a whole date: a separator of a date's parts, or eight digits.
WHOLE_DATE = re.compile(r"[.\-/年．－ー‐/／]|^[0-9０-９]{8}$")


def date_text(parts: dict) -> str:
    """One text ``parse_date`` reads from a date typed in 年 / 月 / 日 fields with its era
    (``{"era": "R", "year": "8", "month": "1", "day": "15"}`` → ``R8年1月15日``), "" when all are
    empty. A whole date typed in the year field alone (``R8.1.15``, ``令和8年1月15日``,
    ``2026-01-15``) is that date, whatever era is chosen. Raises ``InputError`` for a missing
    part (naming it) or for anything that is not a date's parts."""
    if not isinstance(parts, dict) or set(parts) - set(DATE_PARTS) or not all(
            isinstance(v, str) for v in parts.values()):
        raise InputError(_("Enter a date such as 2025-04-01 or 令和7年4月1日."), code="date_format")
    era, year, month, day = (parts.get(key, "").strip() for key in DATE_PARTS)
    if not (year or month or day):
        return ""
    if year and (WHOLE_DATE.search(year) or (not (month or day) and (not year.isdigit() or len(year) > 4))):
        # A whole date in the year field (R8.1.15, 2026-01-15, 20260115) — also over the month
        # and day already there (a date pre-filled with the moving day, then typed over).
        return year
    missing = [label for value, label in ((year, _("the year")), (month, _("the month")), (day, _("the day")))
               if not value]
    if missing:
        raise InputError(_("Enter %(parts)s too."), code="date_part",
                         params={"parts": str(_(" and ")).join(str(m) for m in missing)})
    if era and era not in {letter for letter, _name in ERA_CHOICES}:
        raise InputError(_("Choose an era from the list."), code="date_format")
    return f"{era}{year}年{month}月{day}日"


def date_parts(d: date) -> dict:
    """A date as the 年 / 月 / 日 fields show it, in its era (令和8年1月15日 → R, 8, 1, 15)."""
    day = date(d.year, d.month, d.day)
    for era in reversed(ERAS):
        if era.start <= day:
            return {"era": era.letter, "year": str(day.year - era.start.year + 1), "month": str(day.month),
                    "day": str(day.day)}
    return {"era": "", "year": str(day.year), "month": str(day.month), "day": str(day.day)}


def typed_date(value) -> str:
    """What was typed into a date's fields, to be shown as text (a review page, an error)."""
    if isinstance(value, dict):
        era = dict(ERA_CHOICES).get(str(value.get("era", "")), "")
        year, month, day = (str(value.get(k, "")).strip() for k in ("year", "month", "day"))
        if year and not (month or day) and (not year.isdigit() or len(year) > 4):
            return year
        if not (year or month or day):
            return ""
        return f"{era}{year or '?'}年{month or '?'}月{day or '?'}日"
    return "" if value is None else str(value)


# -- phone numbers -------------------------------------------------------------------------------

PHONE_MAX_INPUT = 40
_PHONE_FOLD = str.maketrans(
    {**dict.fromkeys(DASHES, "-"), **{chr(0xFF10 + i): str(i) for i in range(10)},
     "（": "(", "）": ")", "＋": "+", "\u3000": " ", "\u00a0": " ", "\t": " "}
)
_PHONE_CHARS = re.compile(r"[0-9+()\- ]*")
_PHONE_SPLIT = re.compile(r"[\- ()]+")
_INTERNATIONAL = re.compile(r"\+81[\- ]*(?:\(0\))?")
_MOBILE_IP = ("050", "070", "080", "090")  # 11 digits, 3-4-4
_SERVICE_4_3_3 = ("0120", "0570", "0990")  # free dial, navi dial, dial Q2: 10 digits


def _phone_error(message, code="phone", **params):
    return InputError(message, code=code, params=params)


def normalise_phone(text: str) -> str:
    """Return a Japanese phone number as digits and hyphens, or raise ``InputError``.

    Accepted: ``011-211-2111``, ``0112112111``, ``(011)211-2111``, ``011（211）2111``,
    ``０１１－２１１－２１１１``, ``+81 11 211 2111``, ``+81 (0)11 211 2111``, ``+81-90-1234-5678``,
    ``+81 090-1234-5678`` (the 0 is dropped), ``090 1234 5678``, ``0120-12-6565``,
    ``0570-008800``; any dash people type, spaces.

    Valid numbers (``+81`` becomes the leading 0): 11 digits for mobile and IP phones (070, 080,
    090, 050) and 0800 free dial; 10 digits for everything else (fixed lines, 0120, 0570, 0990
    …). The second digit is never 0 (010 is the international prefix) and the other 0A0
    prefixes (020 pagers and M2M, 030, 040, 060) are not numbers a person gives.

    Grouping: three groups as typed are kept when they fit the kind of number (mobile 3-4-4,
    0800 4-3-4, 0120/0570/0990 4-3-3 or 4-2-4, fixed line: area code of 2–5 digits and local
    exchange making 6 digits together, then 4). Otherwise mobile/IP numbers are grouped 3-4-4,
    0120/0570/0990 4-3-3 and 0800 4-3-4; a fixed-line number typed without (plausible) hyphens
    is returned as its 10 digits, unhyphenated: where the area code ends depends on a table of
    area codes we do not have, and a wrong split would be printed on forms.
    """
    if not isinstance(text, str) or len(text) > PHONE_MAX_INPUT:
        raise _phone_error(_("Enter a phone number such as 03-1234-5678 or 090-1234-5678."))
    value = text.translate(_PHONE_FOLD).strip()
    if not _PHONE_CHARS.fullmatch(value):
        bad = next(c for c in value if not _PHONE_CHARS.fullmatch(c))
        raise _phone_error(_("A phone number has digits and hyphens only, not “%(char)s”."),
                           char=_show(bad))
    international = value.startswith("+")
    if international:
        match = _INTERNATIONAL.match(value)
        if not match:
            raise _phone_error(_("Enter a Japanese number: +81 or a number starting with 0."))
        value = value[match.end():]
    if "+" in value:
        raise _phone_error(_("A phone number has digits and hyphens only, not “%(char)s”."),
                           char="+")
    if value.count("(") != value.count(")") or value.count("(") > 1 or (
            "(" in value and not re.search(r"\([0-9]+\)", value)):
        raise _phone_error(_("Put brackets around one group of digits only, as in (011) 211-2111."))
    groups = [g for g in _PHONE_SPLIT.split(value) if g]
    if international and groups and not groups[0].startswith("0"):
        # +81 90 … → 090 …; "+81 090 …" (the 0 kept by mistake) needs nothing: after the
        # country code a Japanese number never starts with 0.
        groups[0] = "0" + groups[0]
    digits = "".join(groups)
    if not digits:
        raise _phone_error(_("Enter a phone number such as 03-1234-5678 or 090-1234-5678."))
    if digits[0] != "0":
        raise _phone_error(_("A phone number starts with 0 (or +81)."), code="phone_prefix")
    if digits[1:2] == "0" or (digits[2:3] == "0" and digits[:3] not in _MOBILE_IP):
        raise _phone_error(_("%(prefix)s… is not a Japanese phone number we can accept."),
                           code="phone_prefix", prefix=digits[:3])
    if digits.startswith("0800"):  # before 080: 0800 is free dial, not a mobile number
        expected, default = 11, (4, 3, 4)
    elif digits[:3] in _MOBILE_IP:
        expected, default = 11, (3, 4, 4)
    elif digits.startswith(_SERVICE_4_3_3):
        expected, default = 10, (4, 3, 3)
    else:
        expected, default = 10, None
    if len(digits) != expected:
        raise _phone_error(
            _("A number starting %(prefix)s has %(expected)d digits; this has %(count)d."),
            code="phone_length", prefix=digits[:4] if default and default[0] == 4 else digits[:3],
            expected=expected, count=len(digits),
        )
    if len(groups) == 3 and _plausible_grouping(groups, default):
        return "-".join(groups)
    if default is None:
        return digits
    a, b, _c = default
    return f"{digits[:a]}-{digits[a:a + b]}-{digits[a + b:]}"


def _plausible_grouping(groups: list[str], default: tuple[int, int, int] | None) -> bool:
    lengths = tuple(len(g) for g in groups)
    if default == (3, 4, 4) or default == (4, 3, 4):
        return lengths == default
    if default == (4, 3, 3):
        return lengths in ((4, 3, 3), (4, 2, 4))
    # A fixed line: area code (0 + 1–4 digits) and local exchange make 6 digits, then 4 digits.
    return 2 <= lengths[0] <= 5 and lengths[0] + lengths[1] == 6 and lengths[2] == 4


# -- free text -----------------------------------------------------------------------------------

_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def check_text(text: str, *, max_length: int, multiline: bool = False) -> str:
    """Return ``text`` in NFC, or raise ``InputError`` if it is not acceptable free text.

    Refused: control characters (C0, DEL and C1), lone surrogates and non-characters (U+FFFE,
    U+FFFF, U+FDD0–U+FDEF and their equivalents in every plane), and more than ``max_length``
    characters (code points, counted after NFC). Line breaks (also U+2028, U+2029) are refused
    unless ``multiline``; then ``\\r\\n``, ``\\r``, U+2028 and U+2029 become ``\\n`` (browsers send
    a textarea's lines with ``\\r\\n``) and ``\\n`` and ``\\t`` are allowed. Nothing is stripped.
    Positions in messages count characters from 1, as typed.
    """
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0:
        raise TypeError("max_length must be a whole number of 0 or more")
    if not isinstance(text, str):
        raise InputError(_("Enter text."), code="not_text")
    for position, char in enumerate(text, start=1):
        code = ord(char)
        if char in "\n\r\u2028\u2029":
            if not multiline:
                raise InputError(_("Use a single line: line breaks are not allowed here."),
                                 code="line_break")
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            if not (multiline and char == "\t"):
                raise InputError(
                    _("Remove the control character %(char)s at position %(position)d."),
                    code="control_character", params={"char": _show(char), "position": position},
                )
        elif 0xD800 <= code <= 0xDFFF or _is_noncharacter(code):
            raise InputError(
                _("Remove the invalid character %(char)s at position %(position)d."),
                code="invalid_character", params={"char": _show(char), "position": position},
            )
    value = _LINE_BREAKS.sub("\n", text) if multiline else text
    value = unicodedata.normalize("NFC", value)
    if len(value) > max_length:
        raise InputError(_("Use at most %(limit)d characters (this has %(length)d)."),
                         code="too_long", params={"limit": max_length, "length": len(value)})
    return value
