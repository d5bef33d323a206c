"""Encrypted values bound to their rows: each field names its row key (``row_key``, the
associated data of its tokens). No SQL: ``hikkoshi keys rotate`` rewrites the stored values."""

import hikkoshi.encryption.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0005_channel_choices_from_registry'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notice',
            name='body',
            field=hikkoshi.encryption.fields.EncryptedJSONField(blank=True, default=dict, row_key='idempotency_key', verbose_name='what was sent'),
        ),
    ]
