"""Encryption at rest: the keyring, the token, the field."""

import base64
import json
import os
import stat
import subprocess
import sys

from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
import pytest

from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.privacy import crypto
from hikkoshi.privacy.fields import EncryptedJSONField, decrypt_json, encrypt_json

from .conftest import APPLICANT, KEY_A, KEY_B, MARKERS, findings, key_line


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def raw_move(pk) -> dict:
    names = ["applicant", "members", "old_address", "new_address", "draft"]
    row = raw("SELECT applicant, members, old_address, new_address, draft FROM moves_move WHERE id = %s", [pk])[0]
    return dict(zip(names, row))


# -- tokens ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [{}, [], "", 0, None, True, {"name": "鷺沢 葵衣", "n": [1, 2.5, None]},
                                   ["𠮷野家", "ｶﾅ"], "x" * 10_000])
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
    assert not findings(str(caught.value)) and token not in str(caught.value)


# -- keys ----------------------------------------------------------------------------------------

def test_the_first_key_encrypts_and_every_key_decrypts(keys):
    old = encrypt_json(1, "t.c")
    keys.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"
    assert crypto.keyring().primary == "b"
    assert encrypt_json(1, "t.c").startswith("hk1:b:")
    assert decrypt_json(old, "t.c") == 1


@pytest.mark.parametrize("text, message", [
    ("", "no key"),
    ("a", "not 'kid:base64key'"),
    ("a b:" + KEY_A.split(":")[1], "not 'kid:base64key'"),
    ("a:" + base64.b64encode(b"short").decode(), "has 5 bytes"),
    ("a:%%%%", "not base64"),
    (f"{KEY_A},{key_line('a', 3)}", "appears twice"),
])
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


