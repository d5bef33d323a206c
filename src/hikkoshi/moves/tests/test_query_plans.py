"""The hot queries over years of moves and deliveries use an index, never a scan of the table.

Checked with the database's own plan (``EXPLAIN``): on SQLite every step on moves or
deliveries must be a ``SEARCH`` or a ``SCAN … USING … INDEX``; on PostgreSQL, with sequential
scans discouraged (the tables here are tiny, where a scan is cheapest), no ``Seq Scan`` on them.
"""

from datetime import timedelta
import uuid

from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
import pytest

from hikkoshi.delivery.models import Delivery
from hikkoshi.moves.constants import EntryStatus, MoveStatus
from hikkoshi.moves.models import Move

TABLES = ("moves_move", "delivery_delivery")


def _scans(queryset) -> list[str]:
    """The plan's steps that read a whole table of moves or deliveries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
        return [line for line in plan.splitlines()
                if "Seq Scan" in line and any(f" on {t}" in line for t in TABLES)]
    plan = queryset.explain()
    return [line for line in plan.splitlines()
            if "SCAN" in line and any(t in line for t in TABLES)
            and "INDEX" not in line and "PRIMARY KEY" not in line]


def _queries():
    now = timezone.now()
    lease = timedelta(seconds=django_settings.HIKKOSHI_DELIVERY["lease"])
    cutoff = now - timedelta(days=30)
    return {
        "erasure candidates": Move.objects.filter(
            status=MoveStatus.SUBMITTED, erased_at__isnull=True, submitted_at__lt=cutoff, pk__gt=0
        ).order_by("pk").values_list("pk", flat=True)[:500],
        "abandoned drafts": Move.objects.filter(status=MoveStatus.DRAFT, updated_at__lt=cutoff),
        "delivery admin list": Delivery.objects.order_by("-created_at", "-id")[:100],
        "delivery admin, one day": Delivery.objects.filter(created_at__gte=now - timedelta(days=1))
        .order_by("-created_at", "-id")[:100],
        "attention: failed": Delivery.objects.filter(status=EntryStatus.FAILED).order_by("-created_at", "-id")[:100],
        "attention: stuck": Delivery.objects.filter(
            Q(status=EntryStatus.SENDING, sending_since__lt=now - lease)
            | Q(status__in=[EntryStatus.QUEUED, EntryStatus.RETRYING], next_attempt_at__lt=now - lease)),
        "search by reference": Delivery.objects.filter(reference="R-1"),
        "search by key": Delivery.objects.filter(idempotency_key=uuid.uuid4()),
        "move by public id": Move.objects.filter(public_id=uuid.uuid4()),
        "sweeper: sending too long": Delivery.objects.filter(status=EntryStatus.SENDING,
                                                            sending_since__lt=now - lease),
        "sweeper: overdue": Delivery.objects.filter(status__in=[EntryStatus.QUEUED, EntryStatus.RETRYING],
                                                    next_attempt_at__lt=now - lease).order_by("pk")[:500],
        "a move's deliveries": Delivery.objects.filter(entry__move_id=1),
    }


@pytest.mark.parametrize("name", sorted(_queries()))
def test_hot_queries_use_an_index(db, name):
    assert _scans(_queries()[name]) == []
