"""The answer page of e-mail and fax organisations (/answers/) and the mover's timeline, in a
real browser with axe-core: opened from the QR code's URL, a wrong code (the error named and
focused, nothing typed lost), then 不備あり with a message by keyboard; the result page shows it."""

from django.conf import settings
from django.test import Client
import pytest

from hikkoshi.moves.answers import answer_code_for
from hikkoshi.moves.models import MoveProcedure, ProcedureAnswer
from hikkoshi.moves.services import move_submit

from .conftest import sapporo_relocation
from .test_browser import Checker, browser_page, focused, tab_to_button, type_into  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MESSAGE = "届出書に押印がありません。押印のうえ再送してください。"


@pytest.mark.django_db(transaction=True)
def test_an_organisation_answers_by_keyboard_and_the_mover_sees_it(sapporo, mover, live_server, browser_page):
    page, url = browser_page, live_server.url
    axe = Checker(page)
    move = move_submit(owner=mover, payload=sapporo_relocation())
    entry = MoveProcedure.objects.get(move=move, version__procedure__slug="sapporo-water-start")
    reference, code = answer_code_for(entry.pk)

    page.goto(f"{url}/answers/?ref={reference}")
    assert page.input_value("#id_reference") == reference
    axe("the answer page")

    type_into(page, "code", "AAAA-BBBB-CCCC")
    page.select_option("#id_status", "action_needed")
    type_into(page, "message", MESSAGE)
    tab_to_button(page)
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    assert focused(page) == "error-summary"
    assert page.input_value("#id_message") == MESSAGE  # nothing typed is lost
    axe("the answer page with an error")

    type_into(page, "code", code)
    tab_to_button(page)
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer-recorded")
    axe("the answer recorded")
    assert list(ProcedureAnswer.objects.filter(entry=entry).values_list("status", flat=True)) == ["action_needed"]

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
    page.goto(f"{url}/moves/{move.public_id}/")
    assert MESSAGE in page.inner_text(".answer-timeline")
    axe("the result page with a timeline")
