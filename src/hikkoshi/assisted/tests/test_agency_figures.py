"""An agency's own figures (the basis of the ASP fees): moves per store and month as a bar chart
(the statistics page's chart code), tables and CSV, for its managers only."""

import re

from hikkoshi.assisted.models import AgencyMember, BillingCount, Store

from .conftest import staff_client


def _counts(world):
    BillingCount.objects.create(agency=world.agency, store=world.store, month="2026-10", count=3)
    BillingCount.objects.create(agency=world.agency, store=world.other_store, month="2026-10", count=4)
    BillingCount.objects.create(agency=world.agency, store=world.store, month="2026-11", count=5)
    BillingCount.objects.create(agency=world.other_agency, store=world.other_agency_store, month="2026-09", count=777)
    BillingCount.objects.create(agency=world.other_agency, store=world.other_agency_store, month="2026-10", count=888)


def test_a_manager_sees_the_agencys_months_as_a_chart_and_tables(world):
    _counts(world)
    page = staff_client(world, world.manager).get("/agency/counts/")
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
    html = manager.get("/agency/counts/").content.decode()
    csv = manager.get("/agency/counts.csv").content.decode("utf-8-sig")
    for text in (html, csv):
        assert "777" not in text and "888" not in text and "本店" not in text and "ほか不動産" not in text
        assert "2026-09" not in text
    assert "2026-10,テスト不動産,大通店,4" in csv


def test_only_managers_see_the_figures(world, client):
    _counts(world)
    for user in (world.staff, world.other_store_staff, world.other_agency_staff):
        other = staff_client(world, user)
        assert other.get("/agency/counts/").status_code == 403
        assert other.get("/agency/counts.csv").status_code == 403
    operator = staff_client(world, world.operator)
    assert operator.get("/agency/counts/").status_code in (403, 404)
    client.force_login(world.mover)
    assert client.get("/agency/counts/").status_code in (403, 404)
    assert client.get("/agency/counts.csv").status_code in (403, 404)


def _chart(html: str, labelledby: str) -> str:
    start = html.index(f'aria-labelledby="{labelledby}"')
    return html[html.rindex("<svg", 0, start) : html.index("</svg>", start)]


def test_a_manager_sees_each_store_as_a_chart_and_a_table(world):
    _counts(world)
    html = staff_client(world, world.manager).get("/agency/counts/").content.decode()
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
    html = staff_client(world, world.manager).get("/agency/counts/").content.decode()
    stores = html[html.index('id="stores-heading"') :]
    for text in ("本店", "ほか駅前店", "ほか不動産", "999", "777", "888"):
        assert text not in html, text
    assert "大通店" in stores and "札幌駅前店" in stores
    other = staff_client(world, world.other_agency_staff).get("/agency/counts/").content.decode()
    assert re.findall(r"<title>([^<:]+: [\d,]+)</title>", _chart(other, "stores-heading")) == [
        "ほか駅前店: 0",
        "本店: 1,665",  # 777 + 888, and not the 999 filed under the other agency
    ]
    for text in ("大通店", "札幌駅前店", "テスト不動産"):
        assert text not in other, text
