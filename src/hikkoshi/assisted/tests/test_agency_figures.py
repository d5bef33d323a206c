"""An agency's own figures (the basis of the ASP fees): moves per store and month as a bar chart
(the statistics page's chart code), tables and CSV, for its managers only."""

import csv
from datetime import date, datetime, time, timedelta
import io
import re

from django.utils import timezone
import pytest

from hikkoshi.assisted.models import AgencyMember, AssistedMove, BillingCount, Store
from hikkoshi.moves.models import Move

from .conftest import staff_client

PERIOD = "start=2026-01-01&end=2026-12-31"  # the figures' months, whatever day the tests run
PAGE, CSV = f"/agency/counts/?{PERIOD}", f"/agency/counts.csv?{PERIOD}"


def _counts(world):
    BillingCount.objects.create(agency=world.agency, store=world.store, month="2026-10", count=3)
    BillingCount.objects.create(agency=world.agency, store=world.other_store, month="2026-10", count=4)
    BillingCount.objects.create(agency=world.agency, store=world.store, month="2026-11", count=5)
    BillingCount.objects.create(agency=world.other_agency, store=world.other_agency_store, month="2026-09", count=777)
    BillingCount.objects.create(agency=world.other_agency, store=world.other_agency_store, month="2026-10", count=888)


def test_a_manager_sees_the_agencys_months_as_a_chart_and_tables(world):
    _counts(world)
    page = staff_client(world, world.manager).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('<svg class="chart"')  # the page has icons before the chart
    svg = html[start : html.index("</svg>", start)]
    assert 'role="img"' in svg and 'aria-labelledby="months-heading"' in svg and 'id="months-heading"' in html
    assert re.findall(r"<title>(\d{4}-\d{2}: \d+)</title>", svg) == ["2026-10: 7", "2026-11: 5"]
    assert '<th scope="row">2026-10</th><td class="number">7</td>' in html  # the chart's table
    assert "<script" not in svg


def test_another_agencys_figures_never_appear(world):
    _counts(world)
    manager = staff_client(world, world.manager)
    html = manager.get(PAGE).content.decode()
    exported = manager.get(CSV).content.decode("utf-8-sig")
    for text in (html, exported):
        assert "777" not in text and "888" not in text and "本店" not in text and "ほか不動産" not in text
        assert "2026-09" not in text
    assert "2026-10,テスト不動産,大通店,4" in exported


def test_only_managers_see_the_figures(world, client):
    _counts(world)
    for user in (world.staff, world.other_store_staff, world.other_agency_staff):
        other = staff_client(world, user)
        assert other.get(PAGE).status_code == 403
        assert other.get(CSV).status_code == 403
    operator = staff_client(world, world.operator)
    assert operator.get(PAGE).status_code in (403, 404)
    client.force_login(world.mover)
    assert client.get(PAGE).status_code in (403, 404)
    assert client.get(CSV).status_code in (403, 404)


def _chart(html: str, labelledby: str) -> str:
    start = html.index(f'aria-labelledby="{labelledby}"')
    return html[html.rindex("<svg", 0, start) : html.index("</svg>", start)]


def test_a_manager_sees_each_store_as_a_chart_and_a_table(world):
    _counts(world)
    html = staff_client(world, world.manager).get(PAGE).content.decode()
    assert 'id="stores-heading"' in html
    svg = _chart(html, "stores-heading")
    assert 'class="chart chart-h" role="img"' in svg and "<script" not in svg
    # every month summed per store: 札幌駅前店 3 + 5, 大通店 4
    assert re.findall(r"<title>([^<:]+: \d+)</title>", svg) == ["大通店: 4", "札幌駅前店: 8"]
    table = html[html.index("</svg>", html.index('id="stores-heading"')) :].split("</table>", 1)[0]
    assert re.findall(r'<th scope="row">([^<]+)</th><td>テスト不動産</td><td class="number">(\d+)</td>', table) == [
        ("大通店", "4"),
        ("札幌駅前店", "8"),
    ]


