"""The people step, the dates and the step bar in a real browser (Chromium through Playwright),
with axe-core on every page: 世帯主 and 続柄, dates as 年 / 月 / 日 after the era, the moving
day pre-filled, a double click on 「始める」, leaving by the step bar.

Needs what ``test_browser`` needs (Debian's chromium, node_modules/axe-core)."""

from datetime import timedelta
import os

from django.db import connections
from django.utils import timezone
import pytest

from hikkoshi.accounts.tests.conftest import PASSWORD, make_user
from hikkoshi.moves.models import Move
from hikkoshi.moves.selectors import move_record

from .test_browser import Checker, browser_page, focused  # noqa: F401  (skips without a browser; a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = os.environ.get("HIKKOSHI_SCREENSHOTS", "")  # a folder to keep screenshots in, to look at them


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def fill_date(page, name: str, era: str, year: str, month: str, day: str) -> None:
    page.select_option(f"select[name='{name}_era']", era)
    page.fill(f"input[name='{name}']", year)
    page.fill(f"input[name='{name}_month']", month)
    page.fill(f"input[name='{name}_day']", day)


@pytest.mark.django_db(transaction=True)
def test_people_dates_and_the_step_bar_in_a_browser(sapporo_defaults, live_server, browser_page, django_user_model):
    page, url = browser_page, live_server.url
    axe = Checker(page)
    user = make_user(django_user_model, "family@example.jp")
    day = timezone.localdate() + timedelta(days=20)
    reiwa = str(day.year - 2018)

    page.goto(f"{url}/accounts/login/?next=/moves/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.wait_for_url(f"{url}/moves/")

    # 「始める」 clicked twice: one draft.
    page.dblclick("form.start button")
    page.wait_for_url("**/places/")
    page.wait_for_load_state("networkidle")

    # Step 1: the moving day as 令和 / 年 / 月 / 日, the DADS way: a fieldset named by its legend.
    assert page.locator("fieldset#id_move-move_date_fieldset legend").count() == 1
    assert page.get_attribute("#id_move-move_date", "inputmode") == "numeric"
    page.fill("#id_from-postcode", "060-0042")
    page.fill("#id_from-address", "札幌市中央区大通西3丁目")
    page.fill("#id_to-postcode", "001-0024")
    page.fill("#id_to-address", "札幌市北区北24条西6丁目1-1")
    fill_date(page, "move-move_date", "R", reiwa, str(day.month), "")  # the day forgotten
    with page.expect_navigation():
        page.click("form#step-form .actions button:not([name])")
    axe("dates: a missing day")
    assert focused(page) == "error-summary"
    assert "日" in page.inner_text("#id_move-move_date_error")
    assert page.get_attribute("#id_move-move_date_day", "aria-invalid") == "true"
    assert page.get_attribute("#id_move-move_date_day", "aria-describedby") == "id_move-move_date_error"
    assert page.input_value("#id_move-move_date_month") == str(day.month)  # kept as typed
    page.fill("#id_move-move_date_day", str(day.day))
    with page.expect_navigation():
        page.press("#id_move-move_date_day", "Enter")  # Enter still continues (not the step bar)
    page.wait_for_url("**/procedures/")
    with page.expect_navigation():
        page.click("form#step-form .actions button:not([name])")
    page.wait_for_url("**/people/")

    # Step 3: 花子 files; 太郎, moving with her, is the 世帯主; 一郎 is their child.
    axe("people: empty")
    page.fill("#id_applicant-name", "札幌 花子")
    page.fill("#id_applicant-name_kana", "さっぽろ はなこ")
    fill_date(page, "applicant-birth_date", "S", "63", "7", "7")
    page.select_option("#id_applicant-sex", "female")
    page.fill("#id_applicant-phone", "090-1234-5678")
    page.fill("#id_member-0-name", "札幌 太郎")
    page.fill("#id_member-0-name_kana", "さっぽろ たろう")
    page.fill("#id_member-0-birth_date", "1985-05-05")  # a whole date in the year field
    with page.expect_navigation():
        page.click("button[name=add_member]")
    page.fill("#id_member-1-name", "札幌 一郎")
    page.fill("#id_member-1-name_kana", "さっぽろ いちろう")
    fill_date(page, "member-1-birth_date", "R", "1", "5", "1")
    page.check("input[name='household-head'][value='other']")  # by mistake: someone already there
    with page.expect_navigation():
        page.click("form#step-form .actions button:not([name])")
    axe("people: every error at once")
    summary = page.inner_text("#error-summary")
    for missing in ("世帯主の氏名", "続柄"):
        assert missing in summary
    assert page.locator("#error-summary li").count() == 4  # the name, 花子's, 太郎's and 一郎's 続柄
    shot(page, "people-errors")
    page.check("input[name='household-head'][value='members[0]']")
    page.fill("#id_applicant-relationship", "妻")
    page.fill("#id_member-1-relationship", "子")

    # The step bar keeps what was typed: to step 1 and back.
    with page.expect_navigation():
        page.click("nav.steps button[value=places]")
    page.wait_for_url("**/places/")
    with page.expect_navigation():
        page.click("nav.steps button[value=people]")
    assert page.input_value("#id_member-1-relationship") == "子"
    assert page.is_checked("input[name='household-head'][value='members[0]']")
    shot(page, "people")
    with page.expect_navigation():
        page.click("form#step-form .actions button:not([name])")
    page.wait_for_url("**/details/")

    # Step 4: every stop and start date pre-filled with the moving day, in 令和, changeable.
    axe("details: the moving day pre-filled")
    for utility in ("sapporo-water", "hokkaido-gas", "hepco-electricity"):
        for end, name in (("stop", "stop_date"), ("start", "start_date")):
            field = f"proc-{utility}-{end}-{name}"
            assert page.input_value(f"select[name='{field}_era']") == "R"
            assert page.input_value(f"input[name='{field}']") == reiwa
            assert page.input_value(f"input[name='{field}_day']") == str(day.day)
    earlier = day - timedelta(days=1)
    fill_date(page, "proc-sapporo-water-stop-stop_date", "", str(earlier.year), str(earlier.month), str(earlier.day))
    page.select_option("#id_proc-hokkaido-gas-start-visit_slot", "am")
    page.fill("#id_proc-hepco-electricity-stop-billing_number", "1234 5678 9012")
    shot(page, "details")
    with page.expect_navigation():
        page.click("form#step-form .actions button:not([name])")
    page.wait_for_url("**/review/")
    axe("review")
    assert page.locator(".error-summary").count() == 0
    review = page.inner_text("#review-people ~ *, section[aria-labelledby=review-people]")
    assert "世帯主" in review and "札幌 太郎" in review
    page.check("#id_consent")
    with page.expect_navigation():
        page.click("form.submit button")

    try:
        moves = list(Move.objects.filter(owner=user))
        assert len(moves) == 1  # the double click made one
        record = move_record(moves[0])
        assert moves[0].status == "submitted" and record.head_of_household == "札幌 太郎"
        assert [(p.name, p.relationship) for p in (record.applicant, *record.members)] == [
            ("札幌 花子", "妻"),
            ("札幌 太郎", "世帯主"),
            ("札幌 一郎", "子"),
        ]
        assert record.applicant.birth_date.isoformat() == "1988-07-07"
        assert record.members[1].birth_date.isoformat() == "2019-05-01"
        entries = {e.version.procedure.slug: e.values for e in moves[0].procedures.all()}
        assert entries["sapporo-water-stop"]["stop_date"] == earlier.isoformat()
        assert entries["sapporo-water-start"]["start_date"] == day.isoformat()
    finally:
        connections.close_all()
