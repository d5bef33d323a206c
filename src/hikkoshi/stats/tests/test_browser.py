"""The statistics page and the satisfaction survey in Chromium with axe-core (WCAG 2.2 A/AA)."""

from django.utils import timezone
import pytest

from hikkoshi.accounts.tests.conftest import PASSWORD, add_totp, make_user, totp_code
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401
from hikkoshi.moves.tests.test_browser import Checker, browser_page  # noqa: F401  (skips without Chromium)
from hikkoshi.privacy.tests.conftest import keys, submit  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(page, email, secret=None):
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    if secret is not None:
        page.fill("#id_code", totp_code(secret))
        with page.expect_navigation():
            page.press("#id_code", "Enter")


@pytest.mark.django_db(transaction=True)
def test_the_survey_and_the_statistics_page_with_axe(live_server, browser_page, django_user_model, keys, sapporo):
    from hikkoshi.stats.models import SurveyAnswer
    from hikkoshi.stats.simulate import simulate

    page, url = browser_page, live_server.url
    axe = Checker(page)
    mover = make_user(django_user_model, "survey-mover@example.jp")
    move = submit(mover)

    page.goto(f"{url}/moves/{move.public_id}/")
    _sign_in(page, "survey-mover@example.jp")
    page.wait_for_url(f"**/moves/{move.public_id}/")
    assert page.locator("#survey fieldset legend").count() == 1
    axe("the result page with the survey")

    # No level chosen: refused, the field named, the comment typed kept. (The browser itself keeps
    # a comment to 500 characters: maxlength; the server's own limit is tested in test_survey.)
    page.fill("#id_comment", "あ" * 501)
    assert page.input_value("#id_comment") == "あ" * 500
    page.fill("#id_comment", "わかりやすかったです")
    with page.expect_navigation():
        page.click("#survey button[type=submit]")
    assert page.locator("#error-summary").count() == 1
    assert page.input_value("#id_comment") == "わかりやすかったです"
    axe("the survey refused")
    page.check("#survey input[name=level][value='4']")
    with page.expect_navigation():
        page.click("#survey button[type=submit]")
    page.wait_for_url(f"**/moves/{move.public_id}/#survey")
    assert SurveyAnswer.objects.get().level == 4

    simulate(days=30)
    staff = make_user(django_user_model, "stats-staff@example.jp", is_staff=True, is_superuser=True)
    secret = add_totp(staff)
    page.context.clear_cookies()
    page.goto(f"{url}/admin/stats/")
    _sign_in(page, "stats-staff@example.jp", secret)
    page.wait_for_url("**/admin/stats/")
    assert page.locator("svg[role=img]").count() == 1
    assert "わかりやすかったです" in page.inner_text("#content-main")
    assert timezone.localdate().isoformat() in page.inner_text("#content-main")
    axe("the statistics page")
    assert len(axe.checked) == 3
