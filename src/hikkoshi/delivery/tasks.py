"""The outbox's task on Django's task framework (``django.tasks``, database backend).

The task carries only the delivery's id; everything else is read when it runs.
"""

from datetime import datetime
from typing import Any

from django.tasks import Task, TaskResult, task
from django.utils import timezone

QUEUE = "delivery"


def queue(job: Task[Any, Any], *args: Any, run_after: datetime | None = None) -> TaskResult[Any, Any]:
    """Enqueue ``job`` on the workers' queue, not before ``run_after`` (now if None).

    A task is always given its time: one without is stored with the task library's far date
    (the year 9999) and, in the workers' order (due time first), sorts after every task waiting
    for its day (retries in back-off, the movers' reminders), which each claim then walks past."""
    return job.using(run_after=run_after or timezone.now()).enqueue(*args)


@task(queue_name=QUEUE)
def deliver_task(delivery_id: int) -> str:
    from .services import deliver

    return deliver(delivery_id)


@task(queue_name=QUEUE)
def notice_task(notice_id: int) -> str:
    """A withdrawal or correction (``delivery.notices``), on the same queue as applications."""
    from .notices import send_notice

    return send_notice(notice_id)
