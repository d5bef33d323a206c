"""The dashboard's labels: every event named in Japanese and English (one mapping for the page,
its CSV and the evaluation report), axes and dates on the chart, the admin index's link, and
what the region filter filters."""

from datetime import date, timedelta
import random
import re

from django.utils import timezone

from hikkoshi.charts import bar_chart, nice_top, tick_indices
from hikkoshi.stats import labels
from hikkoshi.stats.counting import add_rows
from hikkoshi.stats.models import DailyCount
from hikkoshi.stats.receivers import DELIVERY_EVENTS
from hikkoshi.stats.selectors import TOTALS, breakdown
from hikkoshi.stats.simulate import day_rows


def _every_event() -> set[str]:
    simulated = {event for event, _dims, _n in day_rows(date(2026, 4, 1), random.Random(1), wards=["01101"])}
    counted = {*DELIVERY_EVENTS.values(), "handoff_failed", "stats_dropped", "visit", "document_printed"}
    return simulated | counted | {event for event, _dims in TOTALS.values()}


def test_every_event_and_figure_has_a_japanese_and_english_label():
    for event in _every_event():
        label = labels.event_label(event)
        assert label != event, event
        japanese, english = label.split(" / ", 1)
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", japanese) and english.isascii(), label
    for name in TOTALS:
        assert labels.figure_label(name) != name
    assert labels.event_label("not_an_event") == "not_an_event"  # shown as it is


def test_values_of_the_dimensions_are_labelled():
    assert labels.value_label("entered_by", "agency") == "不動産会社の店舗 / an agency's store"
    assert labels.value_label("kind", "move_in+move_out") == "転入・転出 / moving in + moving out"
    assert labels.value_label("source", "partner:kansai") == "連携ポータル kansai / partner portal kansai"
    assert labels.value_label("reason", "") == "なし / none"
    assert labels.value_label("reason", "timeout") == "timeout"


def test_breakdown_by_a_dimension(db):
    day = date(2026, 5, 1)
    add_rows(DailyCount, [({"day": day}, "delivered", {"channel": "web"}, 4)], simulated=False)
    add_rows(DailyCount, [({"day": day}, "delivered", {"channel": "web"}, 2)], simulated=True)
    add_rows(DailyCount, [({"day": day}, "delivered", {"channel": "fax"}, 9)], simulated=False)
    add_rows(DailyCount, [({"day": day + timedelta(days=1)}, "delivered", {"channel": "fax"}, 1)], simulated=False)
    assert breakdown("delivered", "channel", day, day) == [("fax", 9, 0), ("web", 6, 2)]
    assert breakdown("delivered", "channel", day, day, include_simulated=False) == [("fax", 9, 0), ("web", 4, 0)]


def test_the_dashboard_shows_labels_not_codes(admin_client):
    today = timezone.localdate()
    add_rows(DailyCount, [({"day": today}, "signin_failed", {}, 3)], simulated=False)
    html = admin_client.get("/admin/stats/", {"event": "signin_failed"}).content.decode()
    assert '<option value="signin_failed" selected>サインインの失敗 / sign-in failures</option>' in html
    assert '<h2 id="chart-title">サインインの失敗 / sign-in failures:' in html
    assert '<th scope="row">サインインの失敗 / sign-in failures</th><td>3</td>' in html  # the totals
    assert '<th scope="row">signin_failures</th>' not in html
    assert '<th scope="row">申請（コールセンターが代行入力） / moves submitted by a call centre</th>' in html


def test_the_chart_has_named_axes_and_date_ticks(admin_client):
    today = timezone.localdate()
    start = today - timedelta(days=29)
    add_rows(DailyCount, [({"day": today}, "visit", {}, 430)], simulated=False)
    html = admin_client.get("/admin/stats/", {"event": "visit"}).content.decode()
    svg = html[html.index('<svg class="chart"') : html.index("</svg>")]
    texts = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
    assert f"{start:%Y-%m-%d}" in texts  # the first day under its bar
    dates = [t for t in texts if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t)]
    assert 2 <= len(dates) <= 6  # a few dates, not 30 on top of each other
    assert ["0", "125", "250", "375", "500"] == [t for t in texts if re.fullmatch(r"[\d,]+", t)]
    assert "日" in texts and "件数" in texts  # the axes' names (day, count)
    assert svg.count("<rect") == 30


def test_chart_scale_and_ticks():
    assert nice_top(0) == 4 and nice_top(7) == 8 and nice_top(430) == 500 and nice_top(1000) == 1000
    assert all(nice_top(n) >= n and nice_top(n) % 4 == 0 for n in range(1, 3000, 7))
    assert tick_indices(30) == [0, 5, 10, 15, 20, 25] and tick_indices(3) == [0, 1, 2] and tick_indices(0) == []
    svg = str(bar_chart([("2026-01", 2), ("2026-02", 5)], labelledby="h", title="t"))
    assert svg.count("<rect") == 2 and "2026-01</text>" in svg and "2026-02</text>" in svg
    assert "rotate(-90)" not in svg  # no axis name asked for, none drawn
    named = str(bar_chart([("a", 1)], labelledby="h", title="t", x_label="月 / month", y_label="件数 / count"))
    assert "月 / month</text>" in named and "rotate(-90)" in named and "件数 / count</text>" in named


def test_the_admin_index_links_to_the_dashboard(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert '<a href="/admin/stats/">利用統計ダッシュボード' in html
    assert 'id="content-main"' in html and "app-list" in html  # the app list is still there


def test_the_region_filter_says_what_it_filters(admin_client):
    today = timezone.localdate()
    add_rows(DailyCount, [({"day": today}, "visit", {}, 7)], simulated=False)
    html = admin_client.get("/admin/stats/", {"event": "visit", "region": "13"}).content.decode()
    assert "絞り込まれるのは場所付きで数えた事象" in html  # always, under the filter
    assert "この事象は 13 の場所付きでは数えられていません" in html  # and why the chart is empty
    everywhere = admin_client.get("/admin/stats/", {"event": "visit"}).content.decode()
    assert "の場所付きでは数えられていません" not in everywhere
