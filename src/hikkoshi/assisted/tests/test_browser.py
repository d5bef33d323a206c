"""The agency's and the call centre's flows in Chromium with axe-core (WCAG 2.2 A/AA) and the
site's CSP: sign-in with the second factor, a move for a customer, the consent (the customer's
own phone; the script), the wizard, the result, the forms to mail, the manager's pages."""

from datetime import timedelta
import re

from django.db import connections
from django.utils import timezone
import pytest

from hikkoshi.accounts.tests.conftest import PASSWORD, totp_code
from hikkoshi.moves.tests.test_browser import Checker, browser_page  # noqa: F401  (skips without Chromium)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def summary_focused(page):
    """The error summary takes the focus once the page after a POST with errors has loaded."""
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'", timeout=5000)


def sign_in_with_code(page, url, user, secret, next_path):
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("#id_code", totp_code(secret))
    with page.expect_navigation():
        page.press("#id_code", "Enter")
    page.wait_for_url(f"{url}{next_path}")


def fill_contact(page, *, name, postcode="060-0042", address="札幌市中央区大通西3丁目"):
    page.fill("#id_contact-name", name)
    page.fill("#id_contact-postcode", postcode)
    page.fill("#id_contact-address", address)
    page.fill("#id_contact-phone", "011-222-3333")


def the_wizard(page, axe, what: str):
    """Steps 1–4 by mouse and typing, checked with axe at the first and the review page."""
    day = timezone.localdate() + timedelta(days=30)
    before = (day - timedelta(days=1)).isoformat()
    axe(f"{what}: step 1")
    page.fill("#id_from-postcode", "060-0042")
    page.fill("#id_from-address", "札幌市中央区大通西3丁目")
    page.fill("#id_to-postcode", "001-0024")
    page.fill("#id_to-address", "札幌市北区北24条西6丁目1-1")
    page.fill("#id_move-move_date", day.isoformat())
    with page.expect_navigation():
        page.click("form.wizard .actions button:not([name])")
    page.wait_for_url("**/procedures/")
    with page.expect_navigation():
        page.click("form.wizard .actions button:not([name])")
    page.wait_for_url("**/people/")
    assert page.input_value("#id_applicant-name") == "小樽 三郎"  # from the customer's contact
    assert page.input_value("#id_applicant-email") == ""  # never the staff member's own
    page.fill("#id_applicant-name_kana", "おたる さぶろう")
    page.fill("#id_applicant-birth_date", "1970-01-01")
    with page.expect_navigation():
        page.click("form.wizard .actions button:not([name])")
    page.wait_for_url("**/details/")
    for slug in ("sapporo-water", "hokkaido-gas", "hepco-electricity"):
        page.fill(f"#id_proc-{slug}-stop-stop_date", before)
        page.fill(f"#id_proc-{slug}-start-start_date", day.isoformat())
    page.select_option("#id_proc-hokkaido-gas-start-visit_slot", "am")
    with page.expect_navigation():
        page.click("form.wizard .actions button:not([name])")
    page.wait_for_url("**/review/")
    axe(f"{what}: review, with which data goes where")
    assert page.locator("#review-flows").count() == 1
    # Submitting without the agreement: the error at the box, the summary focused.
    with page.expect_navigation():
        page.click("form.submit button")
    page.wait_for_url("**/review/?errors=1")
    summary_focused(page)
    assert page.locator("#id_consent_error").count() == 1
    axe(f"{what}: review without the agreement")
    page.check("#id_consent")
    with page.expect_navigation():
        page.click("form.submit button")
    page.wait_for_url(lambda u: u.rstrip("/").split("/")[-1].count("-") == 4)
    axe(f"{what}: the result")


