"""Encryption at rest (``hikkoshi.encryption``): the keyring, the token, the field."""

import base64
import json
import os
import stat
import subprocess
import sys

from django.core.serializers.json import DjangoJSONEncoder
from django.test.utils import isolate_apps
import pytest

from hikkoshi.encryption import crypto
from hikkoshi.encryption.digests import token_digest
from hikkoshi.encryption.fields import Bound, EncryptedJSONField, Sealed, decrypt_json, encrypt_json


def key_line(kid: str, fill: int) -> str:
    return f"{kid}:{base64.b64encode(bytes([fill]) * 32).decode()}"


KEY_A = key_line("a", 1)
KEY_B = key_line("b", 2)


@pytest.fixture
def keys(settings):
    """Two known keys, ``a`` encrypting."""
    settings.HIKKOSHI_DATA_KEYS = f"{KEY_A},{KEY_B}"
    yield settings
    crypto.reset()


# -- tokens ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [{}, [], "", 0, None, True, {"name": "鷺沢 葵衣", "n": [1, 2.5, None]}, ["𠮷野家", "ｶﾅ"], "x" * 10_000]
)
def test_round_trip(keys, value):
    token = encrypt_json(value, "t.c")
    assert token.startswith("hk1:a:")
    assert decrypt_json(token, "t.c") == value


def test_the_same_value_encrypts_differently_each_time(keys):
    assert encrypt_json({"a": 1}, "t.c") != encrypt_json({"a": 1}, "t.c")


def test_a_tampered_token_fails_loudly(keys):
    token = encrypt_json({"name": "鷺沢"}, "t.c")
    kid_part, blob = token.rsplit(":", 1)
    data = bytearray(base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4)))
    for position in (0, 12, len(data) - 1):  # the nonce, the ciphertext, the tag
        changed = bytearray(data)
        changed[position] ^= 1
        bad = kid_part + ":" + base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode()
        with pytest.raises(crypto.DecryptionError, match="does not verify"):
            decrypt_json(bad, "t.c")
    with pytest.raises(crypto.DecryptionError, match="truncated"):
        decrypt_json(kid_part + ":" + blob[:20], "t.c")
    for garbage in ("hk1:a:!!!", "hk1::abc", "hk1:a", '{"name": "x"}', ""):
        with pytest.raises(crypto.DecryptionError):
            decrypt_json(garbage, "t.c")


def test_a_token_of_another_place_or_key_id_fails(keys):
    token = encrypt_json({"name": "鷺沢"}, "moves_move.applicant")
    with pytest.raises(crypto.DecryptionError, match="another column"):
        decrypt_json(token, "moves_move.members")
    # The same bytes under the other key's id: the key id is bound too (and key b is wrong).
    relabelled = token.replace("hk1:a:", "hk1:b:", 1)
    with pytest.raises(crypto.DecryptionError):
        decrypt_json(relabelled, "moves_move.applicant")


def test_a_wrong_key_or_an_unknown_key_id_fails(keys):
    token = encrypt_json({"name": "鷺沢"}, "t.c")
    keys.HIKKOSHI_DATA_KEYS = key_line("a", 9)  # same id, other key
    with pytest.raises(crypto.DecryptionError, match="does not verify"):
        decrypt_json(token, "t.c")
    keys.HIKKOSHI_DATA_KEYS = KEY_B
    with pytest.raises(crypto.DecryptionError, match="'a' is not in the keyring"):
        decrypt_json(token, "t.c")


def test_errors_never_contain_the_data(keys):
    token = encrypt_json({"name": "鷺沢 葵衣"}, "t.c")
    keys.HIKKOSHI_DATA_KEYS = KEY_B
    with pytest.raises(crypto.DecryptionError) as caught:
        decrypt_json(token, "t.c")
    message = str(caught.value)
    assert token not in message
    for marker in ("鷺沢", "葵衣"):
        assert marker not in message and json.dumps(marker)[1:-1] not in message


# -- keys ----------------------------------------------------------------------------------------


def test_the_first_key_encrypts_and_every_key_decrypts(keys):
    old = encrypt_json(1, "t.c")
    keys.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"
    assert crypto.keyring().primary == "b"
    assert encrypt_json(1, "t.c").startswith("hk1:b:")
    assert decrypt_json(old, "t.c") == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no key"),
        ("a", "not 'kid:base64key'"),
        ("a b:" + KEY_A.split(":")[1], "not 'kid:base64key'"),
        ("a:" + base64.b64encode(b"short").decode(), "has 5 bytes"),
        ("a:%%%%", "not base64"),
        (f"{KEY_A},{key_line('a', 3)}", "appears twice"),
    ],
)
def test_malformed_keys_are_refused_without_showing_them(text, message):
    with pytest.raises(crypto.KeyConfigurationError, match=message) as caught:
        crypto.parse_keys(text, separator=",", source="HIKKOSHI_DATA_KEYS")
    assert KEY_A.split(":")[1] not in str(caught.value)


