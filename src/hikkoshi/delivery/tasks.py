"""The outbox's task on Django's task framework (``django.tasks``, database backend).

The task carries only the delivery's id; everything else is read when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
import logging
from typing import Any

from django.db import connections, models, router, transaction
from django.tasks import Task, TaskResult, task
from django.utils import timezone

from .sqlnames import quoted

QUEUE = "delivery"

logger = logging.getLogger(__name__)


def queue(job: Task[Any, Any], *args: Any, run_after: datetime | None = None) -> TaskResult[Any, Any]:
    """Enqueue ``job`` on the workers' queue, not before ``run_after`` (now if None).

    A task is always given its time: one without is stored with the task library's far date
    (the year 9999) and, in the workers' order (due time first), sorts after every task waiting
    for its day (retries in back-off, the movers' reminders), which each claim then walks past."""
    return job.using(run_after=run_after or timezone.now()).enqueue(*args)


def queue_row(job: Task[Any, Any], model: type[models.Model], pk: int, *, run_after: datetime | None = None) -> None:
    """Enqueue ``job`` for one row of ``model`` (a delivery, a notice, a notification), its
    ``task_id`` noted for the sweeper."""
    result = queue(job, pk, run_after=run_after)
    model._default_manager.filter(pk=pk).update(task_id=str(result.id))


def queue_each[R: models.Model](
    job: Task[Any, Any], rows: Sequence[R], *, run_after: Callable[[R], datetime | None] | None = None
) -> list[R]:
    """Enqueue ``job`` for each row (with its pk), each row's ``task_id`` noted for the sweeper
    in one statement; the rows queued. One that cannot be queued is logged and left without a
    task id (the sweeper queues it once its time has passed), and the others still are: all of
    them in one commit hook, one failure would have left the rest unqueued and untold."""
    queued = []
    for row in rows:
        try:
            task_id = str(queue(job, row.pk, run_after=run_after(row) if run_after else None).id)
        except Exception as exc:
            logger.error("task_enqueue_failed task=%s row=%s error=%s", job.name, row.pk, type(exc).__name__)
            continue
        row.task_id = task_id  # type: ignore[attr-defined]  # every queued model has one
        queued.append(row)
    if queued:
        model = type(queued[0])
        alias = router.db_for_write(model)
        # One transaction (in a commit hook the connection is in autocommit: SQLite would commit
        # each row's statement on its own, and a worker could take the database in between).
        with transaction.atomic(using=alias, savepoint=False), connections[alias].cursor() as cursor:
            cursor.executemany(_set_task_id(model, alias), [(row.task_id, row.pk) for row in queued])  # type: ignore[attr-defined]
    return queued


@cache
def _set_task_id(model: type[models.Model], alias: str) -> str:
    """The statement that notes a row's task id, written out: run once per row, as one batch
    (``executemany``), for every submission's deliveries and notifications, where the ORM's
    ``bulk_update`` (a ``CASE`` per row) took longer to build than to run. Names from the model,
    values bound."""
    table, task_id, pk = quoted(model, alias, "task_id", "pk")
    return f"UPDATE {table} SET {task_id} = %s WHERE {pk} = %s"  # noqa: S608 (the model's names)


@task(queue_name=QUEUE)
def deliver_task(delivery_id: int) -> str:
    from .services import deliver

    return deliver(delivery_id)


@task(queue_name=QUEUE)
def notice_task(notice_id: int) -> str:
    """A withdrawal or correction (``delivery.notices``), on the same queue as applications."""
    from .notices import send_notice

    return send_notice(notice_id)
