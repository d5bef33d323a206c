"""The delivery benchmark's baseline: a task that does nothing, on the delivery queue."""

from django.tasks import task

from hikkoshi.delivery.tasks import QUEUE


@task(queue_name=QUEUE)
def noop() -> None:
    return None