def test_a_manager_never_sees_another_agencys_stores(world):
    _counts(world)
    AgencyMember.objects.filter(user=world.other_agency_staff).update(role=AgencyMember.Role.MANAGER, store=None)
    Store.objects.create(agency=world.other_agency, name="ほか駅前店")  # no move yet: listed with 0, for them only
    # a count filed under this agency with the other agency's store: not this agency's store
    BillingCount.objects.create(agency=world.agency, store=world.other_agency_store, month="2026-11", count=999)
    html = staff_client(world, world.manager).get(PAGE).content.decode()
    stores = html[html.index('id="stores-heading"') :]
    for text in ("本店", "ほか駅前店", "ほか不動産", "999", "777", "888"):
        assert text not in html, text
    assert "大通店" in stores and "札幌駅前店" in stores
    other = staff_client(world, world.other_agency_staff).get(PAGE).content.decode()
    assert re.findall(r"<title>([^<:]+: [\d,]+)</title>", _chart(other, "stores-heading")) == [
        "ほか駅前店: 0",
        "本店: 1,665",  # 777 + 888, and not the 999 filed under the other agency
    ]
    for text in ("大通店", "札幌駅前店", "テスト不動産"):
        assert text not in other, text


# -- the period -------------------------------------------------------------------------------


def _submitted(world, store, *days: str) -> None:
    """Moves of ``store`` submitted at noon (Japan time) of each day."""
    zone = timezone.get_current_timezone()
    for day in days:
        move = Move.objects.create(
            owner=world.staff, submitted_at=datetime.combine(date.fromisoformat(day), time(12), tzinfo=zone)
        )
        AssistedMove.objects.create(move=move, kind="agency", agency=store.agency, store=store, entered_by=world.staff)


def _month_rows(html: str) -> list[tuple[str, str]]:
    table = html[html.index('id="months-heading"') :].split("</table>", 1)[0]
    return re.findall(r'<th scope="row">(\d{4}-\d{2})</th><td class="number">(\d+)</td>', table)


def test_the_period_limits_the_months_and_the_stores(world):
    _counts(world)
    html = staff_client(world, world.manager).get("/agency/counts/?start=2026-06-01&end=2026-10-31").content.decode()
    assert _month_rows(html) == [("2026-10", "7")]  # not 2026-11, after the period
    svg = _chart(html, "months-heading")  # 153 days: by month
    assert re.findall(r"<title>(\d{4}-\d{2}: \d+)</title>", svg) == ["2026-10: 7"]
    assert re.findall(r"<title>([^<:]+: \d+)</title>", _chart(html, "stores-heading")) == ["大通店: 4", "札幌駅前店: 3"]
    assert 'id="days-heading"' not in html
    assert 'value="2026-06-01"' in html and 'value="2026-10-31"' in html  # the form shows the period
    assert "/agency/counts.csv?start=2026-06-01&amp;end=2026-10-31" in html
    # a month overlapping the period counts whole
    html = staff_client(world, world.manager).get("/agency/counts/?start=2026-11-30&end=2027-03-01").content.decode()
    assert _month_rows(html) == [("2026-11", "5")]


def test_a_period_of_92_days_at_most_is_charted_by_day(world):
    _counts(world)
    _submitted(world, world.store, "2026-10-01", "2026-10-01", "2026-12-31", "2026-09-30", "2027-01-01")
    _submitted(world, world.other_store, "2026-11-15")
    _submitted(world, world.other_agency_store, "2026-10-01", "2026-11-15")  # another agency's
    manager = staff_client(world, world.manager)
    html = manager.get("/agency/counts/?start=2026-10-01&end=2026-12-31").content.decode()  # 92 days
    svg = _chart(html, "days-heading")
    bars = re.findall(r"<title>(\d{4}-\d{2}-\d{2}): (\d+)</title>", svg)
    assert len(bars) == 92 and bars[0] == ("2026-10-01", "2") and bars[-1] == ("2026-12-31", "1")
    assert dict(bars)["2026-11-15"] == "1" and sum(int(n) for _d, n in bars) == 4
    assert '<th scope="row">2026-10-01</th><td class="number">2</td>' in html  # the chart's table
    assert '<th scope="col">日</th>' in html and "日ごとの申請件数" in html
    assert _month_rows(html) == [("2026-10", "7"), ("2026-11", "5")]  # the months' table stays, without a chart
    assert html.count("<svg") - html.count('<svg class="icon') >= 2
    # 93 days: by month
    html = manager.get("/agency/counts/?start=2026-09-30&end=2026-12-31").content.decode()
    assert 'id="days-heading"' not in html and "<title>2026-10: 7</title>" in _chart(html, "months-heading")


