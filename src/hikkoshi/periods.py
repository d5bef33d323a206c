"""The days a period of counts may name (統計の期間): the statistics' dashboard and report and an
agency's counts accept a day from 2000-01-01 to 2099-12-31 — one definition for all of them."""

from datetime import date

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def within(day: date) -> bool:
    """Whether ``day`` may start or end a period."""
    return FIRST_DAY <= day <= LAST_DAY
