"""The outbox: deliveries made with the move, queued only after it commits; claims and sweeps."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
import pytest

from hikkoshi.delivery import services
from hikkoshi.delivery.models import Delivery, DeliveryEvent
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation


def _tasks_for(ids):
    found = set()
    for row in DBTaskResult.objects.filter(task_path__endswith=".deliver_task"):  # not the notifications' tasks
        found.update(a for a in row.args_kwargs["args"] if a in ids)
    return found


def test_each_procedure_gets_one_delivery_queued_after_commit(sapporo, mover, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        move = move_submit(owner=mover, payload=sapporo_relocation())
        deliveries = {d.entry.version.procedure.slug: d for d in Delivery.objects.filter(entry__move=move)}
        assert DBTaskResult.objects.count() == 0  # nothing handed to the workers before the commit
    assert set(deliveries) == {
        "sapporo-move-in",
        "sapporo-water-stop",
        "sapporo-water-start",
        "hokkaido-gas-stop",
        "hokkaido-gas-start",
        "hepco-electricity-stop",
        "hepco-electricity-start",
    }
    assert deliveries["sapporo-move-in"].status == ProcedureStatus.IN_PERSON
    web = [d for slug, d in deliveries.items() if slug != "sapporo-move-in"]
    assert all(d.status == ProcedureStatus.QUEUED and d.channel == "web" for d in web)
    assert len({d.idempotency_key for d in deliveries.values()}) == 7
    for callback in callbacks:
        callback()
    assert _tasks_for({d.pk for d in web}) == {d.pk for d in web}
    assert all(Delivery.objects.get(pk=d.pk).task_id for d in web)
    assert deliveries["sapporo-move-in"].pk not in _tasks_for({deliveries["sapporo-move-in"].pk})


@pytest.mark.django_db(transaction=True)
def test_a_submission_rolled_back_leaves_no_delivery_and_no_task(sapporo, mover):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            move_submit(owner=mover, payload=sapporo_relocation())
            assert Delivery.objects.count() == 7
            raise RuntimeError("the request failed after the move was stored")
    assert Delivery.objects.count() == 0 and DBTaskResult.objects.count() == 0


def _queued(sapporo_mover, slug="sapporo-water-start"):
    move = move_submit(owner=sapporo_mover, payload=sapporo_relocation())
    return Delivery.objects.get(entry__move=move, entry__version__procedure__slug=slug)


def test_a_delivery_not_yet_due_is_left_for_its_own_task(sapporo, mover):
    delivery = _queued(mover)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert services.deliver(delivery.pk) == "not due"
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.QUEUED and delivery.attempts == 0


def test_a_delivered_or_handled_delivery_is_never_sent_again(sapporo, mover):
    delivery = _queued(mover)
    for status in (ProcedureStatus.DELIVERED, ProcedureStatus.HANDLED, ProcedureStatus.FAILED, ProcedureStatus.SENDING):
        Delivery.objects.filter(pk=delivery.pk).update(status=status)
        assert services.deliver(delivery.pk) == "not due"


def test_the_sweeper_requeues_a_delivery_whose_worker_was_lost(
    sapporo, mover, settings, django_capture_on_commit_callbacks
):
    delivery = _queued(mover)
    long_ago = timezone.now() - timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"] + 5)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=ProcedureStatus.SENDING, sending_since=long_ago, claim="lost-worker", attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep() == {"lost": 1, "requeued": 0}
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.RETRYING and delivery.claim == ""
    assert delivery.entry.status == ProcedureStatus.RETRYING
    assert DeliveryEvent.objects.filter(delivery=delivery, kind="lost").count() == 1
    # The lost worker coming back with a failure cannot overwrite what happened since.
    from hikkoshi.delivery.channels import DeliveryError

    services._failed(delivery, "lost-worker", DeliveryError("timeout", retryable=True), None)
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.RETRYING and delivery.error_code == ""
    assert services.sweep() == {"lost": 0, "requeued": 0}  # its task is waiting


def test_the_sweeper_requeues_an_overdue_delivery_whose_task_is_gone(sapporo, mover, settings):
    delivery = _queued(mover)
    DBTaskResult.objects.all().delete()
    long_ago = timezone.now() - timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"] + 5)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=long_ago, task_id="")
    assert services.sweep()["requeued"] >= 1
    assert delivery.pk in _tasks_for({delivery.pk})


def test_staff_resend_and_mark_handled_record_who_and_why(
    sapporo, mover, admin_user, django_capture_on_commit_callbacks
):
    delivery = _queued(mover)
    Delivery.objects.filter(pk=delivery.pk).update(status=ProcedureStatus.FAILED, error_code="http_400")
    delivery.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resend(delivery, user=admin_user, reason="endpoint corrected")
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.QUEUED and delivery.entry.status == ProcedureStatus.QUEUED
    event = DeliveryEvent.objects.get(delivery=delivery, kind="resent")
    assert event.actor == admin_user and event.detail == "endpoint corrected"
    assert services.mark_handled(delivery, user=admin_user, reason="phoned the waterworks")
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.HANDLED and delivery.handled_by == admin_user
    assert delivery.handled_reason == "phoned the waterworks"
    Delivery.objects.filter(pk=delivery.pk).update(status=ProcedureStatus.DELIVERED)
    delivery.refresh_from_db()
    assert not services.mark_handled(delivery, user=admin_user, reason="x")


# --- races between workers, the sweeper and staff (found in review) ----------------------------

from hikkoshi.delivery.channels import Outcome  # noqa: E402


def _sending(delivery, claim="worker-a", *, ago=0):
    Delivery.objects.filter(pk=delivery.pk).update(
        status=ProcedureStatus.SENDING, claim=claim, attempts=1, sending_since=timezone.now() - timedelta(seconds=ago)
    )
    delivery.refresh_from_db()
    return delivery


def test_a_late_success_is_recorded_after_the_sweeper_took_the_delivery_over(sapporo, mover, settings):
    delivery = _sending(_queued(mover), ago=settings.HIKKOSHI_DELIVERY["lease"] + 5)
    services.sweep()  # the worker seemed lost: queued again
    assert services._succeeded(delivery, "worker-a", Outcome(reference="W-1"), None) == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.DELIVERED and delivery.reference == "W-1"
    assert delivery.entry.status == ProcedureStatus.DELIVERED and delivery.entry.reference == "W-1"
    # The second attempt's success (same receipt, same key) adds nothing.
    services._succeeded(delivery, "worker-b", Outcome(reference="W-1"), None)
    assert DeliveryEvent.objects.filter(delivery=delivery, kind="delivered").count() == 1


def test_a_late_success_leaves_what_staff_decided(sapporo, mover, admin_user):
    delivery = _sending(_queued(mover), ago=3600)
    assert services.mark_handled(delivery, user=admin_user, reason="phoned them")
    services._succeeded(delivery, "worker-a", Outcome(reference="W-2"), None)
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.HANDLED and delivery.handled_reason == "phoned them"


def test_staff_cannot_resend_what_a_worker_may_still_be_sending(
    sapporo, mover, admin_user, settings, django_capture_on_commit_callbacks
):
    delivery = _sending(_queued(mover), ago=5)
    assert not services.resend(delivery, user=admin_user, reason="impatient")
    assert Delivery.objects.get(pk=delivery.pk).status == ProcedureStatus.SENDING
    stale = _sending(delivery, ago=settings.HIKKOSHI_DELIVERY["lease"] + 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resend(stale, user=admin_user, reason="its worker is gone")
    assert Delivery.objects.get(pk=delivery.pk).status == ProcedureStatus.QUEUED
    Delivery.objects.filter(pk=delivery.pk).update(status=ProcedureStatus.DELIVERED)
    assert not services.resend(delivery, user=admin_user, reason="stale page")  # decided in the UPDATE
    assert not services.mark_handled(delivery, user=admin_user, reason="stale page")
    assert Delivery.objects.get(pk=delivery.pk).status == ProcedureStatus.DELIVERED


def test_a_delivery_that_keeps_losing_its_worker_fails_for_staff(sapporo, mover, settings):
    delivery = _queued(mover)
    long_ago = settings.HIKKOSHI_DELIVERY["lease"] + 5
    for _ in range(services.MAX_LOSSES - 1):
        _sending(delivery, claim="crashing", ago=long_ago)
        services.sweep()
        assert Delivery.objects.get(pk=delivery.pk).status == ProcedureStatus.RETRYING
    _sending(delivery, claim="crashing", ago=long_ago)
    services.sweep()
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.FAILED and delivery.error_code == "worker_lost"
    assert delivery.entry.status == ProcedureStatus.FAILED


def test_the_sweeper_requeues_an_overdue_delivery_whose_task_died_running(
    sapporo, mover, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _queued(mover)
    task_id = Delivery.objects.get(pk=delivery.pk).task_id
    assert DBTaskResult.objects.filter(pk=task_id).update(status="RUNNING") == 1  # its worker died
    long_ago = timezone.now() - timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"] + 5)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=long_ago)
    assert services.sweep()["requeued"] >= 1