def test_a_deleted_move_leaves_the_days_and_the_page_says_so(world):
    _counts(world)
    _submitted(world, world.store, "2026-10-01", "2026-10-02")
    manager = staff_client(world, world.manager, HTTP_ACCEPT_LANGUAGE="ja")
    Move.objects.filter(submitted_at__date="2026-10-02").delete()  # the mover deleted it
    html = manager.get("/agency/counts/?start=2026-10-01&end=2026-10-31").content.decode()
    bars = dict(re.findall(r"<title>(\d{4}-\d{2}-\d{2}): (\d+)</title>", _chart(html, "days-heading")))
    assert bars["2026-10-01"] == "1" and bars["2026-10-02"] == "0"
    assert _month_rows(html) == [("2026-10", "7")]  # the month's count (the fees' basis) keeps it
    assert "削除された申請は日ごとの件数から外れ、月ごとの件数には残ります" in html


def test_by_default_the_last_12_months_to_today(world):
    today = timezone.localdate()
    this_month = f"{today:%Y-%m}"
    first = date(today.year - 1, today.month, 1) + timedelta(days=31)  # in the month 11 months back
    too_old = date(today.year - 1, today.month, 1)  # 12 months back
    for month, n in ((this_month, 2), (f"{first:%Y-%m}", 3), (f"{too_old:%Y-%m}", 40)):
        BillingCount.objects.create(agency=world.agency, store=world.store, month=month, count=n)
    html = staff_client(world, world.manager).get("/agency/counts/").content.decode()
    assert _month_rows(html) == [(f"{first:%Y-%m}", "3"), (this_month, "2")]
    assert f'value="{today:%Y-%m-%d}"' not in html  # the form is left empty, the period is said
    assert f"{first:%Y-%m}-01" in html and f"{today:%Y-%m-%d}" in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("start=9999-12-31", "start", "期間の開始日は2000-01-01から2099-12-31までの日付にしてください。"),
        ("end=1999-12-31", "end", "期間の終了日は2000-01-01から2099-12-31までの日付にしてください。"),
        ("start=garbage&end=2026-13-45", "start", "期間の開始日を日付で入力してください（例: 2026-04-01）。"),
        ("start=garbage&end=2026-13-45", "end", "期間の終了日を日付で入力してください（例: 2027-03-31）。"),
        ("start=2026-10-02&end=2026-10-01", "start", "期間の開始日が終了日より後になっています。"),
        ("start=10000-01-01", "start", "期間の開始日を日付で入力してください（例: 2026-04-01）。"),
    ],
)
def test_a_bad_day_is_refused_at_its_field_with_the_values_kept(world, query, field, message):
    _counts(world)
    manager = staff_client(world, world.manager, HTTP_ACCEPT_LANGUAGE="ja")
    page = manager.get(f"/agency/counts/?{query}")
    assert page.status_code == 400
    html = page.content.decode()
    assert f'<p class="error" id="id_{field}_error">{message} </p>' in html
    assert 'class="error-summary"' in html and f'href="#id_{field}"' in html
    for name, value in (pair.split("=") for pair in query.split("&")):
        assert f'name="{name}" value="{value}"' in html
    assert '<svg class="chart' not in html and 'id="stores-heading"' not in html
    exported = manager.get(f"/agency/counts.csv?{query}")
    assert exported.status_code == 400 and message in exported.content.decode()


def test_the_csv_has_bilingual_headers_and_honours_the_period(world):
    _counts(world)
    Store.objects.filter(pk=world.other_store.pk).update(name="=HYPERLINK(1)")
    manager = staff_client(world, world.manager)
    response = manager.get("/agency/counts.csv?start=2026-10-01&end=2026-10-31")
    assert response.status_code == 200
    assert 'filename="hikkoshi-monthly-counts-2026-10-2026-10.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["月 / month", "代理店 / agency", "店舗 / store", "申請件数 / moves submitted"],
        ["2026-10", "テスト不動産", "'=HYPERLINK(1)", "4"],
        ["2026-10", "テスト不動産", "札幌駅前店", "3"],
    ]
    everything = list(csv.reader(io.StringIO(manager.get(CSV).content.decode("utf-8-sig"))))
    assert [row[0] for row in everything[1:]] == ["2026-11", "2026-10", "2026-10"]