def test_keys_in_standard_or_url_safe_base64_with_or_without_padding():
    key = bytes(range(200, 232))
    for encoded in (base64.b64encode(key).decode(), base64.urlsafe_b64encode(key).decode().rstrip("=")):
        assert crypto.parse_keys(f"k1:{encoded}") == [("k1", key)]


def test_a_key_file_is_made_once_with_mode_0600(settings, tmp_path):
    path = tmp_path / "keys" / "data-keys"
    settings.HIKKOSHI_DATA_KEYS = ""
    settings.HIKKOSHI_DATA_KEY_FILE = str(path)
    crypto.reset()
    token = encrypt_json({"a": 1}, "t.c")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    assert len(lines) == 1 and token.startswith(f"hk1:{lines[0].split(':')[0]}:")
    crypto.create_key_file(path)  # another process's late attempt changes nothing
    assert [line for line in path.read_text().splitlines() if line and not line.startswith("#")] == lines
    assert list(path.parent.iterdir()) == [path]  # no temporary file left
    crypto.reset()
    assert decrypt_json(token, "t.c") == {"a": 1}


def test_a_changed_key_file_is_read_again(settings, tmp_path, monkeypatch):
    path = tmp_path / "data-keys"
    path.write_text(KEY_A + "\n")
    path.chmod(0o600)
    settings.HIKKOSHI_DATA_KEYS = ""
    settings.HIKKOSHI_DATA_KEY_FILE = str(path)
    crypto.reset()
    assert crypto.keyring().primary == "a"
    path.write_text(f"# rotated\n{KEY_B}\n{KEY_A}\n")
    monkeypatch.setattr(crypto, "FILE_CHECK_INTERVAL", 0.0)
    assert crypto.keyring().primary == "b" and set(crypto.keyring().keys) == {"a", "b"}
    crypto.reset()


def test_no_key_file_is_made_where_that_is_off(settings, tmp_path):
    settings.HIKKOSHI_DATA_KEYS = ""
    settings.HIKKOSHI_DATA_KEY_FILE = str(tmp_path / "missing")
    settings.HIKKOSHI_DATA_KEY_CREATE = False
    crypto.reset()
    with pytest.raises(crypto.KeyConfigurationError, match="does not exist"):
        encrypt_json({}, "t.c")
    assert not (tmp_path / "missing").exists()
    crypto.reset()


