"""``hikkoshi worker`` as a real process tree: a worker process that dies is started again, later
each time while it keeps dying, and the sweeper waits out a database that is away."""

import os
from pathlib import Path

from django.db import connection
import pytest

from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.testing import WorkerProcess, wait_until
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def log_has(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


def wait_for_log(path: Path, text: str, *, what: str) -> None:
    """``wait_until`` the worker's log has ``text``; on timeout the log's end is in the message."""
    try:
        wait_until(lambda: log_has(path, text), timeout=60, what=what)
    except AssertionError as exc:
        tail = path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"
        raise AssertionError(f"{exc}; the worker's log ends:\n{tail}") from None


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the database is made away by giving the worker a SQLite path whose folder appears later; "
    "the restart and the sweeper's waiting do not depend on the database",
)
def test_the_workers_wait_out_a_database_that_is_away_and_then_send(sapporo, mover, tmp_path):
    # The worker is given the test database by a path whose folder does not exist yet: every
    # query fails as if the database were away. The folder appears later (a link to the real one).
    real = Path(connection.settings_dict["NAME"]).resolve()
    away = tmp_path / "away"
    log = tmp_path / "worker.log"
    worker = WorkerProcess(processes=1, env={"DATABASE_URL": f"sqlite:///{away / real.name}"}, log_path=log)
    with worker:
        # Its worker process dies on its first query and is started again, later each time.
        wait_for_log(log, "worker 0 exited with 1; starting it again in 1 s", what="a restart")
        wait_for_log(log, "starting it again in 2 s", what="a later restart")
        assert log_has(log, "sweeper: OperationalError; trying again later")  # and the sweeper keeps going
        assert worker.proc is not None and worker.proc.poll() is None

        away.symlink_to(real.parent, target_is_directory=True)  # the database is back
        move = move_submit(owner=mover, payload=sapporo_relocation())
        sent = Delivery.objects.filter(entry__move=move, channel__in=["web", "email", "fax"])
        assert sent.exists() and not sent.filter(attempts__gt=0).exists()
        wait_until(
            lambda: not sent.filter(attempts=0).exists(),
            timeout=60,
            what="every delivery tried by the restarted worker",
        )


def test_a_worker_stopped_while_its_process_waits_to_restart_stops_at_once(tmp_path):
    log = tmp_path / "worker.log"
    worker = WorkerProcess(
        processes=1, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'none' / 'db.sqlite3'}"}, log_path=log
    )
    with worker:
        wait_for_log(log, "starting it again in 2 s", what="a worker process waiting")
        worker.proc.send_signal(15)
        assert worker.proc.wait(timeout=10) == 0  # nothing left to wait for
    assert not os.path.exists(tmp_path / "none")


def test_a_worker_process_whose_loops_all_die_between_two_looks_exits_with_1(monkeypatch):
    """The loops of a process die at once when the database is away. When they all died while the
    process slept between two looks, it used to leave its watch loop and exit 0, as if stopped."""
    import threading
    import time as real_time

    from django.db import OperationalError, connections
    from django_tasks_db.management.commands.db_worker import Worker

    from hikkoshi.delivery.management.commands import worker as command

    release = threading.Event()
    before = threading.active_count()
    sleep = real_time.sleep

    def fail(self):
        release.wait(10)
        raise OperationalError("unable to open database file")

    def look_away(seconds):  # every loop dies while the process sleeps
        release.set()
        deadline = real_time.monotonic() + 10
        while threading.active_count() > before and real_time.monotonic() < deadline:
            sleep(0.01)

    health = {alias: connections.settings[alias].get("CONN_HEALTH_CHECKS") for alias in connections}
    monkeypatch.setattr(Worker, "run", fail)
    monkeypatch.setattr(command.time, "sleep", look_away)
    monkeypatch.setattr(command.signal, "signal", lambda *args: None)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)
    try:
        with pytest.raises(SystemExit) as exited:
            command.Command()._child(threads=3, interval=0.1)
    finally:
        for alias, value in health.items():
            connections.settings[alias]["CONN_HEALTH_CHECKS"] = value
    assert exited.value.code == 1


def test_a_worker_process_loads_what_every_task_reuses_before_its_first_task():
    """The URL configuration (a mail's links; the portal's views with it), the channels and the
    fonts: loaded in a fresh process by the worker's start, not by its first delivery or mail."""
    import subprocess
    import sys

    script = """
import sys
import django
django.setup()
from hikkoshi.documents import fonts
before = ("hikkoshi.urls" in sys.modules, fonts._registered)
from hikkoshi.delivery.management.commands.worker import _load_once_for_all_tasks
_load_once_for_all_tasks()
from hikkoshi.channels import registry
print(before, ("hikkoshi.urls" in sys.modules, fonts._registered), registry._installed is not None)
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.test"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[-2] == "(False, False) (True, True) True"


def test_fonts_missing_stop_no_worker_from_starting(settings, monkeypatch, caplog):
    """Web deliveries and mails need no font: a worker without them starts and says so; each
    document to render fails (and is retried) with what to install, as before."""
    from hikkoshi.delivery.management.commands.worker import _load_once_for_all_tasks
    from hikkoshi.documents import fonts

    monkeypatch.setattr(fonts, "_registered", False)
    settings.HIKKOSHI_FONT_MINCHO = "/nonexistent/ipaexm.ttf"
    _load_once_for_all_tasks()
    assert not fonts._registered
    assert "worker_fonts_missing" in caplog.text and "fonts-ipaexfont-mincho" in caplog.text
