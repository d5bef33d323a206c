"""Fixtures of the privacy tests: keys, a submitted move full of recognisable personal data,
and a look at every table and at a dump of the database."""

import base64
import json
import os
import shutil
import subprocess

from django.db import connection
import pytest

from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.encryption import crypto
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import mover, sapporo_relocation  # noqa: F401


def key_line(kid: str, fill: int) -> str:
    return f"{kid}:{base64.b64encode(bytes([fill]) * 32).decode()}"


KEY_A = key_line("a", 1)
KEY_B = key_line("b", 2)

# Personal data nobody else in the test database has (not in the directory, the catalogue,
# the account): none of it may ever be found in clear text.
APPLICANT = {
    "name": "鷺沢 葵衣",
    "name_kana": "さぎさわ あおい",
    "birth_date": "1983-02-14",
    "phone": "090-8765-4321",
    "email": "aoi.sagisawa@example.net",
}
MEMBER = {"name": "鷺沢 紬", "name_kana": "サギサワ ツムギ", "birth_date": "2011-09-30", "relationship": "子"}
TO = {"postcode": "001-0024", "address": "札幌市北区北24条西7丁目3-15", "building": "メゾン秘密坂 909"}
MARKERS = [
    "鷺沢",
    "葵衣",
    "サギサワ",
    "アオイ",
    "ツムギ",
    "8765-4321",
    "87654321",
    "aoi.sagisawa",
    "1983-02-14",
    "19830214",
    "2011-09-30",
    "西7丁目3-15",
    "メゾン秘密坂",
]


@pytest.fixture
def keys(settings):
    """Two known keys, ``a`` encrypting."""
    settings.HIKKOSHI_DATA_KEYS = f"{KEY_A},{KEY_B}"
    yield settings
    crypto.reset()


def submit(owner, **overrides):
    payload = sapporo_relocation(applicant=dict(APPLICANT), members=[dict(MEMBER)], to=dict(TO))
    payload.update(overrides)
    return move_submit(owner=owner, payload=payload)


@pytest.fixture
def submitted(sapporo, mover):
    """A submitted 中央区 → 北区 move of the 鷺沢 household."""
    return submit(mover)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def findings(text: str, markers=MARKERS) -> list[str]:
    """The markers found in ``text``, as typed or as JSON escapes them (\\u9dfa…)."""
    found = []
    for marker in markers:
        escaped = json.dumps(marker)[1:-1]
        if marker in text or escaped in text or escaped.lower() in text:
            found.append(marker)
    return found


def scan_tables(markers=MARKERS) -> list[tuple[str, str, str]]:
    """(table, column, marker) for every value of every table holding a marker."""
    hits: list = []
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {q(table)}")
            names = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                for name, value in zip(names, row):
                    hits.extend((table, name, m) for m in findings(_text(value), markers))
    return hits


def dump_database(method: str = "auto") -> str:
    """The whole database as text: SQLite's ``iterdump()``; PostgreSQL's ``pg_dump`` (when the
    program is there, or ``method="copy"``: a COPY of every table)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    if method == "auto" and shutil.which("pg_dump"):
        s = connection.settings_dict
        env = dict(os.environ)
        if s.get("PASSWORD"):
            env["PGPASSWORD"] = s["PASSWORD"]
        args = ["pg_dump", "--no-owner", "-d", s["NAME"]]
        for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
            if s.get(key):
                args += [flag, str(s[key])]
        done = subprocess.run(args, env=env, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout.decode("utf-8")
    out: list = []
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            with cursor.cursor.copy(f"COPY {q(table)} TO STDOUT") as copy:
                out.extend(bytes(chunk).decode("utf-8") for chunk in copy)
    return "".join(out)