def test_a_key_line_is_printed_without_django():
    done = subprocess.run(
        [sys.executable, "-m", "hikkoshi.encryption.crypto"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        timeout=60,
    )
    [(kid, key)] = crypto.parse_keys(done.stdout)
    assert len(key) == 32 and kid.startswith("k")


# -- the field -----------------------------------------------------------------------------------


def test_the_field_deconstructs():
    field = EncryptedJSONField("applicant", default=dict, blank=True)
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "hikkoshi.encryption.fields.EncryptedJSONField"
    assert kwargs == {"verbose_name": "applicant", "default": dict, "blank": True}
    assert EncryptedJSONField(**kwargs).deconstruct()[3] == kwargs


def test_a_token_is_stored_as_its_sha256():
    # FIPS 180-2's example of SHA-256 ("abc").
    assert token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert len(token_digest("hks_" + "x" * 43)) == 64 and token_digest("a") != token_digest("b")


def test_a_blind_index_term_is_keyed_derived_and_never_shown(keys):
    """``Keyring.blind``: HMAC-SHA256 under a key derived (HKDF-SHA256) from the data key and
    the purpose, truncated to 16 bytes: stable for a value, different for another purpose or
    key, not the HMAC under the data key itself; the keys never in a repr."""
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    ring = crypto.keyring()
    term = ring.blind("やまだたろう", "assisted.name")
    assert len(term) == 32 and int(term, 16) >= 0
    assert ring.blind("やまだたろう", "assisted.name") == term == ring.blind("やまだたろう", "assisted.name", "a")
    assert ring.blind("やまだたろう", "other.purpose") != term
    assert ring.blind("やまだたろう", "assisted.name", "b") != term
    assert ring.blind("やまだはなこ", "assisted.name") != term
    data_key = bytes([1]) * 32
    assert hmac.new(data_key, "やまだたろう".encode(), hashlib.sha256).hexdigest()[:32] != term
    derived = HKDF(hashes.SHA256(), 32, None, b"hikkoshi blind index v1|assisted.name").derive(data_key)
    assert hmac.new(derived, "やまだたろう".encode(), hashlib.sha256).hexdigest()[:32] == term
    with pytest.raises(crypto.KeyConfigurationError):
        ring.blind("x", "assisted.name", "gone")
    assert base64.b64encode(data_key).decode() not in repr(ring) and "raw_keys" not in repr(ring)


def test_the_field_takes_only_callable_encoders_and_decoders_and_keeps_them():
    with pytest.raises(ValueError, match="encoder"):
        EncryptedJSONField(encoder=json.JSONEncoder())
    with pytest.raises(ValueError, match="decoder"):
        EncryptedJSONField(decoder=json.JSONDecoder())
    kwargs = EncryptedJSONField(encoder=DjangoJSONEncoder, decoder=json.JSONDecoder).deconstruct()[3]
    assert (kwargs["encoder"], kwargs["decoder"]) == (DjangoJSONEncoder, json.JSONDecoder)


def notice_body():
    """A real column of this field (delivery's notices: what a withdrawal or correction sent)."""
    from hikkoshi.delivery.models import Notice

    return Notice, Notice._meta.get_field("body")


def test_the_field_reads_tokens_and_serialises_only_tokens(keys):
    model, field = notice_body()
    assert field.context == f"{model._meta.db_table}.body"
    assert [f.name for f in field.row_key_fields] == ["idempotency_key"]
    value = {"変更": ["電話番号"], "n": 1}
    notice = model(body=value)
    row = field.row(notice)
    assert row == f'["{notice.idempotency_key}"]'
    token = encrypt_json(value, field.context, row=row)
    assert token.startswith("hk2:a:")
    # A fixture's token (loaddata) is written back as it is; anything else is already the value.
    assert field.to_python(token) == Bound(token) and field.get_prep_value(field.to_python(token)) == token
    assert field.to_python(value) is value
    token = field.value_to_string(notice)  # dumpdata
    assert token.startswith("hk2:a:") and "電話番号" not in token
    assert decrypt_json(token, field.context, row=row) == value
    with pytest.raises(crypto.DecryptionError, match="bound to a row"):
        decrypt_json(token, field.context)
    with pytest.raises(crypto.DecryptionError, match="another row"):
        decrypt_json(token, field.context, row='["another"]')
    assert field.get_prep_value(None) is None and field.from_db_value(None, None, None) is None
    sealed = field.from_db_value(token, None, None)  # opened by the attribute, with the row
    assert isinstance(sealed, Sealed) and "電話番号" not in repr(sealed)
    read = model(idempotency_key=notice.idempotency_key, body=sealed)
    assert read.body == value and read.__dict__["body"] == value  # opened once


def test_a_column_bound_token_ignores_the_row(keys):
    token = encrypt_json({"a": 1}, "t.c")
    assert token.startswith("hk1:a:") and not crypto.is_row_bound(token)
    assert decrypt_json(token, "t.c", row='["any"]') == decrypt_json(token, "t.c") == {"a": 1}
    bound_token = encrypt_json({"a": 1}, "t.c", row="1")
    assert crypto.is_token(bound_token) and crypto.is_row_bound(bound_token)
    relabelled = "hk1:" + bound_token.split(":", 1)[1]  # a row-bound token passed off as column-bound
    with pytest.raises(crypto.DecryptionError):
        decrypt_json(relabelled, "t.c", row="1")


@isolate_apps("hikkoshi.moves")
def test_the_row_key_is_checked():
    from django.db import models

    class Loose(models.Model):  # noqa: DJ008 (a model only checked)
        name = models.CharField(max_length=10)
        auto = EncryptedJSONField(default=dict)  # the primary key: made by the database
        loose = EncryptedJSONField(default=dict, row_key="name")  # not unique
        missing = EncryptedJSONField(default=dict, row_key="nothing")

        class Meta:
            app_label = "moves"

    errors = {f.name: [e.msg for e in f.check()] for f in Loose._meta.fields if isinstance(f, EncryptedJSONField)}
    assert "made by the database" in errors["auto"][0]
    assert "not unique" in errors["loose"][0]
    assert "nothing" in errors["missing"][0]
    from hikkoshi.moves.models import Move

    assert Move._meta.get_field("applicant").check() == []


def test_the_field_cannot_be_queried_by_content(db):
    from django.core.exceptions import FieldError

    model, field = notice_body()
    assert field.get_lookup("exact") is None and field.get_transform("name") is None
    assert field.get_lookup("isnull") is not None  # only whether there is a value
    assert list(model.objects.filter(body__isnull=True)) == []
    with pytest.raises(FieldError):
        model.objects.filter(body={"a": 1}).exists()
    with pytest.raises(FieldError):
        model.objects.filter(body__changes="x").exists()


def test_the_field_validates_and_edits_as_json():
    from django import forms
    from django.core.exceptions import ValidationError

    _model, field = notice_body()
    field.validate({"a": [1, "二"]}, None)
    with pytest.raises(ValidationError) as invalid:
        field.validate({"a": {1, 2}}, None)  # a set is no JSON
    assert invalid.value.code == "invalid"
    assert isinstance(field.formfield(), forms.JSONField)
