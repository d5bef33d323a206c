"""Staff members' second-factor secrets are encrypted at rest and rotated with the other data."""

import json

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
import pytest

from hikkoshi.encryption import crypto
from hikkoshi.privacy.mfa import CONTEXT, open_secret, row_of
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
    # As stored before (no signal: a save now encrypts it, as the test below shows).
    (authenticator,) = Authenticator.objects.bulk_create(
        [Authenticator(user=staff, type=Authenticator.Type.TOTP, data={"secret": secret})]
    )
    assert json.loads(_raw(authenticator.pk))["secret"] == secret
    assert TOTP(Authenticator.objects.get(pk=authenticator.pk)).validate_code(_code(secret))
    report = rotate()
    assert not report.failed
    stored = Authenticator.objects.get(pk=authenticator.pk).data["secret"]
    assert crypto.is_row_bound(stored)
    assert crypto.decrypt(stored, CONTEXT, row_of(staff.pk, "totp")).decode() == secret


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
    assert crypto.decrypt(stored, CONTEXT, row_of(staff.pk, "totp")).decode() == secret


def _code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.fixture
def other_staff(django_user_model, keys):
    return django_user_model.objects.create_user(
        "other@example.jp", "other@example.jp", "pw-for-tests-2", is_staff=True
    )


def test_secrets_are_bound_to_their_row_and_do_not_work_in_another(staff, other_staff):
    mine, theirs = generate_totp_secret(), generate_totp_secret()
    own = TOTP.activate(staff, mine).instance
    other = TOTP.activate(other_staff, theirs).instance
    own_codes = RecoveryCodes.activate(staff).instance
    other_codes = RecoveryCodes.activate(other_staff).instance
    stored = Authenticator.objects.get(pk=own.pk).data
    assert crypto.is_row_bound(stored["secret"])
    assert crypto.is_row_bound(Authenticator.objects.get(pk=own_codes.pk).data["seed"])
    assert TOTP(Authenticator.objects.get(pk=own.pk)).validate_code(_code(mine))

    # Someone who can write the table copies their secret into the other member's row: the
    # other member's second factor does not become theirs.
    Authenticator.objects.filter(pk=other.pk).update(data=stored)
    with pytest.raises(crypto.DecryptionError):
        TOTP(Authenticator.objects.get(pk=other.pk)).validate_code(_code(mine))
    Authenticator.objects.filter(pk=other_codes.pk).update(data=Authenticator.objects.get(pk=own_codes.pk).data)
    with pytest.raises(crypto.DecryptionError):
        RecoveryCodes(Authenticator.objects.get(pk=other_codes.pk)).get_unused_codes()
    # … and rotation reports it rather than rewriting it for that row.
    report = rotate()
    assert [line.split(" #")[0] for line in report.failed] == [CONTEXT, CONTEXT]  # the secret, the seed
    with pytest.raises(crypto.DecryptionError):
        TOTP(Authenticator.objects.get(pk=other.pk)).validate_code(_code(mine))


def test_a_column_bound_secret_still_works_and_rotation_binds_it_to_its_row(staff):
    secret = generate_totp_secret()
    old = crypto.encrypt(secret.encode(), CONTEXT)  # as stored before rows were bound
    (authenticator,) = Authenticator.objects.bulk_create(
        [Authenticator(user=staff, type=Authenticator.Type.TOTP, data={"secret": old})]
    )
    assert not crypto.is_row_bound(_stored(authenticator.pk))
    assert key_counts()[CONTEXT] == {"a (column-bound)": 1}
    assert TOTP(Authenticator.objects.get(pk=authenticator.pk)).validate_code(_code(secret))
    report = rotate()
    assert not report.failed and report.rotated == 1
    assert crypto.is_row_bound(_stored(authenticator.pk))
    assert key_counts()[CONTEXT] == {"a": 1}
    assert open_secret(Authenticator.objects.get(pk=authenticator.pk).data["secret"]) == secret


@pytest.mark.parametrize("before", ["clear", "column-bound"])
def test_a_save_binds_what_it_writes(staff, before):
    secret = generate_totp_secret()
    old = secret if before == "clear" else crypto.encrypt(secret.encode(), CONTEXT)
    (authenticator,) = Authenticator.objects.bulk_create(
        [Authenticator(user=staff, type=Authenticator.Type.TOTP, data={"secret": old})]
    )
    Authenticator.objects.get(pk=authenticator.pk).save()
    assert crypto.is_row_bound(_stored(authenticator.pk))
    assert open_secret(Authenticator.objects.get(pk=authenticator.pk).data["secret"]) == secret


def _stored(pk) -> str:
    return json.loads(_raw(pk))["secret"]
