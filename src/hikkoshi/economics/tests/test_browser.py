"""The scenario editor and the results page in Chromium with axe-core (WCAG 2.2 A/AA)."""

import os
from pathlib import Path

import pytest

from hikkoshi.accounts.tests.conftest import PASSWORD, add_totp, make_user, totp_code
from hikkoshi.moves.tests.test_browser import Checker, browser_page  # noqa: F401  (skips without Chromium)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_scenario_editor_and_results_in_a_browser_with_axe(live_server, browser_page, django_user_model):
    from hikkoshi.economics.models import CostLine, IncomeLine, Scenario, UsageFigure

    page, url = browser_page, live_server.url
    axe = Checker(page)
    staff = make_user(django_user_model, "economics-staff@example.jp", is_staff=True, is_superuser=True)
    secret = add_totp(staff)
    scenario = Scenario.objects.create(name="ブラウザ試験 / browser test", kind="federated", portals=3)
    CostLine.objects.create(scenario=scenario, item="operation", amount=3_000_000, assumption=True)
    IncomeLine.objects.create(scenario=scenario, item="fee_per_application", amount=100, source="契約書 2026")
    UsageFigure.objects.create(scenario=scenario, item="moves_in", value=10_000, source="市の統計 2025")
    UsageFigure.objects.create(scenario=scenario, item="uptake_percent", value=10, assumption=True)
    UsageFigure.objects.create(scenario=scenario, item="applications_per_move", value=5, assumption=True)

    page.goto(f"{url}/admin/economics/scenario/{scenario.pk}/change/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_login", "economics-staff@example.jp")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.fill("#id_code", totp_code(secret))
    with page.expect_navigation():
        page.press("#id_code", "Enter")
    page.wait_for_url(f"**/admin/economics/scenario/{scenario.pk}/change/")
    axe("the scenario editor")

    # A cost line with neither a source nor 仮定 is refused, naming the field; nothing typed is lost.
    page.click("#costs-group .add-row a")
    page.select_option("#id_costs-1-item", "hosting")
    page.fill("#id_costs-1-amount", "600000")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert page.locator(".errorlist").count() >= 1
    assert "出典" in page.inner_text("#costs-group")
    assert page.input_value("#id_costs-1-amount") == "600000"
    axe("the scenario editor with an error")

    page.goto(f"{url}/admin/economics/scenario/{scenario.pk}/results/")
    assert page.locator("svg.chart").count() == 3
    # 10,000 × 10 % = 1,000 moves × 5 × 100 yen = 500,000; operation 3,000,000 ÷ 3 = 1,000,000
    assert "-500,000" in page.inner_text("main")
    axe("the results page")
    if os.environ.get("HIKKOSHI_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["HIKKOSHI_SCREENSHOTS"]) / "economics-results.png"), full_page=True)
    assert len(axe.checked) == 3
