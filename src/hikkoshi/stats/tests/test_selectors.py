from datetime import date, timedelta

from django.utils import timezone

from hikkoshi.stats.counting import add_rows
from hikkoshi.stats.models import DailyCount
from hikkoshi.stats.selectors import TOTALS, daily_series, period_totals

DAY = date(2026, 4, 1)


def _add(day, event, n, simulated=False, **dims):
    add_rows(DailyCount, [({"day": day}, event, dims, n)], simulated=simulated)


def test_period_totals_by_key_region_and_simulated(db):
    _add(DAY, "visit", 100)
    _add(DAY, "search", 7, region="01101", source="local")
    _add(DAY, "search", 5, region="13101", source="partner")
    _add(DAY, "move_submitted", 3, entered_by="mover", region="01102")
    _add(DAY, "move_submitted", 2, entered_by="agency", store="4", region="01101")
    _add(DAY, "move_submitted", 1, entered_by="callcentre", region="01101")
    _add(DAY, "delivered", 6, channel="web", organisation="sapporo-water")
    _add(DAY, "delivered", 2, channel="fax", organisation="hokkaido-gas")
    _add(DAY, "fax_pages", 5, organisation="hokkaido-gas")
    _add(DAY + timedelta(days=1), "visit", 50, simulated=True)
    _add(DAY + timedelta(days=40), "visit", 1000)  # outside the period

    totals = period_totals(DAY, DAY + timedelta(days=30))
    assert set(TOTALS) <= set(totals)
    assert totals["visits"] == 150
    assert totals["searches"] == 12
    assert (totals["moves_submitted"], totals["moves_by_mover"], totals["moves_by_agency"]) == (6, 3, 2)
    assert totals["moves_by_callcentre"] == 1
    assert (totals["procedures_delivered"], totals["delivered_web"], totals["delivered_fax"]) == (8, 6, 2)
    assert totals["delivered_email"] == totals["delivered_window"] == totals["lockouts"] == 0
    assert totals["fax_pages"] == 5

    assert period_totals(DAY, DAY + timedelta(days=30), include_simulated=False)["visits"] == 100
    sapporo = period_totals(DAY, DAY + timedelta(days=30), region="011")
    assert (sapporo["searches"], sapporo["moves_submitted"], sapporo["visits"]) == (7, 6, 0)
    assert period_totals(DAY, DAY, region="01")["moves_by_agency"] == 2


def test_daily_series_has_every_day(db):
    _add(DAY, "delivered", 6, channel="web")
    _add(DAY, "delivered", 2, channel="fax")
    _add(DAY + timedelta(days=2), "delivered", 1, channel="fax")
    assert daily_series("delivered", DAY, DAY + timedelta(days=2)) == [
        (DAY, 8),
        (DAY + timedelta(days=1), 0),
        (DAY + timedelta(days=2), 1),
    ]
    assert daily_series("delivered", DAY, DAY + timedelta(days=2), channel="fax") == [
        (DAY, 2),
        (DAY + timedelta(days=1), 0),
        (DAY + timedelta(days=2), 1),
    ]


def test_daily_series_refuses_what_is_no_dimension(db):
    import pytest

    with pytest.raises(ValueError, match="applicant"):
        daily_series("visit", DAY, DAY, applicant="x")


def test_simulate_fills_the_period_marked_simulated_and_only_once(db):
    from io import StringIO

    from django.core.management import call_command

    DailyCount.objects.create(day=DAY, event="visit", key="", count=4)  # measured: never touched
    call_command("stats", "simulate", "--days", "90", stdout=StringIO())
    rows = DailyCount.objects.filter(simulated=True)
    assert rows.values("day").distinct().count() == 90
    totals = period_totals(timezone.localdate() - timedelta(days=89), timezone.localdate())
    assert totals["visits"] > 90 * 100 and 0 < totals["moves_submitted"] < totals["moves_started"]
    assert totals["moves_by_agency"] > 0 and totals["delivered_fax"] > 0 and totals["fax_pages"] > 0
    assert totals["moves_submitted"] == sum(
        totals[k] for k in ("moves_by_mover", "moves_by_callcentre", "moves_by_agency")
    )
    before = rows.count()
    out = StringIO()
    call_command("stats_simulate", "--days", "90", "--if-empty", stdout=out)
    assert "nothing done" in out.getvalue() and rows.count() == before
    call_command("stats", "simulate", "--days", "90", stdout=StringIO())  # again: replaced, not added
    assert rows.count() == before
    assert DailyCount.objects.get(simulated=False).count == 4