@pytest.mark.django_db(transaction=True)
def test_the_agency_flow_in_a_browser(world, sapporo, live_server, browser_page):
    page, url = browser_page, live_server.url
    axe = Checker(page)
    sign_in_with_code(page, url, world.staff, world.secrets[world.staff.pk], "/agency/")
    axe("agency: the store's moves")
    page.click("main a[href='/agency/moves/new/']")
    page.wait_for_url("**/agency/moves/new/")
    axe("agency: a new move")
    page.fill("#id_contact-name", "")
    with page.expect_navigation():
        page.click("form.wizard button[type=submit]")
    summary_focused(page)
    axe("agency: a new move, with an error")
    fill_contact(page, name="小樽 三郎")
    with page.expect_navigation():
        page.click("form.wizard button[type=submit]")
    page.wait_for_url("**/consent/")
    consent_url = page.url
    axe("agency: the customer's consent")
    assert page.locator("main a[href$='/consent/sheet.pdf']").count() == 1
    with page.expect_navigation():
        page.click("#phone-heading ~ form button")
    axe("agency: the link and QR code for the customer's phone")
    link = page.input_value("#consent-link")
    assert page.locator("img.qr").count() == 1

    # The customer, on their own phone: no sign-in.
    phone = page.context.browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 800})
    try:
        customer = phone.new_page()
        customer_axe = Checker(customer)
        customer.goto(link.replace("http://testserver", url) if link.startswith("http://testserver") else link)
        customer_axe("phone: the consent page")
        with customer.expect_navigation():
            customer.click("form.wizard button[type=submit]")
        summary_focused(customer)
        customer_axe("phone: the consent page with an error")
        customer.check("#id_agreed")
        with customer.expect_navigation():
            customer.click("form.wizard button[type=submit]")
        customer_axe("phone: thank you")
        assert not [m for m in customer_axe.console if "Content Security Policy" in m]
    finally:
        phone.close()

    page.goto(consent_url)
    axe("agency: consent recorded")
    with page.expect_navigation():
        page.click("#recorded-heading ~ p a")
    page.wait_for_url("**/places/")
    the_wizard(page, axe, "agency")
    assert "小樽 三郎" in page.inner_text("#assisted-heading ~ dl")

    # The manager's pages.
    page.click("nav.account form button")  # sign out
    page.wait_for_load_state()
    sign_in_with_code(page, url, world.manager, world.secrets[world.manager.pk], "/agency/")
    assert "小樽 三郎" in page.inner_text("main table")
    axe("agency: every store's moves")
    # The search is a POST: the name is in the field, never in the address bar.
    page.fill("#id_q", "小樽")
    with page.expect_navigation():
        page.press("#id_q", "Enter")
    assert page.url == f"{url}/agency/" and page.input_value("#id_q") == "小樽"
    assert "小樽 三郎" in page.inner_text("main table")
    axe("agency: a search")
    page.goto(f"{url}/agency/staff/")
    axe("agency: staff")
    # An address that has an account already is refused at the field.
    page.fill("#id_email", world.mover.email)
    page.select_option("#id_store", str(world.store.pk))
    with page.expect_navigation():
        page.click("form.wizard button[type=submit]")
    summary_focused(page)
    assert page.locator("#id_email_error").count() == 1
    axe("agency: staff, an address with an account refused")
    page.goto(f"{url}/agency/counts/")
    axe("agency: monthly counts")

    csp = [m for m in axe.console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert not csp, csp
    assert len(axe.checked) == 15
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_the_call_centre_flow_in_a_browser(world, sapporo, live_server, browser_page):
    page, url = browser_page, live_server.url
    axe = Checker(page)
    sign_in_with_code(page, url, world.operator, world.secrets[world.operator.pk], "/callcentre/")
    axe("call centre: the centre's moves")
    page.click("main a[href='/callcentre/moves/new/']")
    page.wait_for_url("**/callcentre/moves/new/")
    # The consent script first: nothing about the caller before they agree.
    assert page.locator("#id_contact-name").count() == 0
    assert page.locator(".consent-text [lang=ja]").count() == 1 and page.locator(".consent-text [lang=en]").count() == 1
    with page.expect_navigation():
        page.click("form.wizard button[type=submit]")
    summary_focused(page)
    axe("call centre: the consent script, with an error")
    page.check("#id_agreed")
    with page.expect_navigation():
        page.click("form.wizard button[type=submit]")
    page.wait_for_url("**/contact/")
    axe("call centre: the caller's contact")
    fill_contact(page, name="小樽 三郎", address="札幌市北区北24条")  # not where 060-0042 is
    with page.expect_navigation():
        page.click("form.wizard button[type=submit]")
    summary_focused(page)
    assert page.input_value("#id_contact-name") == "小樽 三郎"  # nothing typed is lost
    axe("call centre: the caller's contact, with an error")
    page.fill("#id_contact-address", "札幌市中央区大通西3丁目")
    with page.expect_navigation():
        page.click("form.wizard button[type=submit]")
    page.wait_for_url("**/places/")
    the_wizard(page, axe, "call centre")
    link = page.locator("main a[href$='/mailing.pdf']")
    assert link.count() == 1
    response = page.request.get(url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert re.match(rb"%PDF-", response.body())

    csp = [m for m in axe.console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert not csp, csp
    assert len(axe.checked) == 8
    connections.close_all()
