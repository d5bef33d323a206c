"""Japanese eras (元号) and dates in them (和暦): 令和7年4月1日, 昭和60年3月5日.

One table of the eras (``ERAS``) for every date typed (``hikkoshi.japanese.dates``), shown and
printed on the forms, so a date reads the same wherever it appears: ``format_wareki`` (strict)
and ``wareki`` (the Gregorian date before 明治), the era's one-character abbreviation (to circle
明・大・昭・平・令 on a form) and the date with its Gregorian year beside it (``both``).
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from .errors import InputError


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R, as in R7.4.1
    start: date
    end: date | None  # last day; None while it goes on
    english: str = ""  # Reiwa

    @property
    def abbreviation(self) -> str:
        """The one character forms circle and people write (令7.4.1): 明 大 昭 平 令."""
        return self.name[0]


# Start dates as in the Unicode CLDR calendar data that ICU ships (supplementalData.xml,
# <calendar type="japanese">: 1868-9-8, 1912-7-30, 1926-12-25, 1989-1-8, 2019-5-1), read as
# proleptic Gregorian dates. Caveat for 明治: 9月8日 is the day of the proclamation in the
# lunisolar calendar Japan used until 明治5年 (its Gregorian date is 1868-10-23, which newer
# CLDR releases use after CLDR ticket 11400, see also ICU4X issue 4892; the era was also applied
# back to the first day of that lunisolar year). Dates in 明治1–5年 (until 1872) are therefore
# read as if Japan had used the Gregorian calendar, as ICU did; changing the start to 10-23 is
# this one line (and FIRST_DATE follows it).
ERAS = (
    Era("明治", "M", date(1868, 9, 8), date(1912, 7, 29), "Meiji"),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24), "Taisho"),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7), "Showa"),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30), "Heisei"),
    Era("令和", "R", date(2019, 5, 1), None, "Reiwa"),
)
FIRST_DATE = ERAS[0].start
ERA_ABBREVIATIONS = tuple(era.abbreviation for era in ERAS)  # 明 大 昭 平 令

# What may stand for an era in a typed date: 令和, 令, R, r.
ERA_BY_TOKEN: dict[str, Era] = {}
for _era in ERAS:
    ERA_BY_TOKEN[_era.name] = _era
    ERA_BY_TOKEN[_era.abbreviation] = _era  # 令7.4.1, 平31.4.30
    ERA_BY_TOKEN[_era.letter] = _era
    ERA_BY_TOKEN[_era.letter.lower()] = _era
del _era


def era_and_year(d: date) -> tuple[Era, int] | None:
    """The era of ``d`` and the year of that era (1 for 元年); None before 明治 began.
    A datetime counts by its date."""
    day = date(d.year, d.month, d.day)
    for era in reversed(ERAS):
        if era.start <= day:
            return era, day.year - era.start.year + 1
    return None


def format_wareki(d: date) -> str:
    """``date(2025, 4, 1)`` → ``令和7年4月1日``; the first year of an era is 元年 (令和元年5月1日).

    Raises ``InputError`` for a date before 明治 began (1868-09-08), which has no era here.
    Dates after 2100 are formatted (令和83年…) although ``parse_date`` refuses them.
    """
    found = era_and_year(d)
    if found is None:
        raise InputError(
            _("Dates before %(first)s have no era here."), code="date_range", params={"first": FIRST_DATE.isoformat()}
        )
    era, year = found
    return f"{era.name}{'元' if year == 1 else year}年{d.month}月{d.day}日"


def era_of(d: date) -> tuple[str, str, int] | None:
    """(era, abbreviation, year of the era) of ``d``, or None before Meiji."""
    found = era_and_year(d)
    if found is None:
        return None
    era, year = found
    return era.name, era.abbreviation, year


def wareki(d: date) -> str:
    """``令和7年4月1日``; the first year of an era is 元年 (``令和元年5月1日``); the Gregorian
    date for a day before Meiji."""
    try:
        return format_wareki(d)
    except InputError:
        return seireki(d)


def seireki(d: date) -> str:
    """``2025年4月1日``."""
    return f"{d.year}年{d.month}月{d.day}日"


def both(d: date | None) -> str:
    """``令和7年4月1日 (2025年)``: the era date with its Gregorian year; "" for None."""
    if d is None:
        return ""
    return f"{wareki(d)} ({d.year}年)" if era_of(d) else seireki(d)
