"""``ApiToken`` moves from ``moves`` to ``accounts`` with its rows (issue 10).

First the model state only (the table ``moves_apitoken`` is already there), then a real rename
of the table to ``accounts_apitoken``: no row is copied, so none is lost, and the tokens in use
go on working. The content type follows (app label ``moves`` → ``accounts``), so permissions
and admin log entries that name it follow too. ``moves`` 0014 drops the model from its state.
"""

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion


def content_type_follows(apps, schema_editor, old="moves", new="accounts"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="apitoken").exists():
        ContentType.objects.using(db).filter(app_label=old, model="apitoken").update(app_label=new)


def content_type_back(apps, schema_editor):
    content_type_follows(apps, schema_editor, old="accounts", new="moves")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("moves", "0013_visit_on"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("name", models.CharField(blank=True, max_length=100, verbose_name="name")),
                        ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                        ("prefix", models.CharField(editable=False, max_length=12)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("second_factor", models.BooleanField(default=False, editable=False,
                                                              verbose_name="made after a second factor")),
                        ("expires_at", models.DateTimeField(blank=True, null=True, verbose_name="expires at")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="api_tokens", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "API token",
                        "verbose_name_plural": "API tokens",
                        "db_table": "moves_apitoken",
                    },
                ),
            ],
            database_operations=[],
        ),
        # Renames the table (ALTER TABLE … RENAME TO on SQLite and PostgreSQL).
        migrations.AlterModelTable(name="apitoken", table=None),
        migrations.RunPython(content_type_follows, content_type_back),
    ]
