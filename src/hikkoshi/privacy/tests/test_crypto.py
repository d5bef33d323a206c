"""Encryption at rest of the moves' personal data: the tokens in the rows, start-up without a key.

The keyring, the token and the field themselves: ``hikkoshi/tests/test_encryption.py``."""

import json
import os
import subprocess
import sys

from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection, transaction
import pytest

from hikkoshi.encryption import crypto
from hikkoshi.encryption.fields import Sealed, bound, decrypt_json, encrypt_json, update_rows
from hikkoshi.moves.models import Move, MoveProcedure

from .conftest import APPLICANT, KEY_A, KEY_B, MARKERS, findings, submit


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


def row_of(move) -> str:
    """The row a move's values are bound to (``Move``'s ``row_key``: its public id)."""
    row = Move._meta.get_field("applicant").row(move)
    assert row is not None
    return row


def test_moves_store_tokens_and_read_values(keys, submitted):
    move = Move.objects.get(pk=submitted.pk)
    assert move.applicant["name"] == APPLICANT["name"] and move.members[0]["name"] == "鷺沢 紬"
    stored = raw_move(move.pk)
    assert row_of(move) == f'["{move.public_id}"]'
    for column, token in stored.items():
        assert token.startswith("hk2:a:"), column  # bound to the row
        assert not findings(token)
    # Empty values are encrypted too: a submitted move's draft is {}.
    assert decrypt_json(stored["draft"], "moves_move.draft", row=row_of(move)) == {}
    for (token,) in raw('SELECT "values" FROM moves_moveprocedure WHERE move_id = %s', [move.pk]):
        assert token.startswith("hk2:a:")
    # values() and values_list() give the tokens sealed (no row there); instances and
    # refresh_from_db() decrypt.
    [sealed] = Move.objects.filter(pk=move.pk).values_list("applicant", flat=True)
    assert isinstance(sealed, Sealed) and sealed.token == stored["applicant"] and "鷺沢" not in repr(sealed)
    assert Move.objects.only("applicant").get(pk=move.pk).applicant["email"] == APPLICANT["email"]
    entry = MoveProcedure.objects.filter(move=move).first()
    entry.refresh_from_db()
    assert isinstance(entry.values, dict)


def test_a_token_copied_into_another_row_column_or_table_is_refused(keys, sapporo, mover):
    first, second = submit(mover), submit(mover)
    applicant = raw_move(first.pk)["applicant"]
    # Another row, the same column: the other move's applicant does not decrypt there.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE moves_move SET applicant = %s WHERE id = %s", [applicant, second.pk])
    copied = Move.objects.get(pk=second.pk)
    with pytest.raises(crypto.DecryptionError, match=r"moves_move\.applicant.*copied from another row"):
        copied.applicant  # noqa: B018 (reading it is the test)
    assert Move.objects.get(pk=first.pk).applicant["name"] == APPLICANT["name"]  # where it belongs, it reads
    # Another column of the same row.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE moves_move SET members = %s WHERE id = %s", [applicant, first.pk])
    with pytest.raises(crypto.DecryptionError, match=r"moves_move\.members"):
        Move.objects.get(pk=first.pk).members  # noqa: B018
    # Another table; and between two procedures of one move.
    entries = list(MoveProcedure.objects.filter(move_id=first.pk).order_by("pk"))
    values = raw('SELECT "values" FROM moves_moveprocedure WHERE id = %s', [entries[0].pk])[0][0]
    with connection.cursor() as cursor:
        cursor.execute('UPDATE moves_moveprocedure SET "values" = %s WHERE id = %s', [applicant, entries[0].pk])
        cursor.execute('UPDATE moves_moveprocedure SET "values" = %s WHERE id = %s', [values, entries[1].pk])
    for entry in MoveProcedure.objects.filter(pk__in=[entries[0].pk, entries[1].pk]):
        with pytest.raises(crypto.DecryptionError, match=r"moves_moveprocedure\.values"):
            entry.values  # noqa: B018


def test_a_legacy_column_bound_token_is_read_and_upgraded_by_a_save(keys, submitted):
    legacy = encrypt_json({"name": "旧い値"}, "moves_move.applicant")  # as stored before rows were bound
    assert legacy.startswith("hk1:a:")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE moves_move SET applicant = %s WHERE id = %s", [legacy, submitted.pk])
    move = Move.objects.get(pk=submitted.pk)
    assert move.applicant == {"name": "旧い値"}
    move.save(update_fields=["status"])  # not written: still column-bound
    assert raw_move(move.pk)["applicant"] == legacy
    Move.objects.get(pk=submitted.pk).save()  # written (not even opened): bound to its row now
    assert raw_move(move.pk)["applicant"].startswith("hk2:a:")
    assert Move.objects.get(pk=submitted.pk).applicant == {"name": "旧い値"}


def test_update_takes_only_values_sealed_for_the_row(keys, submitted, sapporo, mover):
    other = submit(mover)
    field = Move._meta.get_field("applicant")
    with pytest.raises(ValueError, match="sealed for its row"), transaction.atomic():
        Move.objects.filter(pk=submitted.pk).update(applicant={"name": "x"})
    Move.objects.filter(pk=submitted.pk).update(applicant=bound(submitted, "applicant", {"name": "更新"}))
    assert Move.objects.get(pk=submitted.pk).applicant == {"name": "更新"}
    # The default holds nothing secret: written without a row, column-bound (keys rotate binds it).
    Move.objects.filter(pk=other.pk).update(draft={})
    assert raw_move(other.pk)["draft"].startswith("hk1:a:") and Move.objects.get(pk=other.pk).draft == {}
    # update_rows(): each row its own token.
    assert update_rows(Move.objects.filter(pk__in=[submitted.pk, other.pk]), members=[{"name": "同じ"}]) == 2
    tokens = {raw_move(m.pk)["members"] for m in (submitted, other)}
    assert len(tokens) == 2 and all(t.startswith("hk2:a:") for t in tokens)
    assert all(m.members == [{"name": "同じ"}] for m in Move.objects.filter(pk__in=[submitted.pk, other.pk]))
    assert field.get_prep_value(None) is None


def test_reading_with_a_wrong_key_fails_loudly(keys, submitted):
    keys.HIKKOSHI_DATA_KEYS = KEY_B  # key a is gone
    with pytest.raises(crypto.DecryptionError):
        Move.objects.get(pk=submitted.pk).applicant  # noqa: B018
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
    assert objects and all(o["fields"]["applicant"].startswith("hk2:a:") for o in objects if o["model"] == "moves.move")
    # loaddata writes the tokens back as they are: bound to the same rows, they read.
    Move.objects.all().delete()
    call_command("loaddata", str(out), verbosity=0)
    assert Move.objects.get(pk=submitted.pk).applicant["name"] == APPLICANT["name"]
    assert all(isinstance(e.values, dict) for e in MoveProcedure.objects.filter(move_id=submitted.pk))


def test_the_data_never_shows_in_clear_in_the_raw_rows(keys, submitted):
    rows = raw("SELECT * FROM moves_move") + raw("SELECT * FROM moves_moveprocedure")
    text = "\n".join(str(value) for row in rows for value in row)
    assert submitted.public_id.hex in text.replace("-", "")  # the rows are there …
    assert findings(text) == []  # … the personal data is not
    assert MARKERS  # (the markers the fixtures use)
