"""Encrypted values bound to their rows: each field names its row key (``row_key``, the
associated data of its tokens). No SQL: ``hikkoshi keys rotate`` rewrites the stored values."""

import hikkoshi.encryption.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('receiver', '0004_encrypted_retention_second_factor'),
    ]

    operations = [
        migrations.AlterField(
            model_name='application',
            name='applicant_name',
            field=hikkoshi.encryption.fields.EncryptedJSONField(blank=True, default=str, row_key='reference', verbose_name='applicant'),
        ),
        migrations.AlterField(
            model_name='application',
            name='data',
            field=hikkoshi.encryption.fields.EncryptedJSONField(row_key='reference', verbose_name='application'),
        ),
        migrations.AlterField(
            model_name='notice',
            name='data',
            field=hikkoshi.encryption.fields.EncryptedJSONField(row_key='reference', verbose_name='notice'),
        ),
        migrations.AlterField(
            model_name='staffsecondfactor',
            name='secret',
            field=hikkoshi.encryption.fields.EncryptedJSONField(row_key='user', verbose_name='secret'),
        ),
    ]
