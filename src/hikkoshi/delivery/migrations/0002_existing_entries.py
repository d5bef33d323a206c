"""Moves submitted before the outbox existed get their deliveries; the sweeper sends them."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    MoveProcedure = apps.get_model("moves", "MoveProcedure")
    Delivery = apps.get_model("delivery", "Delivery")
    now = timezone.now()
    MoveProcedure.objects.filter(status="submitted").update(status="queued")
    missing = MoveProcedure.objects.filter(move__status="submitted", delivery__isnull=True).select_related("version")
    rows = []
    for entry in missing:
        channel = (entry.version.definition or {}).get("channel", "window")
        window = channel == "window"
        rows.append(Delivery(entry=entry, channel=channel, status="in_person" if window else "queued",
                             next_attempt_at=None if window else now, retry_from=now))
    Delivery.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_initial"),
        ("moves", "0004_alter_moveprocedure_status"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
