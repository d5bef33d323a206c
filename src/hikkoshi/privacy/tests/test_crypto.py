"""Encryption at rest of the moves' personal data: the tokens in the rows, start-up without a key.

The keyring, the token and the field themselves: ``hikkoshi/tests/test_encryption.py``."""

import json
import os
import subprocess
import sys

from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
import pytest

from hikkoshi.encryption import crypto
from hikkoshi.encryption.fields import decrypt_json
from hikkoshi.moves.models import Move, MoveProcedure

from .conftest import APPLICANT, KEY_A, KEY_B, MARKERS, findings


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def raw_move(pk) -> dict:
    names = ["applicant", "members", "old_address", "new_address", "draft"]
    row = raw("SELECT applicant, members, old_address, new_address, draft FROM moves_move WHERE id = %s", [pk])[0]
    return dict(zip(names, row))


# -- start-up ------------------------------------------------------------------------------------


def _production(env_extra: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIKKOSHI_DATA_KEY")}
    env.update(
        {
            "HIKKOSHI_SECRET_KEY": "x" * 50,
            "HIKKOSHI_ALLOWED_HOSTS": "example.jp",
            "HIKKOSHI_QR_KEY": "q" * 40,
            "HIKKOSHI_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.production",
            **env_extra,
        }
    )
    code = "import django; django.setup(); from hikkoshi.encryption import crypto; print(crypto.keyring().primary)"
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
    for (token,) in raw('SELECT "values" FROM moves_moveprocedure WHERE move_id = %s', [move.pk]):
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
    for model, lookup in (
        (Move, {"applicant__name": "鷺沢 葵衣"}),
        (Move, {"applicant": APPLICANT}),
        (Move, {"members__contains": "x"}),
        (Move, {"draft__icontains": "x"}),
        (MoveProcedure, {"values__has_key": "stop_date"}),
    ):
        with pytest.raises(FieldError):
            list(model.objects.filter(**lookup))
    with pytest.raises(FieldError):
        list(Move.objects.order_by("applicant__name"))
    assert Move.objects.filter(applicant__isnull=False).count() == 1


def test_the_migrations_are_complete(db):
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
