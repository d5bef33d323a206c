"""The account pages in Chromium with axe-core (WCAG 2.2 A/AA) and the site's CSP: the account
page, making a token, second-factor set-up, and a staff member's sign-in with a code."""

import pytest

from hikkoshi.accounts.tests.conftest import PASSWORD, add_totp, make_user, totp_code
from hikkoshi.moves.tests.test_browser import Checker, browser_page  # noqa: F401  (skips without Chromium)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def sign_in(page, url, email, next_path="/moves/"):
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")


@pytest.mark.django_db(transaction=True)
def test_account_pages_in_a_browser_with_axe(live_server, browser_page, django_user_model):
    page, url = browser_page, live_server.url
    axe = Checker(page)
    make_user(django_user_model, "browser-mover@example.jp")
    staff = make_user(django_user_model, "browser-staff@example.jp", is_staff=True)
    secret = add_totp(staff)

    sign_in(page, url, "browser-mover@example.jp")
    page.goto(f"{url}/accounts/")
    axe("account page")
    page.fill("#id_name", "家計簿アプリ")
    with page.expect_navigation():
        page.press("#id_name", "Enter")
    assert page.input_value("#new-token").startswith("hks_")
    axe("a new token, shown once")
    page.goto(f"{url}/accounts/2fa/")
    axe("second factors")
    page.click("main a[href='/accounts/2fa/totp/activate/']")
    page.wait_for_url("**/accounts/reauthenticate/**")
    axe("confirm it is you")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    axe("set up an authenticator app")
    page.goto(f"{url}/accounts/delete/")
    axe("delete my account")
    # A draft move, deleted after its confirmation page; the list then says so.
    page.goto(f"{url}/moves/")
    with page.expect_navigation():
        page.click("form.start button")
    page.goto(f"{url}/moves/")
    with page.expect_navigation():
        page.click("main a[href$='/delete/']")
    axe("delete a move")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == f"{url}/moves/" and page.locator("main .messages").count() == 1
    axe("my moves, with a message")
    page.click("nav.account form button")  # sign out

    # A staff member: the admin sends them to sign in, then to the code.
    page.goto(f"{url}/admin/")
    page.wait_for_url("**/accounts/login/?next=%2Fadmin%2F")
    page.fill("#id_login", "browser-staff@example.jp")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    axe("the second factor at sign-in")
    page.fill("#id_code", totp_code(secret))
    with page.expect_navigation():
        page.press("#id_code", "Enter")
    page.wait_for_url(f"{url}/admin/")
    # Having used the code, they may make a token.
    page.goto(f"{url}/accounts/")
    assert page.locator("form[action='/accounts/tokens/']").count() == 1
    page.click("nav.account form button")  # sign out

    # Staff without a second factor: the account page sends them to set one up before a token.
    make_user(django_user_model, "browser-staff2@example.jp", is_staff=True)
    sign_in(page, url, "browser-staff2@example.jp")
    page.goto(f"{url}/accounts/")
    assert page.locator("form[action='/accounts/tokens/']").count() == 0
    assert page.locator("#token-second-factor ~ p a[href='/accounts/2fa/']").count() == 1
    axe("account page of staff without a second factor")

    csp = [m for m in axe.console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert not csp, csp
    assert len(axe.checked) == 10


@pytest.mark.django_db(transaction=True)
def test_a_passkey_is_added_and_signs_in_under_the_csp(live_server, browser_page, django_user_model, settings):
    """allauth's WebAuthn scripts (static files, set up from JSON data blocks) work under the
    site's CSP: add a passkey (Chromium's virtual authenticator), sign out, sign in with it."""
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the test server is http://localhost
    page, url = browser_page, live_server.url
    axe = Checker(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    make_user(django_user_model, "passkey@example.jp")

    sign_in(page, url, "passkey@example.jp")
    page.goto(f"{url}/accounts/2fa/webauthn/add/")
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    axe("add a passkey")
    page.check("#id_passwordless")
    with page.expect_navigation():
        page.click("#mfa_webauthn_add")
    assert "/accounts/2fa/webauthn/add/" not in page.url
    page.click("nav.account form button")  # sign out
    page.wait_for_load_state()

    page.goto(f"{url}/accounts/login/?next=/moves/")
    with page.expect_navigation():
        page.click("#passkey_login")
    page.wait_for_url(f"{url}/moves/")
    assert page.locator(".site-nav nav.account a[href='/accounts/']").count() == 1  # signed in (the header's menu)

    csp = [m for m in axe.console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert not csp, csp
    assert not [m for m in axe.console if "webauthn" in m.lower() or "allauth" in m.lower()], axe.console
