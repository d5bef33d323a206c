"""API tokens: made on the account page (shown once), revoked there; a token stops working when
its user is deactivated or deleted."""

import re

from django.test import Client

from hikkoshi.accounts.models import ApiToken
from hikkoshi.accounts.tests.conftest import make_user

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


# -- staff: a token reads their customers' moves, so it needs the second factor -----------------


def agency_staff(django_user_model):
    """A member of staff of an admitted agency's store, with an authenticator app; its secret."""
    from hikkoshi.accounts.tests.conftest import add_totp
    from hikkoshi.assisted.models import Agency, AgencyMember, Store

    agency = Agency.objects.create(name="テスト不動産", status=Agency.Status.ADMITTED)
    store = Store.objects.create(agency=agency, name="札幌駅前店")
    user = make_user(django_user_model, "staff@agency.example.jp")
    AgencyMember.objects.create(user=user, agency=agency, store=store)
    return user, add_totp(user)


def test_staff_make_a_token_only_after_using_their_second_factor(client, django_user_model):
    from hikkoshi.accounts.tests.conftest import totp_code

    user, secret = agency_staff(django_user_model)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)  # signed in with the password alone
    page = client.get("/accounts/").content.decode()
    assert 'action="/accounts/tokens/"' not in page and 'id="token-second-factor"' in page
    assert 'href="/accounts/2fa/reauthenticate/?next=%2Faccounts%2F%23tokens-heading"' in page
    response = client.post("/accounts/tokens/", {"name": "crm"})
    assert response.status_code == 302 and response["Location"] == "/accounts/#tokens-heading"
    assert not ApiToken.objects.filter(user=user).exists()
    assert "Staff make API tokens only after using their second factor" in client.get("/accounts/").content.decode()

    # Confirming with the code opens the form, and the token is made.
    response = client.post(
        "/accounts/2fa/reauthenticate/?next=%2Faccounts%2F%23tokens-heading", {"code": totp_code(secret)}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/#tokens-heading"
    assert 'action="/accounts/tokens/"' in client.get("/accounts/").content.decode()
    response = client.post("/accounts/tokens/", {"name": "crm"})
    assert response.status_code == 200 and ApiToken.objects.filter(user=user, name="crm").count() == 1


def test_staff_without_a_second_factor_are_sent_to_set_one_up_before_making_a_token(client, django_user_model):
    from allauth.mfa.models import Authenticator

    user, _secret = agency_staff(django_user_model)
    Authenticator.objects.filter(user=user).delete()
    client.force_login(user)
    page = client.get("/accounts/").content.decode()
    assert 'action="/accounts/tokens/"' not in page and 'href="/accounts/2fa/"' in page
    assert client.post("/accounts/tokens/", {"name": "crm"}).status_code == 302
    assert not ApiToken.objects.filter(user=user).exists()


def test_administrators_need_the_second_factor_for_a_token_too(client, staff):
    from hikkoshi.accounts.tests.conftest import add_totp

    add_totp(staff)
    client.force_login(staff)
    assert client.post("/accounts/tokens/", {"name": "x"}).status_code == 302
    assert not ApiToken.objects.filter(user=staff).exists()
