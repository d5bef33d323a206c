"""The name search terms made again: names now fold variant kanji (異体字: 髙 → 高, 邉 → 辺,
``hikkoshi.japanese.variants``), so the terms written before do not match what a search looks
up. The same as ``hikkoshi keys rotate --rebuild``, once, on migrating."""

from importlib import import_module

from django.db import migrations


def rebuild(apps, schema_editor):
    import_module("hikkoshi.assisted.migrations.0004_index_existing_names").index_existing(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("assisted", "0005_encrypted_contact_bound_to_move")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=True)]
