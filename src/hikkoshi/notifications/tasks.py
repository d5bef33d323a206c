"""The notifications' task, on the delivery workers' queue (``hikkoshi worker`` runs it).

It carries only the notification's id; a reminder's task is stored with its ``run_after`` (the
day it is due), so it waits in the database across restarts of the workers."""

from django.tasks import task

from hikkoshi.delivery.tasks import QUEUE

# Below the applications (priority 0): when both are due, the organisations' applications go
# first and the mail about them after.
PRIORITY = -1


@task(queue_name=QUEUE, priority=PRIORITY)
def notify_task(notification_id: int) -> str:
    from .services import send

    return send(notification_id)
