import csv
from datetime import timedelta
import io

from django.test import Client
from django.utils import timezone

from hikkoshi.accounts.tests.conftest import make_user, sign_in
from hikkoshi.stats.counting import add_rows
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
    assert rows[0] == ["day", "event", "region", "count", "of which simulated"]
    assert rows[-1] == [today.isoformat(), "visit", "", "7", "0"]
    assert rows[-2] == [(today - timedelta(days=1)).isoformat(), "visit", "", "5", "5"]
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
