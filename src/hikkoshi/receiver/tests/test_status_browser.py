"""The receiver's application page with its status form (処理状況), in a real browser with
axe-core: empty, with an error (the message a 不備あり needs), and with a status sent."""

import json

import httpx
import pytest

from hikkoshi import httpsig
from hikkoshi.moves.tests.test_browser import AXE, CHROMIUM, LAUNCH_ARGS, Checker, sync_api
from hikkoshi.receiver.testing import ReceiverProcess, StandIn
from hikkoshi.tests import signing

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PORTAL = httpsig.generate_key()
PORTAL_KID = httpsig.key_id_for(PORTAL.public_key())


def test_the_status_form_with_axe(tmp_path):
    assert CHROMIUM.exists() and AXE.exists()  # else test_browser skipped this module on import
    keys = json.dumps(httpsig.make_jwks([(PORTAL.public_key(), PORTAL_KID)])).encode()

    def portal(request):
        if request.method == "GET":
            return 200, {"Content-Type": "application/json"}, keys
        return 201, {"Content-Type": "application/json"}, b'{"recorded": true}'

    with (
        StandIn(portal) as site,
        ReceiverProcess(
            tmp_path, ["sapporo-water"], portal_keys_url=site.url("/.well-known/hikkoshi-keys.json"), workers=1
        ) as receiver,
    ):
        url = receiver.endpoint("sapporo-water")
        body = json.dumps({"format": "hikkoshi.application/1", "procedure": {"name": "水道の使用開始"}}).encode()
        headers = signing.sign_request(
            method="POST", url=url, body=body, idempotency_key="a-1", private_key=PORTAL, key_id=PORTAL_KID
        )
        reference = httpx.post(url, content=body, headers=headers, timeout=10).json()["reference"]
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            try:
                page = browser.new_page(locale="ja-JP")
                axe = Checker(page)
                page.goto(receiver.url(f"/sapporo-water/applications/{reference}"))
                axe("the application page with its status form")
                page.select_option("#id_status", "action_needed")
                page.click("button:has-text('処理状況を設定する')")
                page.wait_for_selector("#status-error")
                # The message is missing: its error is shown at the message's field, after its hint.
                assert page.get_attribute("#id_message", "aria-describedby") == "message-help status-error"
                axe("the status form with an error")
                page.fill("#id_message", "印鑑が必要です。")
                page.click("button:has-text('処理状況を設定する')")
                page.wait_for_selector(".status-updates")
                assert "印鑑が必要です。" in page.inner_text(".status-updates")
                axe("the page with a status set")
            finally:
                browser.close()
