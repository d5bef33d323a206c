"""An agency's own figures (the basis of the ASP fees): moves per store and month as a bar chart
(the statistics page's chart code), tables and CSV, for its managers only."""

import re

from hikkoshi.assisted.models import BillingCount

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
