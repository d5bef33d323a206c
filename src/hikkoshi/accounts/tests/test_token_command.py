"""``hikkoshi token create --user EMAIL [--name NAME]`` (a management command of accounts)."""

from io import StringIO

from django.core.management import CommandError, call_command
from django.test import Client
import pytest

from hikkoshi.accounts.models import ApiToken
from hikkoshi.accounts.tests.conftest import make_user

MISSING_MOVE = "/api/v1/moves/7d4d0a4e-4f2a-4a57-9a55-2b0b6d3f6a11"


def test_the_command_prints_a_token_once_and_stores_its_digest(mover):
    out = StringIO()
    call_command("token", "create", "--user", "MOVER@example.jp", "--name", "crm", stdout=out)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(user=mover)
    assert secret.startswith("hks_") and token.name == "crm" and secret not in token.digest
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(MISSING_MOVE).status_code == 404  # accepted


def test_the_command_refuses_staff_and_unknown_addresses(staff, django_user_model):
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", staff.email, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", "nobody@example.jp", stdout=StringIO())
    make_user(django_user_model, "twin@example.jp", is_active=False)
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", "twin@example.jp", stdout=StringIO())
    assert not ApiToken.objects.exists()
