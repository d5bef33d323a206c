"""Repeated failed sign-ins lock the account out for a while (in the shared cache)."""

import time
from unittest import mock

from django.test import Client

from hikkoshi.accounts.tests.conftest import add_totp, make_user, sign_in, totp_code

LOCKED = "ログイン失敗が連続しています"  # allauth's "Too many failed login attempts" in Japanese


def signed_in(client) -> bool:
    return client.get("/moves/").status_code == 200


def test_five_failures_lock_the_account_for_fifteen_minutes(client, mover, django_user_model):
    for _ in range(5):
        response = sign_in(client, "mover@example.jp", "not the password")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    # The sixth attempt is refused even with the right password, saying for how long.
    response = sign_in(client, "mover@example.jp")
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert "15分後にもう一度お試しいただくか、パスワードを再設定してください" in response.content.decode()
    english = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), "mover@example.jp").content.decode()
    assert "Too many failed sign-ins. Try again in 15 minutes, or reset your password." in english
    assert not signed_in(client)
    # From another browser (same address here) too: the lock is on the account.
    assert LOCKED in sign_in(Client(), "mover@example.jp").content.decode()

    # Another account is not locked.
    make_user(django_user_model, "neighbour@example.jp")
    other = Client()
    assert sign_in(other, "neighbour@example.jp").status_code == 302 and signed_in(other)

    # Fifteen minutes after the failures, the right password works again.
    later = time.time() + 15 * 60 + 1
    with mock.patch("allauth.core.internal.ratelimit.time.time", return_value=later):
        assert sign_in(client, "mover@example.jp").status_code == 302
    assert signed_in(client)


def test_a_success_does_not_reset_the_failures(client, mover):
    """Interleaving successes does not buy an attacker who knows nothing more attempts."""
    for _ in range(4):
        sign_in(Client(), "mover@example.jp", "wrong")
    assert sign_in(Client(), "mover@example.jp").status_code == 302
    sign_in(Client(), "mover@example.jp", "wrong")
    assert LOCKED in sign_in(Client(), "mover@example.jp").content.decode()


def test_wrong_second_factor_codes_lock_too(client, staff):
    secret = add_totp(staff)
    response = sign_in(client, "operator@example.jp")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    for _ in range(5):
        page = client.post("/accounts/2fa/authenticate/", {"code": "000000"}).content.decode()
        assert "コードが正しくありません" in page  # "Incorrect code."
    page = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)}).content.decode()
    assert LOCKED in page
    assert client.get("/admin/").status_code == 302
