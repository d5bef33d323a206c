"""Real ``hikkoshi worker`` processes: mails once each, on their day; one killed (SIGKILL) while it
sends a mail sends no second copy."""

import asyncio
from datetime import timedelta
import time

from aiosmtpd.controller import Controller
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
import pytest

from hikkoshi.delivery.testing import WorkerProcess, wait_until
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.notifications import services
from hikkoshi.notifications.models import Kind, Notification, Status
from hikkoshi.serving import free_port

from .conftest import Recorder


class Slow(Recorder):
    """Keeps the message, then takes its time to say 250: the worker is killed in between."""

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        await asyncio.sleep(5)
        return "250 2.0.0 OK"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_data_sends_no_second_copy(sapporo, mover, tmp_path):
    handler = Slow()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = {"HIKKOSHI_SMTP_PORT": str(port), "HIKKOSHI_SMTP_HOST": "127.0.0.1"}
    try:
        move = move_submit(owner=mover, payload=sapporo_relocation())
        note = Notification.objects.get(move=move, kind=Kind.CONFIRMATION)
        worker = WorkerProcess(processes=1, env=env, log_path=tmp_path / "worker.log").start()
        try:
            wait_until(
                lambda: Notification.objects.filter(pk=note.pk, data_at__isnull=False).exists(),
                timeout=60,
                what="the mail's DATA under way",
            )
            worker.kill()
        finally:
            worker.stop()
        assert Notification.objects.get(pk=note.pk).status == Status.SENDING  # lost with its worker
        # The sweeper, past the lease: it may have gone, so it is failed for staff, not sent again.
        services.sweep(now=timezone.now() + timedelta(hours=1))
        note.refresh_from_db()
        assert note.status == Status.FAILED and note.error_code == "outcome_unknown"
        with WorkerProcess(processes=1, env=env, log_path=tmp_path / "worker2.log"):
            wait_until(
                lambda: (
                    not Notification.objects.filter(move=move, status__in=[Status.SCHEDULED])
                    .filter(due_at__lte=timezone.now())
                    .exists()
                ),
                timeout=60,
                what="the other due notifications handled",
            )
        assert len([e for e in handler.envelopes if services.message_id(note).encode() in e.content]) == 1
    finally:
        controller.stop()


def _ours(handler):
    """The Message-IDs of the notifications' mails (the applications sent by e-mail are others)."""
    return [m["Message-ID"] for m in handler.messages() if m["Message-ID"].startswith("<notice.")]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_the_confirmation_and_a_reminder_once_each_on_their_day(sapporo, mover, tmp_path):
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = {"HIKKOSHI_SMTP_PORT": str(port), "HIKKOSHI_SMTP_HOST": "127.0.0.1"}
    try:
        move = move_submit(owner=mover, payload=sapporo_relocation())
        reminder = Notification.objects.get(move=move, kind=Kind.MOVING_DAY)
        confirmation = Notification.objects.get(move=move, kind=Kind.CONFIRMATION)
        with WorkerProcess(processes=1, env=env, log_path=tmp_path / "worker.log"):
            wait_until(lambda: services.message_id(confirmation) in _ours(handler), timeout=60, what="the confirmation")
            time.sleep(3)  # (the applications here fail for good: each of those mails too)
            assert services.message_id(reminder) not in _ours(handler)  # it waits for its day
            # The scheduler's clock moved on to the reminder's day: its row and its task are due.
            shift = reminder.due_at - timezone.now() + timedelta(seconds=1)
            Notification.objects.filter(pk=reminder.pk).update(due_at=F("due_at") - shift)
            DBTaskResult.objects.filter(pk=reminder.task_id).update(run_after=F("run_after") - shift)
            wait_until(
                lambda: services.message_id(reminder) in _ours(handler), timeout=60, what="the reminder on its day"
            )
            time.sleep(2)
        ids = _ours(handler)
        sent = Notification.objects.filter(move=move, status=Status.SENT)
        assert sorted(ids) == sorted(services.message_id(n) for n in sent)  # each sent one, once
        assert {n.kind for n in sent} >= {Kind.CONFIRMATION, Kind.MOVING_DAY}
    finally:
        controller.stop()
