"""``hikkoshi keys``: generate, rotate (every row, resumable), status."""

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
import pytest

from hikkoshi.encryption import crypto
from hikkoshi.encryption.fields import bound, decrypt_json, encrypt_json
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.notifications.models import Notification
from hikkoshi.privacy import rotation

from .conftest import APPLICANT, KEY_A, KEY_B, submit

COLUMNS = {
    "moves_move": ["applicant", "members", "household", "old_address", "new_address", "draft"],
    "moves_moveprocedure": ["values"],
}


def kids() -> dict[str, set[str]]:
    """The key ids of every stored token, by table.column, from the raw rows."""
    found = {}
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, columns in COLUMNS.items():
            for column in columns:
                cursor.execute(f"SELECT {q(column)} FROM {q(table)}")
                found[f"{table}.{column}"] = {value.split(":")[1] for (value,) in cursor.fetchall()}
    return found


def keys_command(*args) -> str:
    out = StringIO()
    call_command("keys", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_registry_finds_every_encrypted_column():
    found = {cs.table: sorted(cs.columns) for cs in rotation.encrypted_columns()}
    # (The customer's contact of a move entered by an agency or a call centre: rotated in
    # hikkoshi.assisted's tests, which make such moves.)
    expected = {
        **COLUMNS,
        "assisted_assistedmove": ["contact"],
        "delivery_notice": ["body"],
        # The organisation's words to the mover in a notification (不備あり).
        "notifications_notification": ["details"],
        # The organisations' messages to the mover (処理状況).
        "moves_procedureanswer": ["message"],
        # Hand-overs between portals (rotated like any other: a string primary key orders too).
        "federation_handoff": ["answer", "document"],
        "federation_outgoinghandoff": ["payload"],
        "federation_peer": ["credential"],
    }
    assert found == {table: sorted(columns) for table, columns in expected.items()}


def test_generate_prints_a_usable_key():
    line = keys_command("generate").strip()
    [(_kid, key)] = crypto.parse_keys(line)
    assert len(key) == 32
    assert keys_command("generate", "--kid", "2027-spring").startswith("2027-spring:")
    with pytest.raises(CommandError):
        keys_command("generate", "--kid", "no:colons")


def test_rotation_re_encrypts_every_row_and_the_old_key_can_go(keys, sapporo, mover, django_user_model):
    keys.HIKKOSHI_DATA_KEYS = KEY_A
    moves = [submit(mover) for _ in range(3)]
    draft = Move.objects.create(owner=mover, draft={"step": "people", "people": {"applicant": APPLICANT}})
    assert set().union(*kids().values()) == {"a"}

    # The new key first, the old one still there: new writes use b, rotation moves the rest.
    keys.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"
    output = keys_command("rotate", "--batch-size", "2")
    entries = MoveProcedure.objects.count()
    notifications = Notification.objects.count()  # each its ``details``, sealed for its row
    # six encrypted columns per move: applicant, members, household, both addresses, draft
    assert f"{(len(moves) + 1) * 6 + entries + notifications} values re-encrypted" in output
    assert "can be removed" in output
    assert all(found == {"b"} for found in kids().values()), kids()

    # Resumable and idempotent: a second run only reads.
    assert "0 values re-encrypted" in keys_command("rotate")

    # Without key a, every rotated row still reads …
    keys.HIKKOSHI_DATA_KEYS = KEY_B
    for move in moves:
        stored = Move.objects.get(pk=move.pk)
        assert stored.applicant["name"] == APPLICANT["name"] and stored.members[0]["name"] == "鷺沢 紬"
        assert all(isinstance(e.values, dict) for e in stored.procedures.all())
    assert Move.objects.get(pk=draft.pk).draft["people"]["applicant"] == APPLICANT


def test_rows_left_under_a_removed_key_cannot_be_read(keys, sapporo, mover):
    keys.HIKKOSHI_DATA_KEYS = KEY_A
    old = submit(mover)
    keys.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"
    new = submit(mover)
    keys.HIKKOSHI_DATA_KEYS = KEY_B  # key a removed before rotating: old's rows are lost
    assert Move.objects.get(pk=new.pk).applicant["name"] == APPLICANT["name"]
    with pytest.raises(crypto.DecryptionError):
        Move.objects.get(pk=old.pk).applicant  # noqa: B018
    # Rotation says so, names the place (never the value) and fails.
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("keys", "rotate", stdout=out, stderr=err)
    assert f"moves_move.applicant #{old.pk}: the data key 'a' is not in the keyring" in err.getvalue()
    assert "鷺沢" not in out.getvalue() + err.getvalue()


def test_a_row_written_meanwhile_is_left_alone(keys, sapporo, mover):
    keys.HIKKOSHI_DATA_KEYS = KEY_A
    move = submit(mover)
    keys.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"
    [cs] = [c for c in rotation.encrypted_columns() if c.table == "moves_move"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant, members, old_address, new_address, draft FROM moves_move WHERE id = %s", [move.pk]
        )
        read = list(cursor.fetchone())
    # The application writes the applicant after rotation read the row, before it writes.
    Move.objects.filter(pk=move.pk).update(applicant=bound(move, "applicant", {"name": "changed"}))
    report = rotation.RotationReport()
    rotation._write(cs, [(move.pk, read, [encrypt_json({"stale": True}, c) for c in cs.contexts])], report)
    assert report.changed_meanwhile == 1 and report.rotated == 0
    assert Move.objects.get(pk=move.pk).applicant == {"name": "changed"}


def test_status_counts_values_by_key(keys, sapporo, mover):
    keys.HIKKOSHI_DATA_KEYS = KEY_A
    submit(mover)
    keys.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"
    output = keys_command("status")
    assert "moves_move.applicant: a: 1" in output
    assert "not under 'b': run `hikkoshi keys rotate`" in output


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_rotation_binds_column_bound_values_to_their_rows(keys, sapporo, mover):
    """Values stored before rows were bound (``hk1``: bound to the column only) still read;
    ``keys rotate`` rewrites them bound to their rows, under the same key too; after that, a
    value copied into another row does not decrypt, and rotation reports it."""
    keys.HIKKOSHI_DATA_KEYS = KEY_A
    moves = [submit(mover) for _ in range(2)]
    # As the portal stored them before: each token bound to its table.column only.
    for move in moves:
        for column in COLUMNS["moves_move"]:
            value = decrypt_json(
                raw(f"SELECT {column} FROM moves_move WHERE id = %s", [move.pk])[0][0],
                f"moves_move.{column}",
                row=Move._meta.get_field(column).row(move),
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE moves_move SET {column} = %s WHERE id = %s",
                    [encrypt_json(value, f"moves_move.{column}"), move.pk],
                )
    legacy = raw("SELECT applicant FROM moves_move WHERE id = %s", [moves[0].pk])[0][0]
    assert legacy.startswith("hk1:a:")
    assert Move.objects.get(pk=moves[0].pk).applicant["name"] == APPLICANT["name"]  # still read
    assert "moves_move.applicant: a (column-bound): 2" in keys_command("status")
    assert "run `hikkoshi keys rotate`" in keys_command("status")

    output = keys_command("rotate")
    assert f"{2 * len(COLUMNS['moves_move'])} values re-encrypted" in output
    assert "moves_move.applicant: a: 2" in output and "Every value is under 'a'." in output
    bound_token = raw("SELECT applicant FROM moves_move WHERE id = %s", [moves[0].pk])[0][0]
    assert bound_token.startswith("hk2:a:")
    assert Move.objects.get(pk=moves[0].pk).applicant["name"] == APPLICANT["name"]

    # Now a copy into the other row fails to read, and rotation reports it (never the value).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE moves_move SET applicant = %s WHERE id = %s", [bound_token, moves[1].pk])
    with pytest.raises(crypto.DecryptionError, match="another row"):
        Move.objects.get(pk=moves[1].pk).applicant  # noqa: B018
    keys.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"
    err = StringIO()
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("keys", "rotate", stdout=StringIO(), stderr=err)
    assert f"moves_move.applicant #{moves[1].pk}: the token does not verify" in err.getvalue()
    assert "鷺沢" not in err.getvalue()
