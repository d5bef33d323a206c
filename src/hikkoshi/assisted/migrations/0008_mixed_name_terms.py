"""The name search terms made again: a name with a reading is now also found half written, half
read (``鈴木 いちろう``: ``hikkoshi.japanese.mixed_terms``), and a customer's contact may carry a
reading. The same as ``hikkoshi keys rotate --rebuild``, once, on migrating."""

from importlib import import_module

from django.db import migrations


def rebuild(apps, schema_editor):
    import_module("hikkoshi.assisted.migrations.0004_index_existing_names").index_existing(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("assisted", "0007_callcentre_phone")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=True)]
