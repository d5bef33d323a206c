"""``ApiToken`` now belongs to ``accounts`` (its migration 0001 took the table and its rows):
dropped from this app's state only, nothing happens to the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("moves", "0013_visit_on"),
        ("accounts", "0001_api_token_from_moves"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")],
            database_operations=[],
        ),
    ]
