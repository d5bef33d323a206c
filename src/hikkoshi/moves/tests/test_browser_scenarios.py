"""Tokyo → Sapporo (転入) and Sapporo → Osaka (転出) in a real browser: the procedures step, the
review page and the result, as the mover sees them (axe-core on each)."""

from datetime import timedelta
import os

from django.db import connections
from django.test import Client
from django.utils import timezone
import pytest

from .test_browser import Checker, browser_page, sync_api  # noqa: F401  (the fixture; skips without a browser)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = os.environ.get("HIKKOSHI_SCREENSHOTS")  # a folder: keep what the browser showed, to look at


def _signed_in(page, live_server, django_user_model):
    user = django_user_model.objects.create_user("scenario@example.jp", "scenario@example.jp", "pw-for-tests")
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _continue(page):
    with page.expect_navigation():
        page.click("form.wizard .actions button:not([name])")


def _move(page, live_server, old, new, name):
    axe = Checker(page)
    day = timezone.localdate() + timedelta(days=20)
    page.goto(live_server.url + "/moves/")
    with page.expect_navigation():
        page.click("form.start button")
    page.fill("#id_from-postcode", old[0])
    page.fill("#id_from-address", old[1])
    page.fill("#id_to-postcode", new[0])
    page.fill("#id_to-address", new[1])
    page.fill("#id_move-move_date", day.isoformat())
    _continue(page)
    page.wait_for_url("**/procedures/")
    axe(f"{name}: procedures")
    _shot(page, f"{name}-procedures")
    procedures = page.inner_text("main")
    _continue(page)
    page.fill("#id_applicant-name", "札幌 太郎")
    page.fill("#id_applicant-name_kana", "さっぽろ たろう")
    page.fill("#id_applicant-birth_date", "1985-05-05")
    page.fill("#id_applicant-phone", "090-1234-5678")
    _continue(page)
    page.wait_for_url("**/details/")
    for date_input in page.locator("input[name$='_date']").all():
        date_input.fill(day.isoformat())
    _continue(page)
    page.wait_for_url("**/review/")
    axe(f"{name}: review")
    _shot(page, f"{name}-review")
    review = page.inner_text("main")
    page.check("#id_consent")
    with page.expect_navigation():
        page.click("form.submit button")
    axe(f"{name}: result")
    _shot(page, f"{name}-result")
    return procedures, review, page.inner_text("main")


@pytest.mark.django_db(transaction=True)
def test_tokyo_to_sapporo_in_the_browser(browser_page, live_server, sapporo, django_user_model):
    page = browser_page
    try:
        _signed_in(page, live_server, django_user_model)
        procedures, review, result = _move(
            page,
            live_server,
            ("100-0001", "東京都千代田区千代田1-1"),
            ("060-0042", "札幌市中央区大通西3丁目"),
            "tokyo-sapporo",
        )
    finally:
        connections.close_all()
    for text in (procedures, review, result):
        assert "東京都水道局" in text and "東京ガス" in text and "東京電力エナジーパートナー" in text
    assert "ここで申し込む" in procedures and "手配済み" in procedures and "閉栓" not in procedures
    assert "札幌市中央区役所" in result and "本庁舎" not in result


@pytest.mark.django_db(transaction=True)
def test_sapporo_to_osaka_in_the_browser(browser_page, live_server, sapporo, django_user_model):
    page = browser_page
    try:
        _signed_in(page, live_server, django_user_model)
        procedures, review, result = _move(
            page,
            live_server,
            ("060-0042", "札幌市中央区大通西3丁目"),
            ("530-0001", "大阪府大阪市北区梅田1丁目1"),
            "sapporo-osaka",
        )
    finally:
        connections.close_all()
    assert "都市ガスの閉栓（旧住所）" in procedures and "開栓" not in procedures.replace("開栓の立会い", "")
    for text in (procedures, review, result):
        assert "マイナポータル" in text and "大阪ガス" in text
    assert "札幌市中央区役所" in result and "本庁舎" not in result
