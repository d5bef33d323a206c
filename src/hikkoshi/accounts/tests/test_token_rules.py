"""Issue 13, item 1: an API token does not get around the staff second factor. A token carries
whether it was made after a second factor; staff rights need one that was; a user's tokens are
revoked when they become staff, lose their last authenticator, or change their password. Tokens
expire (90 days by default) and record their last use (at most once a minute)."""

from datetime import timedelta
import re

from allauth.mfa.models import Authenticator
from django.test import Client
from django.utils import timezone
import pytest

from hikkoshi.accounts.models import ApiToken
from hikkoshi.accounts.tests.conftest import PASSWORD, add_totp, make_user, totp_code
from hikkoshi.assisted.models import Agency, AgencyMember, Store

MISSING_MOVE = "/api/v1/moves/7d4d0a4e-4f2a-4a57-9a55-2b0b6d3f6a11"


def api_status(secret: str) -> int:
    """401 without a working token; 404 (no such move) when the token is accepted."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(MISSING_MOVE).status_code


@pytest.fixture
def store(db):
    agency = Agency.objects.create(name="テスト不動産", status=Agency.Status.ADMITTED)
    return Store.objects.create(agency=agency, name="札幌駅前店")


def test_a_movers_token_is_revoked_when_the_mover_is_linked_to_a_store(mover, store):
    _token, secret = ApiToken.issue(mover)
    assert api_status(secret) == 404
    AgencyMember.objects.create(user=mover, agency=store.agency, store=store)
    assert not ApiToken.objects.filter(user=mover).exists()
    assert api_status(secret) == 401


def test_a_staff_token_made_without_the_second_factor_is_refused(django_user_model, store):
    clerk = make_user(django_user_model, "clerk@agency.example.jp")
    AgencyMember.objects.create(user=clerk, agency=store.agency, store=store)
    add_totp(clerk)
    _token, secret = ApiToken.issue(clerk)  # e.g. a row made before this rule, or by hand
    assert api_status(secret) == 401
    _token, secret = ApiToken.issue(clerk, second_factor=True)
    assert api_status(secret) == 404


def test_a_token_made_on_the_page_after_the_second_factor_carries_it(client, django_user_model, store):
    clerk = make_user(django_user_model, "clerk@agency.example.jp")
    AgencyMember.objects.create(user=clerk, agency=store.agency, store=store)
    secret = add_totp(clerk)
    client.force_login(clerk)
    assert client.post("/accounts/2fa/reauthenticate/", {"code": totp_code(secret)}).status_code == 302
    page = client.post("/accounts/tokens/", {"name": "CRM"}).content.decode()
    made = re.search(r'id="new-token"[^>]*value="(hks_[^"]+)"', page).group(1)
    assert ApiToken.objects.get(user=clerk).second_factor is True
    assert api_status(made) == 404


def test_losing_the_last_authenticator_revokes_the_tokens(client, django_user_model, store):
    clerk = make_user(django_user_model, "clerk@agency.example.jp")
    AgencyMember.objects.create(user=clerk, agency=store.agency, store=store)
    totp = add_totp(clerk)
    _token, secret = ApiToken.issue(clerk, second_factor=True)
    assert api_status(secret) == 404
    client.force_login(clerk)
    assert client.post("/accounts/2fa/reauthenticate/", {"code": totp_code(totp)}).status_code == 302
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302, response
    assert not Authenticator.objects.filter(user=clerk, type="totp").exists()
    assert not ApiToken.objects.filter(user=clerk).exists()
    assert api_status(secret) == 401


def test_the_authenticator_gone_refuses_a_staff_token_even_if_it_is_kept(django_user_model, store):
    clerk = make_user(django_user_model, "clerk@agency.example.jp")
    AgencyMember.objects.create(user=clerk, agency=store.agency, store=store)
    add_totp(clerk)
    _token, secret = ApiToken.issue(clerk, second_factor=True)
    Authenticator.objects.filter(user=clerk).delete()  # no signal: a row removed by hand
    assert api_status(secret) == 401


def test_a_new_password_revokes_the_tokens(client, mover):
    _token, secret = ApiToken.issue(mover)
    client.force_login(mover)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-new-pass-phrase-7", "password2": "a-new-pass-phrase-7"},
    )
    assert response.status_code == 302, response
    assert api_status(secret) == 401


def test_an_administrator_flag_revokes_the_tokens(mover):
    _token, secret = ApiToken.issue(mover)
    mover.is_staff = True
    mover.save()
    assert api_status(secret) == 401 and not ApiToken.objects.filter(user=mover).exists()


def test_tokens_expire_and_the_account_page_says_when(client, mover, settings):
    settings.LANGUAGE_CODE = "en"
    token, secret = ApiToken.issue(mover)
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    client.force_login(mover)
    page = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "expires on" in page or "有効期限" in page
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_status(secret) == 401


def test_the_last_use_is_recorded_at_most_once_a_minute(mover, django_assert_max_num_queries):
    token, secret = ApiToken.issue(mover)
    assert token.last_used_at is None
    assert api_status(secret) == 404
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    assert api_status(secret) == 404
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # not written again within the minute
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert api_status(secret) == 404
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - timedelta(minutes=1)
