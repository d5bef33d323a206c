"""After submitting, in a real browser with axe-core: the result page with 「次にやること」, marking
the counter procedure filed by keyboard, withdrawing one procedure, a correction with an error
and then without."""

from datetime import timedelta
import re

from django.conf import settings
from django.test import Client
from django.utils import timezone
import pytest

from hikkoshi.moves.models import MoveProcedure
from hikkoshi.moves.services import move_submit

from .conftest import sapporo_relocation
from .test_browser import Checker, browser_page, focused, tab_to_button, type_into  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_after_submitting_in_a_browser_with_axe(sapporo, mover, live_server, browser_page):
    page, url = browser_page, live_server.url
    axe = Checker(page)
    move = move_submit(owner=mover, payload=sapporo_relocation())
    move.refresh_from_db()
    result = f"{url}/moves/{move.public_id}/"

    # Signed in (the sign-in itself is the wizard's browser test's): the session in a cookie.
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
    page.goto(result)
    axe("the result page")
    assert page.inner_text("strong.number") == move.number
    steps = page.inner_text("section.next-steps")
    assert "窓口で届け出る" in steps and "北区役所" in steps
    assert page.inner_text("#status-sapporo-move-in") == "窓口で届出が必要"

    # The day of the visit, typed and sent with Enter; then it shows, and the page is still accessible.
    entry = MoveProcedure.objects.get(move=move, version__procedure__slug="sapporo-move-in")
    day = max(filter(None, (entry.deadline_from, timezone.localdate()))) + timedelta(days=1)
    page.fill("#visit-sapporo-move-in", day.isoformat())
    with page.expect_navigation():
        page.press("#visit-sapporo-move-in", "Enter")
    assert page.input_value("#visit-sapporo-move-in") == day.isoformat()
    assert "来庁する日" in page.inner_text("section.next-steps p.visit-day")
    axe("the result page, a visit day chosen")

    # By keyboard from the visit day (Tab goes through the date's parts, Save, Clear): "I have filed it".
    page.focus("#visit-sapporo-move-in")
    tab_to_button(page, "section.next-steps form.actions button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.inner_text("#status-sapporo-move-in") == "窓口で届出済み（ご本人の記録）"
    axe("the result page, nothing left to do")

    # Withdraw the gas application alone.
    page.goto(f"{result}withdraw/?procedure=hokkaido-gas-start")
    axe("the withdrawal page")
    assert page.is_checked("#withdraw-hokkaido-gas-start") and not page.is_checked("#withdraw-hepco-electricity-start")
    with page.expect_navigation():
        page.click("main form .actions button")
    assert page.inner_text("#status-hokkaido-gas-start") == "取下げ済み"
    axe("the result page after a withdrawal")

    # A correction: a wrong phone number first.
    page.goto(f"{result}correct/")
    axe("the correction page")
    type_into(page, "contact-phone", "でんわ")
    with page.expect_navigation():
        page.click("main form .actions button")
    assert page.title().startswith("エラー")
    assert focused(page) == "error-summary"
    assert page.input_value("#id_contact-phone") == "でんわ"
    axe("the correction page with an error")
    page.fill("#id_contact-phone", "011-222-3333")
    with page.expect_navigation():
        page.click("main form .actions button")
    assert re.search(r"訂正: ", page.inner_text("#entry-sapporo-water-start-article"))
    axe("the result page after a correction")
