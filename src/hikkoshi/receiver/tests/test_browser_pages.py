"""The receiver's staff pages in a real browser, as the portal's are checked: the sign-in and its
code, the organisations, the list, an application with its status form (empty, with an error, with
statuses set, processed), at 1280 px, 375 px, 200 % text size and 320 px — nothing scrolls
sideways, axe-core (WCAG 2.2 A/AA) finds nothing — with the design system's header, buttons,
badges and fields, 44 px touch targets and a visible focus (issue 12).

Uses Debian's chromium and axe-core from ``npm ci`` (as the portal's browser tests).
``HIKKOSHI_SCREENSHOTS=DIR`` saves PNGs of the pages at 1280 px and 375 px there.
"""

import json
import os
from pathlib import Path

import httpx
import pytest

from hikkoshi import httpsig
from hikkoshi.moves.tests.test_browser import AXE, CHROMIUM, LAUNCH_ARGS, Checker, sync_api
from hikkoshi.portal.tests.test_browser_layout import (
    MODES,
    assert_focus_ring_on_every_kind_of_control,
    assert_select_text_shown_whole,
)
from hikkoshi.receiver import totp
from hikkoshi.receiver.testing import ReceiverProcess, StandIn
from hikkoshi.tests import signing

from .test_receiver import APPLICATION, PORTAL, PORTAL_KID, create_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "sapporo-water"
# Every control and every link that stands alone (not in a sentence): 44 px high at least.
TARGETS = (
    "button, select, input:not([type=hidden]), textarea, .brand a, a.target, table.data a, nav.pages a, header.site a"
)


