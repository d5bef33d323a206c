"""The mover's hand-over pages in a real browser (Chromium through Playwright, Debian's chromium;
never a downloaded one), axe-core (WCAG 2.2 A/AA) on each: the review page's hand-over section
and its consent form (also with the error of the box left unticked), the continue link, the claim
page it opens for someone not signed in there (and a link that does not work), the list of
hand-overs, and the page of a failed hand-over."""

import os

from django.db import connections
from django.test import Client
import pytest

from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401 (a fixture: the shipped data)
from hikkoshi.federation.models import OutgoingHandoff, OutgoingState, Peer
from hikkoshi.moves.tests.test_browser import Checker, browser_page  # noqa: F401 (skips without Chromium)

from .test_handoff_pages import DOWN, kansai, to_review  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = os.environ.get("HIKKOSHI_SCREENSHOTS")  # a folder: keep what the browser showed, to look at


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_the_hand_over_pages_in_a_browser_with_axe(kansai, sapporo, live_server, browser_page, django_user_model):
    page, url = browser_page, live_server.url
    axe = Checker(page)
    mover = django_user_model.objects.create_user("handoff@example.jp", "handoff@example.jp", "pw-for-tests")
    client = Client()
    client.force_login(mover)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}])
    base = to_review(client)

    try:
        page.goto(url + base + "review/")
        assert page.locator("#handoff-kansai").count() == 1
        assert not page.is_checked("#handoff-kansai-consent")
        axe("review: the hand-over section")
        _shot(page, "handoff-review")
        # The button without the box: back at the box with its error, nothing sent.
        _submit(page, "#handoff-kansai form.handoff-consent button")
        page.wait_for_url("**/review/?handoff=consent&portal=kansai#handoff-kansai")
        assert page.locator("#handoff-kansai-error").count() == 1
        assert page.get_attribute("#handoff-kansai-consent", "aria-invalid") == "true"
        assert not OutgoingHandoff.objects.exists()
        axe("review: the hand-over without the agreement")
        # With the box ticked (by keyboard): the continue link.
        page.focus("#handoff-kansai-consent")
        page.keyboard.press("Space")
        assert page.is_checked("#handoff-kansai-consent")
        _submit(page, "#handoff-kansai form.handoff-consent button")
        page.wait_for_url("**/moves/handoffs/*/")
        outgoing = OutgoingHandoff.objects.get()
        assert page.get_attribute("p.continue a", "href") == outgoing.payload["continue_url"]
        axe("the continue link")
        _shot(page, "handoff-sent")

        # The continue link opened by someone not signed in there (a browser of its own): the
        # claim page offers the sign-in through the origin; a link changed by hand is refused.
        stranger = page.context.browser.new_context(locale="ja-JP", viewport={"width": 375, "height": 800})
        try:
            other = stranger.new_page()
            other_axe = Checker(other)
            other.goto(outgoing.payload["continue_url"])
            assert other.locator("form button[type=submit]").count() >= 1
            other_axe("the claim page, not signed in")
            _shot(other, "handoff-claim")
            other.goto(outgoing.payload["continue_url"].rstrip("/") + "x/")
            other_axe("a claim link that is not (any more) valid")
            assert other_axe.console == [] or all("403" in m or "404" in m for m in other_axe.console)
        finally:
            stranger.close()

        page.goto(url + "/moves/handoffs/")
        assert page.locator(f"form[action='/moves/handoffs/{outgoing.pk}/withdraw/'] button").count() == 1
        axe("the list of hand-overs")
        _shot(page, "handoff-list")

        # The portal is down: the failure page, with the retry and the phone number.
        Peer.objects.filter(pk=kansai.peer.pk).update(base_url=DOWN)
        page.goto(url + base + "review/")
        page.check("#handoff-kansai-consent")
        _submit(page, "#handoff-kansai form.handoff-consent button")
        failed = OutgoingHandoff.objects.get(state=OutgoingState.FAILED)
        page.wait_for_url(f"**/moves/handoffs/{failed.pk}/")
        assert page.locator("a[href^='tel:']").count() == 1
        axe("a failed hand-over")
        _shot(page, "handoff-failed")

        # The portal is back; withdrawn from the list: the message, and the list without its button.
        Peer.objects.filter(pk=kansai.peer.pk).update(base_url=url, failures=0, skipped_until=None)
        page.goto(url + "/moves/handoffs/")
        _submit(page, f"form[action='/moves/handoffs/{outgoing.pk}/withdraw/'] button")
        page.wait_for_url("**/moves/handoffs/")
        assert OutgoingHandoff.objects.get(pk=outgoing.pk).state == OutgoingState.WITHDRAWN
        axe("the list after a withdrawal")
    finally:
        connections.close_all()  # the ORM used beside Playwright's loop: its connections too
