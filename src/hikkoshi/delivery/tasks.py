"""The outbox's task on Django's task framework (``django.tasks``, database backend).

The task carries only the delivery's id; everything else is read when it runs.
"""

from django.tasks import task

QUEUE = "delivery"


@task(queue_name=QUEUE)
def deliver_task(delivery_id: int) -> str:
    from .services import deliver

    return deliver(delivery_id)