def _production(env_extra: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIKKOSHI_DATA_KEY")}
    env.update({"HIKKOSHI_SECRET_KEY": "x" * 50, "HIKKOSHI_ALLOWED_HOSTS": "example.jp",
                "HIKKOSHI_QR_KEY": "q" * 40, "HIKKOSHI_DATA_DIR": str(tmp_path),
                "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.production", **env_extra})
    code = "import django; django.setup(); from hikkoshi.privacy import crypto; print(crypto.keyring().primary)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_production_does_not_start_without_a_key(tmp_path):
    done = _production({}, tmp_path)
    assert done.returncode != 0
    assert "HIKKOSHI_DATA_KEYS must be set in production" in done.stderr
    assert not (tmp_path / "data-keys").exists()
    done = _production({"HIKKOSHI_DATA_KEYS": "a:short"}, tmp_path)
    assert done.returncode != 0 and "has 5 bytes" not in done.stdout
    assert "ImproperlyConfigured" in done.stderr and "'a'" in done.stderr
    keyfile = tmp_path / "keys"
    keyfile.write_text(KEY_B + "\n")
    keyfile.chmod(0o600)
    done = _production({"HIKKOSHI_DATA_KEY_FILE": str(keyfile)}, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "b"
    done = _production({"HIKKOSHI_DATA_KEYS": KEY_A}, tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "a", done.stderr


def test_a_key_line_is_printed_without_django():
    done = subprocess.run([sys.executable, "-m", "hikkoshi.privacy.crypto"], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}, timeout=60)
    [(kid, key)] = crypto.parse_keys(done.stdout)
    assert len(key) == 32 and kid.startswith("k")


# -- the field -----------------------------------------------------------------------------------

def test_moves_store_tokens_and_read_values(keys, submitted):
    move = Move.objects.get(pk=submitted.pk)
    assert move.applicant["name"] == APPLICANT["name"] and move.members[0]["name"] == "鷺沢 紬"
    stored = raw_move(move.pk)
    for column, token in stored.items():
        assert token.startswith("hk1:a:"), column
        assert not findings(token)
    # Empty values are encrypted too: a submitted move's draft is {}.
    assert decrypt_json(stored["draft"], "moves_move.draft") == {}
    for (token,) in raw("SELECT \"values\" FROM moves_moveprocedure WHERE move_id = %s", [move.pk]):
        assert token.startswith("hk1:a:")
    # … and values(), values_list() and refresh_from_db() decrypt.
    assert Move.objects.filter(pk=move.pk).values_list("applicant", flat=True)[0]["email"] == APPLICANT["email"]
    entry = MoveProcedure.objects.filter(move=move).first()
    entry.refresh_from_db()
    assert isinstance(entry.values, dict)


def test_a_token_copied_into_another_column_or_table_is_refused(keys, submitted):
    applicant = raw_move(submitted.pk)["applicant"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE moves_move SET members = %s WHERE id = %s", [applicant, submitted.pk])
    with pytest.raises(crypto.DecryptionError, match=r"moves_move\.members"):
        Move.objects.get(pk=submitted.pk)
    with connection.cursor() as cursor:
        cursor.execute('UPDATE moves_moveprocedure SET "values" = %s WHERE move_id = %s', [applicant, submitted.pk])
    with pytest.raises(crypto.DecryptionError, match=r"moves_moveprocedure\.values"):
        list(MoveProcedure.objects.filter(move_id=submitted.pk))


def test_reading_with_a_wrong_key_fails_loudly(keys, submitted):
    keys.HIKKOSHI_DATA_KEYS = KEY_B  # key a is gone
    with pytest.raises(crypto.DecryptionError):
        Move.objects.get(pk=submitted.pk)
    # Columns not read are not decrypted: a move can still be found by its clear fields.
    assert Move.objects.filter(pk=submitted.pk).values_list("public_id", flat=True)[0] == submitted.public_id


def test_the_fields_cannot_be_queried_by_content(keys, submitted):
    for model, lookup in ((Move, {"applicant__name": "鷺沢 葵衣"}), (Move, {"applicant": APPLICANT}),
                          (Move, {"members__contains": "x"}), (Move, {"draft__icontains": "x"}),
                          (MoveProcedure, {"values__has_key": "stop_date"})):
        with pytest.raises(FieldError):
            list(model.objects.filter(**lookup))
    with pytest.raises(FieldError):
        list(Move.objects.order_by("applicant__name"))
    assert Move.objects.filter(applicant__isnull=False).count() == 1


def test_the_field_deconstructs_and_the_migrations_are_complete(db):
    field = EncryptedJSONField("applicant", default=dict, blank=True)
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "hikkoshi.privacy.fields.EncryptedJSONField"
    assert kwargs == {"verbose_name": "applicant", "default": dict, "blank": True}
    assert EncryptedJSONField(**kwargs).deconstruct()[3] == kwargs
    call_command("makemigrations", "moves", "privacy", "--check", "--dry-run")
    assert Move._meta.get_field("applicant").get_internal_type() == "TextField"


def test_dumpdata_writes_tokens_not_values(keys, submitted, tmp_path):
    out = tmp_path / "moves.json"
    call_command("dumpdata", "moves.move", "moves.moveprocedure", output=str(out))
    text = out.read_text(encoding="utf-8")
    assert not findings(text)
    objects = json.loads(text)
    assert objects and all(o["fields"]["applicant"].startswith("hk1:a:") for o in objects if o["model"] == "moves.move")
    field = Move._meta.get_field("applicant")
    move = next(o for o in objects if o["model"] == "moves.move")
    assert field.to_python(move["fields"]["applicant"])["name"] == APPLICANT["name"]


def test_the_data_never_shows_in_clear_in_the_raw_rows(keys, submitted):
    rows = raw("SELECT * FROM moves_move") + raw("SELECT * FROM moves_moveprocedure")
    text = "\n".join(str(value) for row in rows for value in row)
    assert submitted.public_id.hex in text.replace("-", "")  # the rows are there …
    assert findings(text) == []  # … the personal data is not
    assert MARKERS  # (the markers the fixtures use)
