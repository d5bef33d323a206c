"""When a period ends, counted as the law counts it (期間の満了日).

民法 Art. 142: when the last day of a period falls on a Sunday, a national holiday (国民の祝日に
関する法律 に規定する休日) or another day on which people customarily do not work, the period ends
on the next day. For city and ward offices those days are the office's 閉庁日 — Saturdays,
Sundays, national holidays and 12/29–1/3 (年末年始; the days a municipality closes are set by
its own 条例 under 地方自治法 Art. 4-2, and 12/29–1/3 is the common rule); a deadline at such an
office moves to its next open day. The national holidays come from the maintained ``holidays``
library (Japan's calendar, substitute holidays 振替休日 included), never a hand-kept list.
"""

from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays


@cache
def _japan(year: int) -> "holidays.HolidayBase":
    # Imported here, where a deadline is counted: the library takes ~10 MB that a web worker
    # which never counts one (a search, a page) should not carry (issue 16's memory bar).
    import holidays

    return holidays.country_holidays("JP", years=year)


def is_public_holiday(day: date) -> bool:
    """A national holiday of Japan (祝日・振替休日・国民の休日)."""
    return day in _japan(day.year)


def is_year_end_closure(day: date) -> bool:
    """12/29 to 1/3: the 年末年始 on which city offices are closed."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_closed(day: date) -> bool:
    """A day a city office does not open: Saturday, Sunday, a national holiday or 12/29–1/3."""
    return day.weekday() >= 5 or is_public_holiday(day) or is_year_end_closure(day)


def next_open_day(day: date) -> date:
    """``day`` itself if the office is open then, else the next day it is (民法 Art. 142)."""
    while is_closed(day):
        day += timedelta(days=1)
    return day
