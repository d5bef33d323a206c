"""A dump of the whole database never shows a name in clear text."""

from django.db import connection
import pytest

from hikkoshi.moves.models import Move

from .conftest import APPLICANT, dump_database, findings, submit


def _dump_shows_no_personal_data(method, mover):
    move = submit(mover)
    Move.objects.create(owner=mover, draft={"step": "details", "people": {"applicant": APPLICANT}})
    dump = dump_database(method)
    assert move.public_id.hex in dump.replace("-", "")  # the moves are in the dump …
    assert "hk2:a:" in dump
    assert findings(dump) == []  # … their personal data is not
    # The dump would show it if it were there (a clear column holding a name).
    Move.objects.filter(pk=move.pk).update(idempotency_key=APPLICANT["name"])
    assert "鷺沢" in findings(dump_database(method))


@pytest.mark.django_db(transaction=True)  # pg_dump is another process: it sees committed rows only
def test_a_database_dump_shows_no_name(keys, sapporo, mover):
    _dump_shows_no_personal_data("auto", mover)  # SQLite: iterdump(); PostgreSQL: pg_dump


@pytest.mark.django_db(transaction=True)
def test_a_copy_of_every_table_shows_no_name(keys, sapporo, mover):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's (SQLite's dump is iterdump, tested above)")
    _dump_shows_no_personal_data("copy", mover)
