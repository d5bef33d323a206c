import csv
from datetime import timedelta
import io

from django.test import Client
from django.utils import timezone

from hikkoshi.accounts.tests.conftest import make_user, sign_in
from hikkoshi.stats.counting import add_rows
from hikkoshi.stats.labels import CSV_HEADERS
from hikkoshi.stats.models import DailyCount


def _rows():
    today = timezone.localdate()
    add_rows(DailyCount, [({"day": today}, "visit", {"kind": "portal:home"}, 7)], simulated=False)
    add_rows(DailyCount, [({"day": today - timedelta(days=1)}, "visit", {}, 5)], simulated=True)
    return today


def test_staff_see_the_chart_its_table_and_the_totals(admin_client):
    today = _rows()
    page = admin_client.get("/admin/stats/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'role="img"' in html and html.count("<rect") == 30
    assert f'<th scope="row">{today:%Y-%m-%d}</th><td>7</td>' in html
    assert "実測値ではありません" in html  # simulated figures are said to be simulated
    only_measured = admin_client.get("/admin/stats/", {"event": "visit"}).content.decode()  # box unticked
    assert "実測値ではありません" not in only_measured


def test_csv_export(admin_client):
    today = _rows()
    answer = admin_client.get("/admin/stats/export.csv", {"event": "visit", "simulated": "on"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0] == CSV_HEADERS and rows[0][0] == "日付 / date"
    assert rows[-1] == [today.isoformat(), "ページ閲覧 / page views", "visit", "", "7", "0"]
    assert rows[-2] == [(today - timedelta(days=1)).isoformat(), "ページ閲覧 / page views", "visit", "", "5", "5"]
    assert len(rows) == 31


def test_a_bad_period_is_refused_with_the_field_named(admin_client):
    page = admin_client.get("/admin/stats/", {"event": "visit", "start": "2026-05-01", "end": "2026-04-01"})
    assert page.status_code == 400


def test_movers_do_not_see_it(db, django_user_model):
    make_user(django_user_model, "mover@example.jp")
    client = Client()
    sign_in(client, "mover@example.jp")
    assert client.get("/admin/stats/").status_code == 302
    assert client.get("/admin/stats/export.csv").status_code == 302


def test_days_at_the_ends_of_the_calendar_are_refused_not_a_server_error(admin_client):
    for query in (
        {"end": "0001-01-01"},
        {"end": "9999-12-31"},
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"start": "0001-01-01"},
    ):
        for url in ("/admin/stats/", "/admin/stats/export.csv"):
            answer = admin_client.get(url, {"event": "visit", **query})
            assert answer.status_code == 400, (url, query)
    page = admin_client.get("/admin/stats/", {"event": "visit", "end": "9999-12-31"}).content.decode()
    assert "2000-01-01 から 2099-12-31 まで" in page  # the error says which days, in Japanese


def test_a_region_typed_in_full_width_digits_is_the_same_code(admin_client):
    from hikkoshi.stats.views import PeriodForm

    form = PeriodForm({"event": "visit", "region": "０１"})
    assert form.is_valid() and form.cleaned_data["region"] == "01"
    assert not PeriodForm({"event": "visit", "region": "札幌"}).is_valid()
    assert not PeriodForm({"event": "visit", "region": "011"}).is_valid()  # neither a prefecture nor a city


def test_the_chart_shrinks_to_a_phone_by_a_stylesheet(admin_client):
    html = admin_client.get("/admin/stats/").content.decode()
    assert '<svg class="chart"' in html and "stats/charts.css" in html
    assert 'style="' not in html.split("<svg", 1)[1].split(">", 1)[0]  # CSP: no inline style
