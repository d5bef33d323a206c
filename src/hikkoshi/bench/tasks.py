"""The delivery benchmark's baseline: a task that does nothing, on the delivery queue; and a probe
that tells the benchmark which worker processes are up and taking work."""

from django.tasks import task

from hikkoshi.delivery.tasks import QUEUE


@task(queue_name=QUEUE)
def noop() -> None:
    return None


@task(queue_name=QUEUE)
def ready() -> None:
    """Nothing: its result row names the worker that ran it (``worker_ids``)."""
    return None
