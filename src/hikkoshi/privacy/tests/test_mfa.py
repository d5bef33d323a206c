"""Staff members' second-factor secrets are encrypted at rest and rotated with the other data."""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
import pytest

from hikkoshi.encryption import crypto
from hikkoshi.privacy.mfa import CONTEXT
from hikkoshi.privacy.rotation import key_counts, rotate

from .conftest import KEY_A, KEY_B


@pytest.fixture
def staff(django_user_model, keys):
    return django_user_model.objects.create_user(
        "clerk@example.jp", "clerk@example.jp", "pw-for-tests-1", is_staff=True
    )


def _raw(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [pk])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else str(value)


def test_the_totp_secret_and_recovery_seed_are_never_stored_in_clear(staff):
    secret = generate_totp_secret()
    totp = TOTP.activate(staff, secret)
    codes = RecoveryCodes.activate(staff)
    assert secret not in _raw(totp.instance.pk)
    stored = Authenticator.objects.get(pk=totp.instance.pk).data["secret"]
    assert crypto.is_token(stored) and crypto.token_kid(stored) == "a"
    seed = Authenticator.objects.get(pk=codes.instance.pk).data["seed"]
    assert crypto.is_token(seed)
    # allauth still checks codes with it.
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    assert TOTP(Authenticator.objects.get(pk=totp.instance.pk)).validate_code(code)
    assert len(RecoveryCodes(Authenticator.objects.get(pk=codes.instance.pk)).get_unused_codes()) > 0


def test_a_secret_stored_before_encryption_still_works_and_rotation_encrypts_it(staff, settings):
    secret = generate_totp_secret()
    authenticator = Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": secret})
    assert TOTP(authenticator).instance.data["secret"] == secret
    report = rotate()
    assert not report.failed
    stored = Authenticator.objects.get(pk=authenticator.pk).data["secret"]
    assert crypto.is_token(stored) and crypto.decrypt(stored, CONTEXT).decode() == secret


def test_rotation_moves_the_secrets_to_the_new_key(staff, settings):
    secret = generate_totp_secret()
    totp = TOTP.activate(staff, secret)
    settings.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"  # b encrypts now
    crypto.reset()
    assert key_counts()[CONTEXT]["a"] == 1
    rotate()
    assert key_counts()[CONTEXT] == {"b": 1}
    settings.HIKKOSHI_DATA_KEYS = KEY_B  # the old key is gone
    crypto.reset()
    stored = Authenticator.objects.get(pk=totp.instance.pk).data["secret"]
    assert crypto.decrypt(stored, CONTEXT).decode() == secret
