"""Encrypted values bound to their rows: each field names its row key (``row_key``, the
associated data of its tokens). No SQL: ``hikkoshi keys rotate`` rewrites the stored values."""

import hikkoshi.encryption.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('assisted', '0004_index_existing_names'),
    ]

    operations = [
        migrations.AlterField(
            model_name='assistedmove',
            name='contact',
            field=hikkoshi.encryption.fields.EncryptedJSONField(blank=True, default=dict, row_key='move', verbose_name="customer's contact"),
        ),
    ]
