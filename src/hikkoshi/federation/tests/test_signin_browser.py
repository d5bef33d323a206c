"""The sign-in between portals in a real browser (Debian's Chromium through Playwright): what an
HTTP client cannot show, a browser's own rules on the way from one portal to the other — the
``Origin`` of a form's POST (``Referrer-Policy``) and the CSP ``form-action`` applied to every
redirect a form's POST follows. sapporo is this test's live server, kansai a child process."""

import io
import re
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db import connections
import pytest

from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401 (a fixture: the shipped data)
from hikkoshi.federation import handoffs
from hikkoshi.federation.models import Peer
from hikkoshi.moves.tests.conftest import mover  # noqa: F401 (a fixture)
from hikkoshi.moves.tests.test_browser import browser_page  # noqa: F401 (skips without Chromium)
from hikkoshi.moves.tests.test_pages import signed_in  # noqa: F401 (a fixture)

from .test_dataset import _submitted
from .test_handoffs import ITEMS
from .test_two_portals import kansai  # noqa: F401 (a fixture: kansai, a live portal)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture
def offered(kansai, sapporo, signed_in, mover, settings):
    """A hand-over to kansai on offer (made before the browser starts: Playwright's loop would
    stand in the way of the client's)."""
    url, thumbprint, _env, _server = kansai
    EmailAddress.objects.create(user=mover, email=mover.email, verified=True, primary=True)
    call_command(
        "federation", "peer", "add", "kansai", url, f"--thumbprint={thumbprint}", "--areas", "27", stdout=io.StringIO()
    )
    outgoing = handoffs.offer_handoff(_submitted(signed_in), Peer.objects.get(slug="kansai"), ITEMS, mover)
    # Two portals on one host: a browser keeps cookies per host, not per port (as in the demo).
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "sapporo_session", "sapporo_csrftoken"
    return url, outgoing.payload["continue_url"]


def test_a_mover_arriving_with_the_link_signs_in_through_the_origin_and_claims_in_a_browser(offered, browser_page):
    url, continue_url = offered
    page = browser_page
    try:
        page.goto(continue_url)
        # The claim page's button: kansai → sapporo's provider → sapporo's sign-in page.
        _submit(page, "main form button")
        page.wait_for_url("**/accounts/login/**")
        page.fill("input[name=login]", "mover@example.jp")
        page.fill("input[name=password]", "pw-for-tests")
        # Signed in at sapporo: its provider sends the browser back to kansai's callback, and on
        # to the claim page, signed in there.
        _submit(page, "form.wizard button[type=submit]")
        page.wait_for_url(url + urlsplit(continue_url).path, timeout=20_000)
        _submit(page, "main form button")
        assert re.fullmatch(re.escape(url) + r"/moves/[^/]+/places/", page.url)
        assert page.input_value("[name='to-postcode']") == "001-0024"  # nothing retyped
    finally:
        connections.close_all()  # the ORM used beside Playwright's loop: its connections too
