"""やさしい日本語 in a browser: chosen with the language switch (no JavaScript), every page in it
passes axe-core (WCAG 2.2 A/AA, the page's ``lang`` among the rules) and says ``lang="ja"``."""

from django.conf import settings
from django.test import Client
import pytest

from .test_browser import Checker, browser_page  # noqa: F401 (a fixture)
from .test_pages import AGREE, base_of, details_post, people_post, places_post, procedures_post, soon, start

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_choosing_easy_japanese_in_a_browser_with_axe(sapporo, live_server, browser_page, mover):
    page = browser_page
    axe = Checker(page)
    page.goto(live_server.url + "/")
    page.select_option("#language-select", "ja-x-easy")
    page.click("form.language button[type=submit]")
    page.wait_for_load_state()
    assert page.url == live_server.url + "/"
    assert page.evaluate("document.documentElement.lang") == "ja"
    assert "ひっこしの 手続（てつづ）きを 1回（かい）で。" in page.content()
    axe("top page")

    page.goto(live_server.url + "/search/?postcode=060-0042")
    assert "連絡先（れんらくさき）" in page.content()
    axe("provider search")
    page.goto(live_server.url + "/accounts/login/")
    axe("sign-in page")

    # A mover's move, made through the pages, then looked at in the browser.
    client = Client()
    client.force_login(mover)
    base = base_of(start(client))
    client.post(base + "places/", places_post())
    client.post(base + "procedures/", procedures_post())
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(live_server.url + base + "people/")
    assert "続柄（つづきがら）" in page.content()
    axe("step 3, who is moving")
    client.post(base + "people/", people_post())
    client.post(base + "details/", details_post(soon()))
    page.goto(live_server.url + base + "review/")
    axe("step 5, review")
    client.post(base + "submit/", AGREE)
    page.goto(live_server.url + base)
    assert "これから する こと" in page.content()
    assert page.evaluate("document.documentElement.lang") == "ja"
    axe("the result")
    assert len(axe.checked) == 6
