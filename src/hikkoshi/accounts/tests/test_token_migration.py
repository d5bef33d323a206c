"""Issue 10: ``ApiToken`` moved from ``moves`` to ``accounts`` (accounts 0001, moves 0014) on a
database holding tokens: every row is kept, the table is renamed, the tokens go on working, and
back again."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
import pytest

from hikkoshi.accounts.models import ApiToken
from hikkoshi.encryption.digests import token_digest

BEFORE = [("moves", "0013_visit_on"), ("accounts", None)]
MISSING_MOVE = "/api/v1/moves/7d4d0a4e-4f2a-4a57-9a55-2b0b6d3f6a11"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def migrate_to_the_end():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def tables() -> set[str]:
    return set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True)
def test_tokens_move_to_accounts_with_their_rows_and_back(mover):
    old_apps = migrate(BEFORE).loader.project_state(BEFORE[0]).apps
    try:
        assert "moves_apitoken" in tables() and "accounts_apitoken" not in tables()
        OldToken = old_apps.get_model("moves", "ApiToken")
        ContentType.objects.filter(app_label="accounts", model="apitoken").delete()
        ContentType.objects.get_or_create(app_label="moves", model="apitoken")
        secret = "hks_" + "a" * 43
        made = OldToken.objects.create(
            user_id=mover.pk, name="crm", digest=token_digest(secret), prefix=secret[:10], second_factor=False
        )
        OldToken.objects.create(user_id=mover.pk, name="old", digest=token_digest("hks_other"), prefix="hks_other")

        migrate_to_the_end()
        assert "accounts_apitoken" in tables() and "moves_apitoken" not in tables()
        token = ApiToken.objects.get(pk=made.pk)
        assert (token.user_id, token.name, token.digest) == (mover.pk, "crm", token_digest(secret))
        assert ApiToken.objects.count() == 2
        assert ApiToken.find(secret) == token
        assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(MISSING_MOVE).status_code == 404  # accepted
        assert ContentType.objects.filter(app_label="accounts", model="apitoken").exists()  # it followed
        assert not ContentType.objects.filter(app_label="moves", model="apitoken").exists()
        ApiToken.objects.create(user=mover, name="new", digest=token_digest("hks_new"), prefix="hks_new")

        migrate(BEFORE)  # and back: the rows are in moves_apitoken again
        assert "moves_apitoken" in tables() and "accounts_apitoken" not in tables()
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM moves_apitoken ORDER BY id")
            assert [row[0] for row in cursor.fetchall()] == ["crm", "old", "new"]
    finally:
        migrate_to_the_end()
        ContentType.objects.clear_cache()
