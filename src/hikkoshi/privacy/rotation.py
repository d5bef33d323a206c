"""Re-encryption with the current data key (鍵の更新): ``hikkoshi keys rotate`` and ``status``.

Every column of every model with an ``EncryptedJSONField`` is read in batches of rows by primary
key, straight from the database (the tokens, not the values, with the row keys they are bound to).
A token under another key than the first of the keyring, or bound to its column only (``hk1``,
stored before values were bound to their rows), is decrypted and encrypted again with the first
key, bound to its row (``encryption.fields``); a token copied from another row does not decrypt
and is reported like any other that fails. The batch's changes
are written in one short transaction, each row only if its tokens are still the ones read
(a row the application changed meanwhile is left alone — it was just written with the current
key, or the next run takes it). Nothing else about a row changes (``updated_at`` neither).
Rotation is resumable: stop it any time and run it again; rows already under the first key are
only read.

Then the blind index of customers' names (``hikkoshi.assisted.names``), whose terms are digests
under a key derived from a data key, is rebuilt for every move with a term under another key
(``rebuild_index=True``: for every move entered for a customer).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Field

from hikkoshi.assisted import names
from hikkoshi.assisted.models import NameTerm
from hikkoshi.encryption import crypto
from hikkoshi.encryption.fields import EncryptedJSONField


@dataclass
class ColumnSet:
    model: type
    table: str
    pk: str
    columns: list[str]  # database column names
    contexts: list[str]
    fields: list[EncryptedJSONField]
    keys: list[str]  # the columns of the row keys of the fields (each once)


@dataclass
class RotationReport:
    rows: int = 0  # rows read
    rotated: int = 0  # values re-encrypted
    current: int = 0  # values already under the first key
    changed_meanwhile: int = 0  # rows left alone because the application wrote them meanwhile
    failed: list[str] = field(default_factory=list)  # "table.column #pk: why" (never a value)
    reindexed: int = 0  # moves whose name search terms were written again


def encrypted_columns() -> list[ColumnSet]:
    """Every table with encrypted columns, with them."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedJSONField)]
        if fields and model._meta.managed and not model._meta.proxy:
            keys = list(dict.fromkeys(_column(k) for f in fields for k in f.row_key_fields))
            found.append(
                ColumnSet(
                    model,
                    model._meta.db_table,
                    _column(model._meta.pk),
                    [_column(f) for f in fields],
                    [f.context for f in fields],
                    fields,
                    keys,
                )
            )
    return found


def _column(model_field: Field[Any, Any]) -> str:
    """A concrete field's column: it always has one (only an abstract model's fields have None)."""
    if model_field.column is None:
        raise LookupError(f"{model_field} has no column")
    return model_field.column


def key_counts() -> dict[str, Counter]:
    """For each ``table.column``, how many values there are under each key id."""
    counts: dict[str, Counter] = {}
    q = connection.ops.quote_name
    for cs in encrypted_columns():
        for column, context in zip(cs.columns, cs.contexts):
            counter = counts.setdefault(context, Counter())
            with connection.cursor() as cursor:
                # The key id is the text between the first two colons (at most 45 characters
                # in); counted in Python so the SQL stays the same on every database.
                cursor.execute(f"SELECT SUBSTR({q(column)}, 1, 48) FROM {q(cs.table)}")
                while rows := cursor.fetchmany(5000):
                    for (value,) in rows:
                        if value is None:
                            counter["(null)"] += 1
                        elif crypto.is_token(value):
                            kid = value.split(":", 2)[1]
                            counter[kid if crypto.is_row_bound(value) else f"{kid} (column-bound)"] += 1
                        else:
                            counter["(not encrypted)"] += 1
    from .mfa import key_counts as mfa_key_counts

    mfa_key_counts(counts)
    counts[f"{NameTerm._meta.db_table} (name search terms)"] = Counter(names.term_counts())
    return counts


def rotate(*, batch_size: int = 500, progress=None, rebuild_index: bool = False) -> RotationReport:
    """Re-encrypt every value that is not under the first key of the keyring, then rebuild the
    name search terms made under another key (``rebuild_index``: every move's)."""
    ring = crypto.keyring()
    report = RotationReport()
    q = connection.ops.quote_name
    for cs in encrypted_columns():
        n = len(cs.keys)
        select = f"SELECT {q(cs.pk)}, {', '.join(q(c) for c in cs.keys + cs.columns)} FROM {q(cs.table)}"
        order = f"ORDER BY {q(cs.pk)} LIMIT {int(batch_size)}"
        last = None
        while True:
            with connection.cursor() as cursor:
                if last is None:
                    cursor.execute(f"{select} {order}")
                else:
                    cursor.execute(f"{select} WHERE {q(cs.pk)} > %s {order}", [last])
                rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            report.rows += len(rows)
            updates = []
            for pk, *values in rows:
                key_values, tokens = dict(zip(cs.keys, values[:n])), values[n:]
                new_tokens = list(tokens)
                for i, (token, efield) in enumerate(zip(tokens, cs.fields)):
                    if token is None:
                        continue
                    context = efield.context
                    try:
                        if crypto.token_kid(token) == ring.primary and crypto.is_row_bound(token):
                            report.current += 1
                            continue
                        row = efield.row_of([key_values[_column(k)] for k in efield.row_key_fields])
                        new_tokens[i] = ring.encrypt(ring.decrypt(token, context, row), context, row)
                    except crypto.DecryptionError as exc:
                        report.failed.append(f"{context} #{pk}: {_reason(exc)}")
                if new_tokens != list(tokens):
                    updates.append((pk, tokens, new_tokens))
            if updates:
                _write(cs, updates, report)
            if progress:
                progress(cs.table, report)
    from .mfa import rotate_authenticators

    rotate_authenticators(report)  # staff members' second-factor secrets (allauth's table)
    if progress:
        progress("mfa_authenticator", report)
    report.reindexed = names.rebuild(everything=rebuild_index, batch_size=batch_size)
    if progress:
        progress(NameTerm._meta.db_table, report)
    return report


def _reason(exc: crypto.DecryptionError) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text


def _write(cs: ColumnSet, updates, report: RotationReport) -> None:
    q = connection.ops.quote_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            for pk, old, new in updates:
                changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
                sets = ", ".join(f"{q(cs.columns[i])} = %s" for i in changed)
                same = " AND ".join(f"{q(cs.columns[i])} = %s" for i in changed)
                cursor.execute(
                    f"UPDATE {q(cs.table)} SET {sets} WHERE {q(cs.pk)} = %s AND {same}",
                    [new[i] for i in changed] + [pk] + [old[i] for i in changed],
                )
                if cursor.rowcount == 1:
                    report.rotated += len(changed)
                else:
                    report.changed_meanwhile += 1
