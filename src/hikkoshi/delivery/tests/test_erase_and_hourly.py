"""Delivery's own part of the erasure (``deliveries_erase``) and the hourly jobs the apps register
with the worker (``delivery.periodic``) — delivery imports none of the apps above it."""

from io import StringIO

from django.core.exceptions import ImproperlyConfigured
import pytest

from hikkoshi.delivery import periodic, services
from hikkoshi.delivery.management.commands.worker import Command
from hikkoshi.delivery.models import Delivery, DeliveryEvent, Notice
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation


def test_the_erase_service_empties_what_the_deliveries_hold_of_the_mover(
    sapporo, mover, admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    other = move_submit(owner=mover, payload=sapporo_relocation())
    delivery = Delivery.objects.filter(entry__move=move, channel="web").first()
    Delivery.objects.filter(pk=delivery.pk).update(status=ProcedureStatus.FAILED)
    assert services.mark_handled(delivery, user=admin_user, reason="phoned 鷺沢さん")
    DeliveryEvent.objects.create(
        delivery=delivery, kind=DeliveryEvent.Kind.RETRY, code="http_503", detail="server busy"
    )
    notice = Notice.objects.create(
        delivery=delivery,
        kind=Notice.Kind.CORRECTION,
        request_key="r" * 20,
        status=Notice.Status.DELIVERED,
        body={"corrected": {"applicant": {"name": "x"}}},
    )
    kept = Delivery.objects.filter(entry__move=other, channel="web").first()
    assert services.mark_handled(kept, user=admin_user, reason="phoned someone else")
    forgotten = []
    monkeypatch.setattr(services, "spooled_files_forgetter", lambda ids: lambda: forgotten.append(list(ids)))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.deliveries_erase(move_id=move.pk)
    assert forgotten == []  # the spool folder only once the erasure has committed
    for callback in callbacks:
        callback()
    assert forgotten == [[move.pk]]
    delivery.refresh_from_db()
    assert delivery.handled_reason == "" and delivery.status == ProcedureStatus.HANDLED
    assert Notice.objects.get(pk=notice.pk).body == {}
    details = dict(DeliveryEvent.objects.filter(delivery=delivery).values_list("kind", "detail"))
    assert details["handled"] == "" and details["retry"] == "server busy"  # codes and texts of ours stay
    assert Delivery.objects.get(pk=kept.pk).handled_reason == "phoned someone else"  # another move's: kept


def test_the_apps_register_their_hourly_jobs_and_the_worker_runs_each(db, monkeypatch):
    assert [(job.name, job.every) for job in periodic.hourly()] == [
        ("tasks", 3600),
        ("notifications", 10),  # mails that lost their worker or their task, queued again
        ("bounces", 3600),  # returned mails kept for the administrator, erased after their days
        ("privacy", 3600),
        ("federation", 900),  # the partners' directories, every 15 minutes
        ("federation-handoffs", 3600),  # hand-overs nobody claimed, erased
        ("federation-signin", 3600),  # the sign-in tokens given to partners, once expired
        ("stats", 30),  # the statistics' counts written from the workers' buffers
    ]
    ran = []
    jobs = {
        "tasks": periodic.Job("tasks", lambda: ran.append("tasks") or 0, done="deleted {n}", failed="x"),
        "privacy": periodic.Job("privacy", lambda: 1 / 0, done="erased {n}", failed="erasure failed"),
        "third": periodic.Job("third", lambda: ran.append("third") or 3, done="did {n} thing(s)", failed="y"),
    }
    monkeypatch.setattr(periodic, "_jobs", jobs)
    out, err = StringIO(), StringIO()
    command = Command(stdout=out, stderr=err)
    command._run_hourly()
    assert ran == ["tasks", "third"]  # one failing does not stop the others
    assert out.getvalue() == "third: did 3 thing(s)\n"
    assert err.getvalue() == "privacy: erasure failed (ZeroDivisionError); trying again in an hour\n"


def test_a_second_job_of_the_same_name_is_refused(monkeypatch):
    monkeypatch.setattr(periodic, "_jobs", {})
    job = periodic.Job("privacy", lambda: 0, done="", failed="")
    periodic.register(job)
    periodic.register(job)  # the same again is fine
    with pytest.raises(ImproperlyConfigured):
        periodic.register(periodic.Job("privacy", lambda: 1, done="", failed=""))


def test_each_job_runs_as_often_as_it_says(monkeypatch):
    hourly = periodic.Job("hourly", lambda: 0, done="", failed="")
    quarter = periodic.Job("quarter", lambda: 0, done="", failed="", every=900)
    monkeypatch.setattr(periodic, "_jobs", {"hourly": hourly, "quarter": quarter})
    next_run: dict[str, float] = {}
    ran = {minute: [job.name for job in periodic.due(next_run, minute * 60.0, first_after=60)] for minute in range(122)}
    assert {minute: names for minute, names in ran.items() if names} == {
        1: ["hourly", "quarter"],  # a minute after start
        16: ["quarter"],
        31: ["quarter"],
        46: ["quarter"],
        61: ["hourly", "quarter"],
        76: ["quarter"],
        91: ["quarter"],
        106: ["quarter"],
        121: ["hourly", "quarter"],
    }
