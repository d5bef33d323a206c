"""The reverse relations of ``MoveProcedure`` are called ``procedures`` (were ``entries``) on
``Move`` and ``ProcedureVersion``: the model state only, no SQL on any database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0004_channel_choices_from_registry'),
        ('moves', '0014_api_token_to_accounts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='moveprocedure',
            name='move',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='procedures', to='moves.move'),
        ),
        migrations.AlterField(
            model_name='moveprocedure',
            name='version',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='procedures', to='catalogue.procedureversion'),
        ),
    ]
