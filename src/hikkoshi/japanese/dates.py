"""Dates as people type them (西暦 or 和暦), and dates typed in 年 / 月 / 日 fields.

``parse_date`` reads ``2025-04-01``, ``令和7年4月1日``, ``R7.4.1``, ``令和七年四月一日`` and more,
or raises ``InputError`` saying what is wrong in the terms it was typed in.
"""

import calendar
from datetime import date
import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from .eras import ERA_BY_TOKEN, ERAS, FIRST_DATE, Era, era_and_year, format_wareki
from .errors import InputError
from .numerals import NUMBER, kanji_number
from .width import DASHES

LAST_DATE = date(2100, 12, 31)
DATE_MAX_INPUT = 40

_ERA_TOKEN = "|".join(sorted((re.escape(t) for t in ERA_BY_TOKEN), key=len, reverse=True))
# Separators between the parts of a date: - / . ・ and every dash people type (not 〜).
_SEP = "[" + re.escape("/.・" + DASHES.replace("〜", "")) + "]"
_WEEKDAYS = "月火水木金土日"
_WEEKDAY = rf"(?:\((?P<wd1>[{_WEEKDAYS}])(?:曜日?)?\)|(?P<wd2>[{_WEEKDAYS}])曜日?)?"
_DATE_FORMS = [
    # 2025年4月1日, 令和7年4月1日, 令和元年5月1日, 令和七年四月一日, 西暦2025年4月1日
    re.compile(rf"(?:(?P<era>{_ERA_TOKEN})|西暦)?(?P<y>{NUMBER}|元)年(?P<m>{NUMBER})月(?P<d>{NUMBER})日?" + _WEEKDAY),
    # 2025-04-01, 2025/4/1, 2025.4.1, R7.4.1, R07/04/01, r7-4-1, H31.4.30, 令和7.4.1
    re.compile(
        rf"(?P<era>{_ERA_TOKEN})?(?P<y>[0-9]{{1,4}}|元){_SEP}(?P<m>[0-9]{{1,2}}){_SEP}"
        rf"(?P<d>[0-9]{{1,2}})" + _WEEKDAY
    ),
    # 20250401
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})" + _WEEKDAY),
    # R070401, H310430
    re.compile(rf"(?P<era>{_ERA_TOKEN})(?P<y>[0-9]{{2}})(?P<m>[0-9]{{2}})(?P<d>[0-9]{{2}})" + _WEEKDAY),
]
_WHITESPACE = re.compile(r"\s+")


def _range_error() -> InputError:
    return InputError(
        _("Enter a date from %(first)s (%(first_wareki)s) to %(last)s."),
        code="date_range",
        params={
            "first": FIRST_DATE.isoformat(),
            "first_wareki": format_wareki(FIRST_DATE),
            "last": LAST_DATE.isoformat(),
        },
    )


def _era_range_error(era: Era) -> InputError:
    if era.end is None:
        return InputError(
            _("%(era)s began on %(start)s (%(start_iso)s)."),
            code="era_range",
            params={"era": era.name, "start": format_wareki(era.start), "start_iso": era.start.isoformat()},
        )
    return InputError(
        _("%(era)s runs from %(start)s to %(end)s (%(start_iso)s to %(end_iso)s)."),
        code="era_range",
        params={
            "era": era.name,
            "start": format_wareki(era.start),
            "end": format_wareki(era.end),
            "start_iso": era.start.isoformat(),
            "end_iso": era.end.isoformat(),
        },
    )