class Pages:
    """Checks the page shown in every mode; counts what it checked."""

    def __init__(self, page, shots: Path | None):
        self.page, self.shots = page, shots
        self.axe = Checker(page)
        self.seen: list[str] = []

    def __call__(self, what: str, shot: str = "") -> None:
        page = self.page
        for mode, viewport, text_size in MODES:
            page.set_viewport_size(viewport)
            page.evaluate("size => document.documentElement.style.fontSize = size || ''", text_size)
            if shot and self.shots and mode in ("1280", "375"):
                page.screenshot(path=str(self.shots / f"receiver-{shot}-{mode}.png"), full_page=True)
            wide, room = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert wide <= room, f"{what} at {mode}: scrolls sideways ({wide} > {room} px)"
            if mode == "375":
                small = page.evaluate(
                    "sel => [...document.querySelectorAll(sel)].filter(el => el.offsetParent !== null)"
                    ".map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])"
                    ".filter(([, h]) => h < 44)",
                    TARGETS,
                )
                assert small == [], f"{what} at 375 px: touch targets under 44 px: {small}"
            if mode != "320":
                self.axe(f"{what} at {mode}")
        page.evaluate("() => document.documentElement.style.fontSize = ''")
        page.set_viewport_size(MODES[0][1])
        self.seen.append(what)


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _received(receiver) -> str:
    url = receiver.endpoint(SLUG)
    body = json.dumps(APPLICATION, ensure_ascii=False).encode()
    headers = signing.sign_request(
        method="POST", url=url, body=body, idempotency_key="pages-1", private_key=PORTAL, key_id=PORTAL_KID
    )
    response = httpx.post(url, content=body, headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def test_the_staff_pages_look_like_the_portal_and_pass_axe(tmp_path):
    assert CHROMIUM.exists() and AXE.exists()  # else test_browser skipped this module on import
    shots = Path(os.environ["HIKKOSHI_SCREENSHOTS"]) if os.environ.get("HIKKOSHI_SCREENSHOTS") else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    keys = json.dumps(httpsig.make_jwks([(PORTAL.public_key(), PORTAL_KID)])).encode()

    def portal(request):
        if request.method == "GET":
            return 200, {"Content-Type": "application/json"}, keys
        return 201, {"Content-Type": "application/json"}, b'{"recorded": true}'

    with (
        StandIn(portal) as site,
        ReceiverProcess(
            tmp_path,
            [SLUG],
            portal_keys_url=site.url("/.well-known/hikkoshi-keys.json"),
            open_staff_pages=False,
            workers=1,
        ) as receiver,
    ):
        reference = _received(receiver)
        password, secret = create_staff(receiver, "clerk-pages", SLUG)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            try:
                page = browser.new_page(locale="ja-JP")
                check = Pages(page, shots)
                page.goto(receiver.url("/accounts/login/"))
                # The design system's tokens reached the page: DADS's key colour on the header's top.
                assert page.evaluate("getComputedStyle(document.querySelector('header.site')).borderTopColor") == (
                    "rgb(0, 23, 193)"
                )
                assert page.inner_text(".brand a") == "hikkoshi 申請受信システム"
                check("the sign-in page", shot="login")
                assert_focus_ring_on_every_kind_of_control(page, tabs=20)
                page.fill("#id_username", "clerk-pages")
                page.fill("#id_password", "not the password")
                _submit(page, "form.fields button")
                assert page.locator(".banner-error #sign-in-error").count() == 1
                check("the sign-in page with an error")
                page.fill("#id_username", "clerk-pages")
                page.fill("#id_password", password)
                _submit(page, "form.fields button")
                page.fill("#id_code", "000000" if totp.code_at(secret) != "000000" else "111111")
                _submit(page, "form.fields button")
                _assert_label_hint_error_control(page, "#id_code", hint=False)
                check("the code page with an error", shot="code")
                page.fill("#id_code", totp.code_at(secret))
                _submit(page, "form.fields button")

                assert "clerk-pages" in page.inner_text("header.site .who")
                check("the organisations", shot="home")
                page.goto(receiver.url(f"/{SLUG}/"))
                check("the list of applications", shot="list")
                page.goto(receiver.url(f"/{SLUG}/applications/{reference}"))
                assert page.inner_text(".state .badge") == "未処理"
                # The status "Received" is 受付済み; the table's "Received" (its time) 受信日時.
                assert page.locator('#id_status option[value="received"]').inner_text() == "受付済み"
                assert "受信日時" in page.inner_text("table")
                check("an application", shot="detail")
                page.select_option("#id_status", "action_needed")
                _submit(page, "form.fields button")
                _assert_label_hint_error_control(page, "#id_message", hint=True)
                check("an application's status form with an error", shot="detail-error")
                page.fill("#id_message", "印鑑が必要です。")
                _submit(page, "form.fields button")
                assert page.locator(".status-updates .badge-todo").count() == 1
                _submit(page, "form.actions button")  # processed
                assert page.inner_text(".state .badge-done") == "処理済み"
                check("an application with a status, processed", shot="detail-processed")

                # The header's language switch shows its longest name whole, on a phone too.
                for viewport in (MODES[1][1], MODES[0][1]):
                    page.set_viewport_size(viewport)
                    assert_select_text_shown_whole(page, "#language", f"the language switch at {viewport['width']} px")
                page.select_option("#language", "en")
                _submit(page, "form.language button")
                assert page.evaluate("document.documentElement.lang") == "en"
                check("an application in English", shot="detail-en")
            finally:
                browser.close()
    assert len(check.seen) == 9


def _assert_label_hint_error_control(page, control: str, *, hint: bool) -> None:
    """DADS's order in a field with an error: the label, the hint, the error, then the control, which
    names the hint and the error as its description."""
    order = page.evaluate(
        "sel => [...document.querySelector(sel).closest('.field').children].map(el => el.tagName + '.' + el.className)",
        control,
    )
    tag = page.evaluate("sel => document.querySelector(sel).tagName", control)
    expected = ["LABEL.", *(["P.help"] if hint else []), "P.error", f"{tag}."]
    assert order == expected, page.inner_html("section.status")
    described = page.get_attribute(control, "aria-describedby").split()
    error_id = page.evaluate("sel => document.querySelector(sel).closest('.field').querySelector('.error').id", control)
    assert error_id in described and page.get_attribute(control, "aria-invalid") == "true"
    assert page.evaluate("sel => document.querySelector(sel).closest('.field').classList.contains('invalid')", control)
