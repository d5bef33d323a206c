"""Encrypted values bound to their rows: each field names its row key (``row_key``, the
associated data of its tokens). No SQL: ``hikkoshi keys rotate`` rewrites the stored values."""

import hikkoshi.encryption.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0004_peer_credential_live_answers'),
    ]

    operations = [
        migrations.AlterField(
            model_name='outgoinghandoff',
            name='payload',
            field=hikkoshi.encryption.fields.EncryptedJSONField(default=dict, row_key='idempotency_key'),
        ),
    ]
