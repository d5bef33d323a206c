"""The hot queries over years of moves and deliveries, and how to tell a table scan in a plan.

Used by the test that every one of them can use an index (``moves/tests/test_query_plans.py``)
and by ``hikkoshi bench scale --moves N``, which reads their plans at N moves on PostgreSQL.
"""

from datetime import timedelta
import uuid

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

TABLES = ("moves_move", "delivery_delivery", "assisted_nameterm")


def HOT_QUERIES() -> dict:  # noqa: N802 (a constant made at call time: it reads the clock)
    from hikkoshi.assisted.names import moves_named
    from hikkoshi.delivery.models import Delivery
    from hikkoshi.moves.constants import MoveStatus, ProcedureStatus
    from hikkoshi.moves.models import Move
    from hikkoshi.privacy.services import stale_assisted_drafts

    now = timezone.now()
    lease = timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"])
    cutoff = now - timedelta(days=settings.HIKKOSHI_RETENTION_DAYS)
    return {
        "erasure candidates": Move.objects.filter(
            status=MoveStatus.SUBMITTED, erased_at__isnull=True, submitted_at__lt=cutoff, pk__gt=0
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500],
        "abandoned drafts": stale_assisted_drafts(now=now),
        "delivery admin list": Delivery.objects.order_by("-created_at", "-id")[:100],
        "delivery admin, one day": Delivery.objects.filter(created_at__gte=now - timedelta(days=1)).order_by(
            "-created_at", "-id"
        )[:100],
        "attention: failed": Delivery.objects.filter(status=ProcedureStatus.FAILED).order_by("-created_at", "-id")[
            :100
        ],
        "attention: stuck": Delivery.objects.filter(
            Q(status=ProcedureStatus.SENDING, sending_since__lt=now - lease)
            | Q(status__in=[ProcedureStatus.QUEUED, ProcedureStatus.RETRYING], next_attempt_at__lt=now - lease)
        ),
        "search by reference": Delivery.objects.filter(reference="R-1"),
        "search by key": Delivery.objects.filter(idempotency_key=uuid.uuid4()),
        "move by public id": Move.objects.filter(public_id=uuid.uuid4()),
        "sweeper: sending too long": Delivery.objects.filter(
            status=ProcedureStatus.SENDING, sending_since__lt=now - lease
        ),
        "sweeper: overdue": Delivery.objects.filter(
            status__in=[ProcedureStatus.QUEUED, ProcedureStatus.RETRYING], next_attempt_at__lt=now - lease
        ).values_list("pk", "task_id"),
        "admin search by move": Delivery.objects.filter(entry__move_id=1).values_list("pk", flat=True),
        "a move's deliveries": Delivery.objects.filter(entry__move_id=1),
        # Staff's search by a customer's name (``assisted.views._rows``): the terms, then each
        # of their moves checked against an operator's visibility conditions.
        "staff name search": moves_named(
            "山田 太郎", Move.objects.filter(assisted__kind="callcentre", assisted__centre_id__in=[1])
        )[:201],
    }


def sequential_scans(queryset, *, discourage: bool = True) -> list[str]:
    """The steps of the query's plan that read a whole table of moves or deliveries.

    On SQLite: a ``SCAN`` of the table (through an index too, unless the query stops at a
    ``LIMIT``). On PostgreSQL: a ``Seq Scan`` on
    it; with ``discourage`` sequential scans are made expensive first (for tiny test tables,
    where a scan is the cheapest plan, this asks whether an index *can* serve the query); call
    it inside a transaction then (the setting is ``SET LOCAL``)."""
    if connection.vendor == "postgresql":
        if discourage:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        return [
            line
            for line in queryset.explain().splitlines()
            if "Seq Scan" in line and any(f" on {t}" in line for t in TABLES)
        ]
    # A SCAN through an index is fine where the query stops early (LIMIT: the newest 100 of a
    # list); without a LIMIT it walks the whole index, as bad as the table.
    limited = " LIMIT " in str(queryset.query).upper()
    return [
        line
        for line in queryset.explain().splitlines()
        if "SCAN" in line
        and any(t in line for t in TABLES)
        and not (limited and ("INDEX" in line or "PRIMARY KEY" in line))
    ]
