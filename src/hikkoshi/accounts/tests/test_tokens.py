"""API tokens: made on the account page (shown once), revoked there; a token stops working when
its user is deactivated or deleted."""

import re

from django.test import Client

from hikkoshi.accounts.tests.conftest import make_user
from hikkoshi.moves.models import ApiToken

MISSING_MOVE = "/api/v1/moves/7d4d0a4e-4f2a-4a57-9a55-2b0b6d3f6a11"


def api_status(secret: str) -> int:
    """401 without a working token; 404 (no such move) when the token is accepted."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(MISSING_MOVE).status_code


def test_a_token_is_made_shown_once_and_revoked(client, mover):
    client.force_login(mover)
    response = client.post("/accounts/tokens/", {"name": "家計簿アプリ"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    secret = re.search(r'id="new-token"[^>]*value="(hks_[^"]+)"', page).group(1)
    assert api_status(secret) == 404
    token = ApiToken.objects.get(user=mover)
    assert token.name == "家計簿アプリ" and secret not in token.digest
    listing = client.get("/accounts/").content.decode()
    assert "家計簿アプリ" in listing and token.prefix in listing and secret not in listing

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert api_status(secret) == 401


def test_another_persons_token_cannot_be_revoked(client, mover, django_user_model):
    other = make_user(django_user_model, "other@example.jp")
    token, secret = ApiToken.issue(other)
    client.force_login(mover)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    assert api_status(secret) == 404


def test_the_number_of_tokens_is_bounded(client, mover):
    for i in range(20):
        ApiToken.issue(mover, name=f"t{i}")
    client.force_login(mover)
    response = client.post("/accounts/tokens/", {"name": "one more"})
    assert response.status_code == 400 and 'class="error-summary"' in response.content.decode()
    assert mover.api_tokens.count() == 20


def test_a_deactivated_users_token_stops_working(mover):
    _token, secret = ApiToken.issue(mover)
    assert api_status(secret) == 404
    mover.is_active = False
    mover.save()
    assert api_status(secret) == 401


def test_a_deleted_users_token_stops_working(mover):
    _token, secret = ApiToken.issue(mover)
    mover.delete()
    assert api_status(secret) == 401
    assert not ApiToken.objects.exists()


def test_being_locked_out_of_the_sign_in_form_does_not_stop_tokens(client, mover):
    """Otherwise anyone who knows the address could cut off the mover's API clients."""
    from hikkoshi.accounts.tests.conftest import sign_in

    _token, secret = ApiToken.issue(mover)
    for _ in range(6):
        sign_in(Client(), "mover@example.jp", "wrong")
    assert api_status(secret) == 404
