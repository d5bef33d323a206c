"""お知らせ and the notification settings in a real browser with axe-core."""

from django.conf import settings
from django.test import Client
import pytest

from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.moves.tests.test_browser import Checker, browser_page  # noqa: F401
from hikkoshi.notifications.models import Preference

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_inbox_and_settings_in_a_browser_with_axe(sapporo, mover, live_server, browser_page):
    page, url = browser_page, live_server.url
    axe = Checker(page)
    move = move_submit(owner=mover, payload=sapporo_relocation())
    move.refresh_from_db()
    client = Client()
    client.force_login(mover)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "url": url,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            }
        ]
    )
    page.goto(f"{url}/accounts/")
    with page.expect_navigation():
        page.click("text=お知らせを見る")
    axe("the inbox")
    assert f"申請番号 {move.number}" in page.inner_text("main h2")
    assert "未読 1 件" in page.inner_text("main")
    with page.expect_navigation():
        page.click("main form button")
    assert "未読 0 件" in page.inner_text("main")

    page.goto(f"{url}/notifications/settings/")
    axe("the settings")
    page.fill("#id_lead_days", "40")
    with page.expect_navigation():
        page.click("main form .actions button")
    assert "1 から 14 まで" in page.inner_text("main .field.invalid")
    assert page.title().startswith("エラー")
    axe("the settings with an error")
    page.fill("#id_lead_days", "5")
    page.uncheck("#id_summary")
    with page.expect_navigation():
        page.click("main form .actions button")
    assert "保存しました" in page.inner_text("main")
    preference = Preference.objects.get(user=mover)
    assert preference.lead_days == 5 and not preference.summary and preference.confirmation
