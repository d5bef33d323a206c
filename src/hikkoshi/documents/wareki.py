"""Japanese era dates (和暦) as the paper forms print them: 令和7年4月1日, 昭和60年3月5日.

The eras and their formatting are the catalogue's (``hikkoshi.catalogue.japanese``), so a date
reads the same on a form as where the mover typed it; this module adds what the forms need
besides: the era's one-character abbreviation (to circle 明・大・昭・平・令) and the date with
its Gregorian year beside it.
"""

from datetime import date

from hikkoshi.catalogue.japanese import ERAS, InputError, format_wareki

ERA_ABBREVIATIONS = tuple(era.name[0] for era in ERAS)  # 明 大 昭 平 令


def era_of(d: date) -> tuple[str, str, int] | None:
    """(era, abbreviation, year of the era) of ``d``, or None before Meiji."""
    for era in reversed(ERAS):
        if d >= era.start:
            return era.name, era.name[0], d.year - era.start.year + 1
    return None


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
