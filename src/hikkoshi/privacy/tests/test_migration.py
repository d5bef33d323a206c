"""moves 0005 on a database with data: existing JSON becomes tokens, and back."""

import json

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
import pytest

from hikkoshi.catalogue.models import ProcedureVersion
from hikkoshi.encryption.fields import decrypt_json
from hikkoshi.moves.models import Move

from .conftest import APPLICANT, MEMBER, findings

BEFORE = ("moves", "0004_alter_moveprocedure_status")
AFTER = ("moves", "0005_encrypted_personal_data")
PERSONAL = ["applicant", "members", "old_address", "new_address", "draft"]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if isinstance(target, tuple) else target)
    return executor


def raw_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, applicant, members, old_address, new_address, draft FROM moves_move ORDER BY id")
        moves = cursor.fetchall()
        cursor.execute('SELECT id, "values" FROM moves_moveprocedure ORDER BY id')
        entries = cursor.fetchall()
    return moves, entries


def as_text(value):
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_encrypted_and_decrypted_back(keys, sapporo, mover):
    old_state = migrate(BEFORE).loader.project_state(BEFORE).apps
    OldMove = old_state.get_model("moves", "Move")
    OldEntry = old_state.get_model("moves", "MoveProcedure")
    version = ProcedureVersion.objects.first()
    data = [
        {
            "applicant": APPLICANT,
            "members": [MEMBER],
            "old_address": {"postcode": "0600042", "address": "大通西3丁目"},
            "new_address": {"building": "メゾン秘密坂 909"},
            "draft": {},
        },
        {
            "applicant": {},
            "members": [],
            "old_address": {},
            "new_address": {},
            "draft": {"step": "people", "people": {"applicant": APPLICANT}},
        },
    ]
    made = [OldMove.objects.create(owner_id=mover.pk, status="submitted", **fields) for fields in data]
    OldEntry.objects.create(move=made[0], version_id=version.pk, values={"billing_number": "1234 5678 9012"})
    moves, _entries = raw_rows()
    assert findings(" ".join(as_text(v) for row in moves for v in row[1:]))  # clear JSON before

    try:
        migrate(AFTER)
        moves, entries = raw_rows()
        for (_pk, *values), expected in zip(moves, data):
            assert all(v.startswith("hk1:a:") for v in values)
            assert {c: decrypt_json(v, f"moves_move.{c}") for c, v in zip(PERSONAL, values)} == expected
        assert not findings(" ".join(v for row in moves for v in row[1:]))
        assert decrypt_json(entries[0][1], "moves_moveprocedure.values") == {"billing_number": "1234 5678 9012"}
        # The models of today read them (only these columns: later migrations add others).
        assert Move.objects.only("applicant").get(pk=made[0].pk).applicant == APPLICANT
        assert Move.objects.only("draft").get(pk=made[1].pk).draft["people"]["applicant"] == APPLICANT

        migrate(BEFORE)  # backwards: JSON again, the same values
        moves, entries = raw_rows()
        for (_pk, *values), expected in zip(moves, data):
            loaded = [json.loads(v) if isinstance(v, str) else v for v in values]
            assert dict(zip(PERSONAL, loaded)) == expected
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
