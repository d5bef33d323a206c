"""The people step of a foreign resident (外国人住民) in a real browser with axe-core: the question
and its fields, an error naming the card number field, what was typed kept; then the review."""

import os

from django.conf import settings
from django.test import Client
import pytest

from .test_browser import Checker, browser_page  # noqa: F401
from .test_pages import base_of, places_post, procedures_post, start

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_foreign_resident_on_the_people_step(sapporo, mover, live_server, browser_page):
    page, url = browser_page, live_server.url
    axe = Checker(page)
    client = Client()
    client.force_login(mover)
    base = base_of(start(client))
    client.post(base + "places/", places_post())
    client.post(base + "procedures/", procedures_post())
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "url": url,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            }
        ]
    )
    page.goto(url + base + "people/")
    assert page.inner_text("#applicant-foreign legend") == "外国人住民の方"
    axe("the people step with the foreign residents' questions")
    for name, value in {
        "name": "NGUYEN VAN AN",
        "name_kana": "グエン ヴァン アン",
        "birth_date": "1995-02-14",
        "phone": "090-1234-5678",
        "nationality": "ベトナム",
        "residence_card_number": "AB12",
        "residence_status": "留学",
        "stay_expiry": "2029-03-31",
    }.items():
        page.fill(f"#id_applicant-{name}", value)
    page.check("#id_applicant-foreign_resident")
    page.select_option("#id_applicant-residence_category", "mid_long_term")
    with page.expect_navigation():
        page.press("#id_applicant-residence_card_number", "Enter")
    assert "people" in page.url
    error = page.inner_text("#id_applicant-residence_card_number_error")
    assert "英字2桁" in error
    assert page.input_value("#id_applicant-residence_card_number") == "AB12"
    assert page.is_checked("#id_applicant-foreign_resident")
    assert "在留カード等の番号" in page.inner_text(".error-summary, [role=alert]")
    axe("the people step with an error in the card number")
    if os.environ.get("HIKKOSHI_SCREENSHOTS"):
        page.set_viewport_size({"width": 375, "height": 900})
        page.screenshot(path=os.environ["HIKKOSHI_SCREENSHOTS"] + "/people-foreign-375.png", full_page=True)
    page.fill("#id_applicant-residence_card_number", "ab12345678cd")
    with page.expect_navigation():
        page.press("#id_applicant-residence_card_number", "Enter")
    assert page.url.endswith("/details/")
    page.goto(url + base + "review/")
    assert "AB12345678CD" in page.inner_text("main")
    axe("the review page of a foreign resident")