def _no_such_day(era: "Era | None", typed_year: int, year: int, month: int, day: int) -> InputError:
    """「令和3年2月30日は存在しない日付です（令和3年2月は28日まで）」: the date as it was typed
    (in its era, or 西暦), and the last day of that month."""
    if era is not None:
        typed_month = f"{era.name}{'元' if typed_year == 1 else typed_year}年{month}月"
    else:
        typed_month = f"{year}年{month}月"
    return InputError(
        _("There is no %(date)s: %(month)s (%(month_en)s) has %(last)d days."),
        code="invalid_date",
        params={
            "date": f"{typed_month}{day}日",
            "month": typed_month,
            "month_en": f"{calendar.month_name[month]} {year}",
            "last": calendar.monthrange(year, month)[1],
        },
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
    era = ERA_BY_TOKEN[parts["era"]] if parts.get("era") else None
    try:
        typed_year = 1 if parts["y"] == "元" else kanji_number(parts["y"])
        month, day = kanji_number(parts["m"]), kanji_number(parts["d"])
    except ValueError:  # 二三十, 十百: kanji that are not a number
        raise InputError(_("Enter a date such as 2025-04-01 or 令和7年4月1日."), code="date_format") from None
    if era is None:
        if parts["y"] == "元" or typed_year < 1000:
            raise InputError(_("Write the year in full (2025) or with its era (令和7年)."), code="date_format")
        year = typed_year
    else:
        era_year = typed_year
        if era_year < 1:
            raise InputError(_("The first year of an era is 1 (元年), not 0."), code="date_format")
        year = era.start.year + era_year - 1
    if not FIRST_DATE.year <= year <= LAST_DATE.year:
        raise _range_error()
    if not 1 <= month <= 12:
        raise InputError(_("There is no month %(month)d."), code="invalid_date", params={"month": month})
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


# -- dates in 年 / 月 / 日 fields ------------------------------------------------------------------

# The era choice of a date typed in three fields (年 / 月 / 日): "" is 西暦 (the year in full).
DATE_PARTS = ("era", "year", "month", "day")
ERA_CHOICES = (("", "西暦"),) + tuple((era.letter, era.name) for era in reversed(ERAS))


# A year field holding a whole date: a separator of a date's parts, or eight digits.
WHOLE_DATE = re.compile(r"[.\-/年．－ー‐/／]|^[0-9０-９]{8}$")


def whole_date_in_year(year: str, month: str, day: str) -> bool:
    """Whether a whole date was typed in the year field alone (``R8.1.15``, ``令和8年1月15日``,
    ``20260115``): no month or day, and the year is not four digits or fewer."""
    return bool(year) and not (month or day) and (not year.isdigit() or len(year) > 4)


def date_text(parts: object) -> str:
    """One text ``parse_date`` reads from a date typed in 年 / 月 / 日 fields with its era
    (``{"era": "R", "year": "8", "month": "1", "day": "15"}`` → ``R8年1月15日``), "" when all are
    empty. A whole date typed in the year field alone (``R8.1.15``, ``令和8年1月15日``,
    ``2026-01-15``) is that date, whatever era is chosen. Raises ``InputError`` for a missing
    part (naming it) or for anything that is not a date's parts."""
    if (
        not isinstance(parts, dict)
        or set(parts) - set(DATE_PARTS)
        or not all(isinstance(v, str) for v in parts.values())
    ):
        raise InputError(_("Enter a date such as 2025-04-01 or 令和7年4月1日."), code="date_format")
    era, year, month, day = (str(parts.get(key, "")).strip() for key in DATE_PARTS)  # all str: checked
    if not (year or month or day):
        return ""
    if (year and WHOLE_DATE.search(year)) or whole_date_in_year(year, month, day):
        # A whole date in the year field (R8.1.15, 2026-01-15, 20260115) — also over the month
        # and day already there (a date pre-filled with the moving day, then typed over).
        return year
    missing = [
        label for value, label in ((year, _("the year")), (month, _("the month")), (day, _("the day"))) if not value
    ]
    if missing:
        raise InputError(
            _("Enter %(parts)s too."), code="date_part", params={"parts": str(_(" and ")).join(str(m) for m in missing)}
        )
    if era and era not in {letter for letter, _name in ERA_CHOICES}:
        raise InputError(_("Choose an era from the list."), code="date_format")
    return f"{era}{year}年{month}月{day}日"


def date_parts(d: date) -> dict[str, str]:
    """A date as the 年 / 月 / 日 fields show it, in its era (令和8年1月15日 → R, 8, 1, 15)."""
    found = era_and_year(d)
    era, year = found if found else (None, d.year)
    return {"era": era.letter if era else "", "year": str(year), "month": str(d.month), "day": str(d.day)}


def typed_date(value: object) -> str:
    """What was typed into a date's fields, to be shown as text (a review page, an error)."""
    if isinstance(value, dict):
        era = dict(ERA_CHOICES).get(str(value.get("era", "")), "")
        year, month, day = (str(value.get(k, "")).strip() for k in ("year", "month", "day"))
        if whole_date_in_year(year, month, day):
            return year
        if not (year or month or day):
            return ""
        return f"{era}{year or '?'}年{month or '?'}月{day or '?'}日"
    return "" if value is None else str(value)
