"""Received applications encrypted at rest; the staff's second factor; each organisation's
retention time.

The application's and the notice's JSON and the applicant's name become text columns holding
``hk1:`` tokens (``hikkoshi.encryption``, the receiver's own data keys); every existing row is
encrypted in place, in batches, straight in SQL (a value that is a token already is left alone,
so a second run changes nothing). Backwards, the tokens are decrypted first (the keys must
still be there).
"""

import json

import django.db.models.deletion
import django.utils.timezone
import hikkoshi.encryption.fields
from django.conf import settings
from django.db import migrations, models

from hikkoshi.encryption import crypto
from hikkoshi.encryption.fields import decrypt_json, encrypt_json

# table → {column: whether its clear value is JSON text (else plain text)}
COLUMNS = {
    "receiver_application": {"data": True, "applicant_name": False},
    "receiver_notice": {"data": True},
}
BATCH = 500


def _convert(schema_editor, change):
    connection = schema_editor.connection
    q = connection.ops.quote_name
    for table, kinds in COLUMNS.items():
        columns = list(kinds)
        select = (
            f"SELECT {q('id')}, {', '.join(q(c) for c in columns)} FROM {q(table)} "
            f"WHERE {q('id')} > %s ORDER BY {q('id')} LIMIT {BATCH}"
        )
        sets = ", ".join(f"{q(c)} = %s" for c in columns)
        last = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(select, [last])
                rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            updates = []
            for pk, *values in rows:
                new = [change(v, f"{table}.{c}", kinds[c]) for c, v in zip(columns, values)]
                if new != values:
                    updates.append([*new, pk])
            if updates:
                with connection.cursor() as cursor:
                    cursor.executemany(f"UPDATE {q(table)} SET {sets} WHERE {q('id')} = %s", updates)


def _encrypt(value, context, is_json):
    if value is None or crypto.is_token(value):
        return value
    if is_json and isinstance(value, str):
        value = json.loads(value)
    return encrypt_json(value, context)


def _decrypt(value, context, is_json):
    if value is None or not crypto.is_token(value):
        return value
    clear = decrypt_json(value, context)
    return json.dumps(clear, ensure_ascii=False) if is_json else clear


def encrypt_existing(apps, schema_editor):
    _convert(schema_editor, _encrypt)


def decrypt_existing(apps, schema_editor):
    _convert(schema_editor, _decrypt)


class Migration(migrations.Migration):

    dependencies = [
        ('receiver', '0003_staff_organisations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OrganisationSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('organisation', models.SlugField(max_length=80, unique=True, verbose_name='organisation')),
                ('retention_days', models.PositiveIntegerField(default=90, verbose_name='days applications are kept')),
            ],
        ),
        migrations.AlterField(
            model_name='application',
            name='applicant_name',
            field=hikkoshi.encryption.fields.EncryptedJSONField(blank=True, default=str, verbose_name='applicant'),
        ),
        migrations.AlterField(
            model_name='application',
            name='data',
            field=hikkoshi.encryption.fields.EncryptedJSONField(verbose_name='application'),
        ),
        migrations.AlterField(
            model_name='notice',
            name='data',
            field=hikkoshi.encryption.fields.EncryptedJSONField(verbose_name='notice'),
        ),
        migrations.CreateModel(
            name='StaffSecondFactor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('secret', hikkoshi.encryption.fields.EncryptedJSONField(verbose_name='secret')),
                ('last_step', models.BigIntegerField(default=0, verbose_name='last time step used')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='set up')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='receiver_second_factor', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
