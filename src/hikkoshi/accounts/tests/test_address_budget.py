"""Issue 13, item 4: the budget of failed sign-ins per address (20 in 15 minutes) does not lock
out other accounts' correct passwords: behind a proxy without HIKKOSHI_TRUSTED_PROXY_COUNT, or a
shared carrier address, every client has the same address (here 127.0.0.1)."""

from django.test import Client

from hikkoshi.accounts.known_browsers import COOKIE
from hikkoshi.accounts.tests.conftest import make_user, sign_in

LOCKED = "ログイン失敗が連続しています"  # allauth's "Too many failed login attempts" in Japanese


def _flood(django_user_model, count=20):
    """``count`` failed sign-ins from this address, spread over accounts (none locked itself)."""
    attacker = Client()
    for i in range(count):
        email = f"target{i // 4}@example.jp"
        if i % 4 == 0:
            make_user(django_user_model, email)
        response = sign_in(attacker, email, "guessed-wrong")
        assert LOCKED not in response.content.decode()
    return attacker


def test_a_browser_that_signed_in_before_is_not_locked_out_by_the_address(django_user_model, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    make_user(django_user_model, "neighbour@example.jp")
    browser = Client()
    assert sign_in(browser, "neighbour@example.jp").status_code == 302
    assert COOKIE in browser.cookies
    browser.post("/accounts/logout/")

    attacker = _flood(django_user_model)
    # The address's budget is used up: the attacker (and any browser unknown to the account) is refused...
    assert LOCKED in sign_in(attacker, "target0@example.jp", "another-guess").content.decode()
    assert LOCKED in sign_in(Client(), "neighbour@example.jp").content.decode()
    # ...but the neighbour's own browser signs in with the right password.
    response = sign_in(browser, "neighbour@example.jp")
    assert response.status_code == 302, response.content.decode()[:500]
    assert browser.get("/moves/").status_code == 200


def test_a_known_browser_still_has_the_accounts_own_budget(django_user_model, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    make_user(django_user_model, "neighbour@example.jp")
    browser = Client()
    assert sign_in(browser, "neighbour@example.jp").status_code == 302
    browser.post("/accounts/logout/")
    _flood(django_user_model)
    for _ in range(5):
        assert LOCKED not in sign_in(browser, "neighbour@example.jp", "wrong-password").content.decode()
    assert LOCKED in sign_in(browser, "neighbour@example.jp").content.decode()


def test_a_forged_cookie_counts_for_nothing(django_user_model, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    user = make_user(django_user_model, "neighbour@example.jp")
    _flood(django_user_model)
    forged = Client()
    forged.cookies[COOKIE] = f"[{user.pk}]:forged:signature"
    assert LOCKED in sign_in(forged, "neighbour@example.jp").content.decode()
