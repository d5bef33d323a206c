"""Encrypted values bound to their rows: each field names its row key (``row_key``, the
associated data of its tokens). No SQL: ``hikkoshi keys rotate`` rewrites the stored values."""

import hikkoshi.encryption.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('moves', '0015_procedures_related_name'),
    ]

    operations = [
        migrations.AlterField(
            model_name='move',
            name='applicant',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=dict, row_key='public_id', verbose_name='applicant'),
        ),
        migrations.AlterField(
            model_name='move',
            name='draft',
            field=hikkoshi.encryption.fields.EncryptedJSONField(blank=True, default=dict, row_key='public_id', verbose_name='draft'),
        ),
        migrations.AlterField(
            model_name='move',
            name='household',
            field=hikkoshi.encryption.fields.EncryptedJSONField(blank=True, default=dict, row_key='public_id', verbose_name='household'),
        ),
        migrations.AlterField(
            model_name='move',
            name='members',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=list, row_key='public_id', verbose_name='household members'),
        ),
        migrations.AlterField(
            model_name='move',
            name='new_address',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=dict, row_key='public_id', verbose_name='new address'),
        ),
        migrations.AlterField(
            model_name='move',
            name='old_address',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=dict, row_key='public_id', verbose_name='old address'),
        ),
        migrations.AlterField(
            model_name='moveprocedure',
            name='values',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=dict, row_key=('move', 'version'), verbose_name='values'),
        ),
    ]
