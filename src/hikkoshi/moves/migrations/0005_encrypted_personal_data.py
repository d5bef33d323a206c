"""Personal fields encrypted at rest (hikkoshi.privacy), and ``Move.erased_at``.

Each personal JSON column becomes a text column (PostgreSQL: ``jsonb`` → ``text`` keeps the JSON
text; SQLite: the table is rebuilt without the JSON check), then every existing value is read
as JSON and written back as an ``hk1:`` token with the current data key, in batches. Values
that are tokens already are left alone, so a second run changes nothing. Backwards, the tokens
are decrypted to JSON text first (the keys must still be there), then the columns are JSON again.
"""

import json

from django.db import migrations, models

import hikkoshi.encryption.fields
from hikkoshi.encryption import crypto
from hikkoshi.encryption.fields import decrypt_json, encrypt_json

COLUMNS = {
    "moves_move": ["applicant", "members", "old_address", "new_address", "draft"],
    "moves_moveprocedure": ["values"],
}
BATCH = 500


def _convert(schema_editor, change):
    connection = schema_editor.connection
    q = connection.ops.quote_name
    for table, columns in COLUMNS.items():
        select = (f"SELECT {q('id')}, {', '.join(q(c) for c in columns)} FROM {q(table)} "
                  f"WHERE {q('id')} > %s ORDER BY {q('id')}")
        last = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(select + f" LIMIT {BATCH}", [last])
                rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            updates = {}  # the columns changed → [(new values…, pk)]
            for row in rows:
                pk, values = row[0], row[1:]
                new = [change(value, f"{table}.{column}") for column, value in zip(columns, values)]
                changed = tuple(i for i, (value, old) in enumerate(zip(new, values)) if value != old)
                if changed:
                    updates.setdefault(changed, []).append([new[i] for i in changed] + [pk])
            with connection.cursor() as cursor:
                for changed, params in updates.items():
                    sets = ", ".join(f"{q(columns[i])} = %s" for i in changed)
                    cursor.executemany(f"UPDATE {q(table)} SET {sets} WHERE {q('id')} = %s", params)


def _encrypt(value, context):
    if value is None or crypto.is_token(value):
        return value
    if not isinstance(value, str):  # a driver that hands JSON over already parsed
        return encrypt_json(value, context)
    return encrypt_json(json.loads(value), context)


def _decrypt(value, context):
    if value is None or not crypto.is_token(value):
        return value
    return json.dumps(decrypt_json(value, context), ensure_ascii=False)


def encrypt_existing(apps, schema_editor):
    _convert(schema_editor, _encrypt)


def decrypt_existing(apps, schema_editor):
    _convert(schema_editor, _decrypt)


class Migration(migrations.Migration):

    dependencies = [
        ('moves', '0004_alter_moveprocedure_status'),
    ]

    operations = [
        migrations.AddField(
            model_name='move',
            name='erased_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='personal data erased'),
        ),
        migrations.AlterField(
            model_name='move',
            name='applicant',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=dict, verbose_name='applicant'),
        ),
        migrations.AlterField(
            model_name='move',
            name='draft',
            field=hikkoshi.encryption.fields.EncryptedJSONField(blank=True, default=dict, verbose_name='draft'),
        ),
        migrations.AlterField(
            model_name='move',
            name='members',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=list, verbose_name='household members'),
        ),
        migrations.AlterField(
            model_name='move',
            name='new_address',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=dict, verbose_name='new address'),
        ),
        migrations.AlterField(
            model_name='move',
            name='old_address',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=dict, verbose_name='old address'),
        ),
        migrations.AlterField(
            model_name='moveprocedure',
            name='values',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=dict, verbose_name='values'),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
