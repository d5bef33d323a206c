"""Years of deliveries: new work due at once, sweeps and admin lists that do not grow with them,
finished task results pruned."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hikkoshi.admin_paging import CappedPaginator
from hikkoshi.delivery import services
from hikkoshi.delivery.models import Delivery, DeliveryEvent
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation

URL = "/admin/delivery/delivery/"


def _web_deliveries(mover, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        move = move_submit(owner=mover, payload=sapporo_relocation())
    return move, list(Delivery.objects.filter(entry__move=move, channel="web").order_by("pk"))


def test_a_new_delivery_is_due_at_once_ahead_of_retries_waiting(sapporo, mover, django_capture_on_commit_callbacks):
    # Hundreds of retries in back-off, due later: a claim must still find the new work first.
    DBTaskResult.objects.bulk_create(
        [
            DBTaskResult(
                task_path="hikkoshi.delivery.tasks.deliver_task",
                args_kwargs={"args": [0], "kwargs": {}},
                queue_name="delivery",
                backend_name="default",
                run_after=timezone.now() + timedelta(minutes=30),
            )
            for _ in range(300)
        ]
    )
    before = timezone.now()
    _move, deliveries = _web_deliveries(mover, django_capture_on_commit_callbacks)
    stored = Delivery.objects.filter(pk__in=[d.pk for d in deliveries])
    tasks = DBTaskResult.objects.filter(pk__in=[d.task_id for d in stored])
    assert tasks.count() == len(deliveries)
    assert all(before - timedelta(seconds=1) <= t.run_after <= timezone.now() for t in tasks)
    claimed = DBTaskResult.objects.ready().filter(queue_name="delivery").first()
    assert str(claimed.pk) in {d.task_id for d in Delivery.objects.filter(pk__in=[d.pk for d in deliveries])}
    # And a delivery queued again by the sweeper or staff likewise.
    services.enqueue(deliveries[0].pk)
    again = DBTaskResult.objects.get(pk=Delivery.objects.get(pk=deliveries[0].pk).task_id)
    assert again.run_after <= timezone.now()


def test_the_sweeper_reads_overdue_deliveries_in_batches_not_one_query_each(
    sapporo, mover, settings, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "SWEEP_BATCH", 4)
    deliveries = []
    for _ in range(3):
        deliveries += _web_deliveries(mover, django_capture_on_commit_callbacks)[1]
    long_ago = timezone.now() - timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"] + 5)
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(next_attempt_at=long_ago)
    # Their tasks wait (READY): nothing to queue again, and no query per delivery: the ones
    # sending too long, the overdue ones, then their tasks, a query per batch of four; and
    # the same two reads for withdrawal and correction notices (取下げ・訂正), none open here.
    n = len(deliveries)
    with CaptureQueriesContext(connection) as queries:
        assert services.sweep() == {"lost": 0, "requeued": 0}
    assert n > 4 and len(queries) <= 2 + -(-n // 4) + 2
    # Tasks gone: every one queued again, once.
    DBTaskResult.objects.all().delete()
    assert services.sweep()["requeued"] == n
    assert DBTaskResult.objects.count() == n


def test_the_sweeper_counts_earlier_losses_in_its_one_query(
    sapporo, mover, settings, django_capture_on_commit_callbacks
):
    _move, (first, second, *_others) = _web_deliveries(mover, django_capture_on_commit_callbacks)
    old = timezone.now() - timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"] + 5)
    for d in (first, second):
        Delivery.objects.filter(pk=d.pk).update(status=ProcedureStatus.SENDING, sending_since=old, claim="w")
    for _ in range(services.MAX_LOSSES - 1):
        DeliveryEvent.objects.create(delivery_id=first.pk, kind=DeliveryEvent.Kind.LOST, code="worker_lost")
    assert services.sweep()["lost"] == 2
    assert Delivery.objects.get(pk=first.pk).status == ProcedureStatus.FAILED  # lost once too often
    assert Delivery.objects.get(pk=second.pk).status == ProcedureStatus.RETRYING


def test_finished_task_results_are_pruned_after_a_week(db):
    now = timezone.now()

    def result(status, finished):
        return DBTaskResult(
            task_path="hikkoshi.delivery.tasks.deliver_task",
            args_kwargs={"args": [1], "kwargs": {}},
            queue_name="delivery",
            backend_name="default",
            run_after=now,
            status=status,
            finished_at=finished,
        )

    DBTaskResult.objects.bulk_create(
        [result("SUCCESSFUL", now - timedelta(days=8)) for _ in range(25)]
        + [result("FAILED", now - timedelta(days=9))]
        + [result("SUCCESSFUL", now - timedelta(days=1)), result("READY", None), result("RUNNING", None)]
    )
    assert services.prune_task_results(now=now) == 26
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["READY", "RUNNING", "SUCCESSFUL"]


def test_the_capped_paginator_counts_no_further_than_its_cap(
    sapporo, mover, django_capture_on_commit_callbacks, monkeypatch
):
    for _ in range(2):
        _web_deliveries(mover, django_capture_on_commit_callbacks)
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    paginator = CappedPaginator(Delivery.objects.order_by("pk"), 2)
    assert paginator.count == 5 and paginator.capped and paginator.num_pages == 3
    small = CappedPaginator(Delivery.objects.filter(channel="web").order_by("pk")[:3], 2)
    assert small.count == 3 and not small.capped


def test_the_admin_list_does_not_count_the_whole_table(
    sapporo, mover, admin_client, django_capture_on_commit_callbacks, monkeypatch
):
    for _ in range(2):
        _web_deliveries(mover, django_capture_on_commit_callbacks)
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "delivery_delivery" in q["sql"]]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)
    assert "More than 5 deliveries" in page.content.decode()


def test_the_admin_search_is_exact_by_number_reference_move_or_key(
    sapporo, mover, admin_client, django_capture_on_commit_callbacks
):
    move, deliveries = _web_deliveries(mover, django_capture_on_commit_callbacks)
    _other_move, others = _web_deliveries(mover, django_capture_on_commit_callbacks)
    Delivery.objects.filter(pk=deliveries[1].pk).update(reference="R-2026-0001")

    def found(term):
        return {d.pk for d in admin_client.get(URL, {"q": term}).context["cl"].result_list}

    assert found(str(deliveries[0].pk)) == {deliveries[0].pk}
    assert found("R-2026-0001") == {deliveries[1].pk}
    assert found("r-2026-0001") == set()  # exact, as shown
    assert found(str(move.public_id)) == {d.pk for d in Delivery.objects.filter(entry__move=move)}
    assert found(str(others[2].idempotency_key)) == {others[2].pk}
    assert found("nothing like an id") == set()
    assert found("９" * 40) == set()
