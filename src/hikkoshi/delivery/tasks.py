"""The outbox's task on Django's task framework (``django.tasks``, database backend).

The task carries only the delivery's id; everything else is read when it runs.
"""

from django.tasks import task

QUEUE = "delivery"


@task(queue_name=QUEUE)
def deliver_task(delivery_id: int) -> str:
    from .services import deliver

    return deliver(delivery_id)


@task(queue_name=QUEUE)
def notice_task(notice_id: int) -> str:
    """A withdrawal or correction (``delivery.notices``), on the same queue as applications."""
    from .notices import send_notice

    return send_notice(notice_id)
