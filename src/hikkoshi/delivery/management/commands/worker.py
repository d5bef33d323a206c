"""``hikkoshi worker [--processes N]``: the delivery workers and their sweeper.

Starts N worker processes, each running T threads of django-tasks-db's worker loop on the
``delivery`` queue (a delivery mostly waits for an organisation's server, so one process sends
several at once; two processes use two cores for the PDF and fax rendering), restarts
any that dies, and runs the sweeper (``delivery.services.sweep``) every few seconds and the
hourly jobs the apps registered (``delivery.periodic``: the erasure of personal data past its
retention time, the pruning of finished task results older than a week) about once an hour. On
PostgreSQL, workers on several hosts share the queue (each task is claimed under a row lock); on
SQLite they share one machine. Ctrl-C or SIGTERM stops the workers after their current task.
"""

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from hikkoshi.delivery import periodic
from hikkoshi.delivery.services import sweep
from hikkoshi.delivery.tasks import QUEUE
from hikkoshi.processes import die_with_parent

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django_tasks_db.management.commands.db_worker import Worker

# Seconds after start before the periodic jobs first run (then each every ``Job.every`` s).
FIRST_RUN_AFTER = 60.0


def _load_once_for_all_tasks() -> None:
    """Load, before a worker process takes its first task, what tasks load on their first use
    and every later task reuses: the URL configuration (the links of a mail; the portal's views
    are imported with it), the installed channels and the fonts of the documents. Loaded by the
    first task instead, it made that delivery or mail take a second or more longer. Fonts
    missing stop no worker: web deliveries and mails go on, and each document to render fails
    (and is retried) with the message that says what to install, as before."""
    from django.urls import get_resolver

    from hikkoshi.channels import registry
    from hikkoshi.documents.fonts import FontMissing, register_fonts

    get_resolver().reverse_dict  # noqa: B018 (the reverse lookups are built on first use)
    registry()
    try:
        register_fonts()
    except FontMissing as exc:
        logger.warning("worker_fonts_missing error=%s", exc)


def _later(seconds: float) -> str:
    return "in an hour" if seconds == 3600 else f"in {seconds / 60:g} minutes"


class _Pending:
    """A worker process waiting to be started again (``poll`` says it is not running)."""

    returncode = None

    def __init__(self, at: float):
        self.at = at

    def poll(self) -> int:
        return 1

    def send_signal(self, signum: int) -> None:
        pass

    def wait(self, timeout: float | None = None) -> int:
        return 1

    def kill(self) -> None:
        pass


class Command(BaseCommand):
    help = "Run the delivery workers (and the sweeper that re-queues deliveries that lost their worker)."
    # The system checks read the database (SQLite's JSON support); a database locked for a moment
    # must not stop the workers from starting. They run at deploy (`hikkoshi check --deploy`).
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--processes", type=int, default=2, help="worker processes (default 2)")
        parser.add_argument(
            "--interval",
            type=float,
            default=0.5,
            help="seconds an idle worker waits before looking for work (default 0.5)",
        )
        parser.add_argument("--sweep-every", type=float, default=15.0, help="seconds between sweeps (default 15)")
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("HIKKOSHI_WORKER_THREADS", "4")),
            help="deliveries each process sends at the same time (default 4, or HIKKOSHI_WORKER_THREADS)",
        )
        parser.add_argument("--child", action="store_true", help="(internal) run one worker process")

    def handle(
        self,
        *args: Any,
        processes: int,
        interval: float,
        sweep_every: float,
        threads: int,
        child: bool,
        **options: Any,
    ) -> None:
        if child:
            return self._child(threads=threads, interval=interval)
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        children: dict[int, subprocess.Popen[bytes] | _Pending] = {}

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hikkoshi.cli",
                    "worker",
                    "--child",
                    "--threads",
                    str(threads),
                    "--interval",
                    str(interval),
                ],
                env=os.environ.copy(),
                preexec_fn=die_with_parent,
            )

        started = {n: time.monotonic() for n in range(processes)}
        delays = dict.fromkeys(range(processes), 0.0)
        for n in range(processes):
            children[n] = start()
        self.stdout.write(
            f"hikkoshi worker: {processes} process(es) × {threads} thread(s) on queue {QUEUE!r}; "
            f"sweeping every {sweep_every:g} s. Ctrl-C to stop."
        )
        last_sweep = 0.0
        next_run: dict[str, float] = {}
        periodic.due(next_run, time.monotonic(), first_after=FIRST_RUN_AFTER)  # none yet: schedules
        try:
            while not self.stopping:
                for n, proc in list(children.items()):
                    if self.stopping:
                        break
                    if isinstance(proc, _Pending):
                        if time.monotonic() >= proc.at:
                            children[n] = start()
                            started[n] = time.monotonic()
                    elif proc.poll() is not None:
                        # Again at once when it had run a while, else waiting longer each time (up
                        # to a minute) while it keeps dying, e.g. with the database away.
                        ran_long = time.monotonic() - started[n] > 60
                        delays[n] = 0.0 if ran_long else min(60.0, max(1.0, delays[n] * 2))
                        self.stderr.write(
                            f"worker {n} exited with {proc.returncode}; starting it again"
                            + (f" in {delays[n]:g} s" if delays[n] else "")
                        )
                        children[n] = _Pending(time.monotonic() + delays[n])
                if time.monotonic() - last_sweep >= sweep_every:
                    last_sweep = time.monotonic()
                    try:
                        close_old_connections()
                        found = sweep()
                        if found["lost"] or found["requeued"]:
                            self.stdout.write(f"sweeper: {found['lost']} lost, {found['requeued']} re-queued")
                    except Exception as exc:  # the database may be away for a moment
                        self.stderr.write(f"sweeper: {type(exc).__name__}; trying again later")
                ready = periodic.due(next_run, time.monotonic(), first_after=FIRST_RUN_AFTER)
                if ready:
                    self._run_jobs(ready)
                time.sleep(0.2)
        finally:
            for proc in children.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            # Time for a send in progress to finish (the channel's timeouts), then no more.
            deadline = time.monotonic() + settings.HIKKOSHI_DELIVERY["timeout"] * 2 + 30
            for proc in children.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()

    def _run_hourly(self) -> None:
        """Every registered job in turn; one failing does not keep the others from running."""
        self._run_jobs(periodic.hourly())

    def _run_jobs(self, jobs: list[periodic.Job]) -> None:
        for job in jobs:
            try:
                close_old_connections()
                n = job.run()
                if n:
                    self.stdout.write(f"{job.name}: {job.done.format(n=n)}")
            except Exception as exc:  # never the data: only what went wrong
                self.stderr.write(f"{job.name}: {job.failed} ({type(exc).__name__}); trying again {_later(job.every)}")

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _child(self, *, threads: int, interval: float) -> None:
        """One worker process: ``threads`` loops of django-tasks-db's worker, each with its own
        database connection. SIGTERM lets each finish its current task; when one loop dies (the
        database away for longer than its timeout), the process exits and the parent starts it anew."""
        from django.db import connection, connections
        from django_tasks_db.management.commands.db_worker import Worker

        # The worker loop closes obsolete connections after every task; a health check ("SELECT
        # 1") before each next query would double the round trips of short tasks. A connection
        # that broke (the database restarted) fails its next query instead: the loop dies and
        # this process is started again, with a new connection.
        for alias in connections:
            connections.settings[alias]["CONN_HEALTH_CHECKS"] = False

        _load_once_for_all_tasks()
        host = socket.gethostname()[:32]
        loops = [
            Worker(
                queue_names=[QUEUE],
                interval=interval,
                batch=False,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                excluded_queue_names=[],
                worker_id=f"{host}-{os.getpid()}-{n}-{int(time.time())}"[:63],
            )
            for n in range(threads)
        ]
        failed = threading.Event()

        def run(loop: "Worker") -> None:
            try:
                loop.run()
            except BaseException:
                failed.set()
                raise
            finally:
                connection.close()

        def stop(signum: int | None, frame: FrameType | None) -> None:
            for loop in loops:
                loop.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        running = [threading.Thread(target=run, args=(loop,), daemon=True) for loop in loops]
        for thread in running:
            thread.start()
        while any(t.is_alive() for t in running) and not failed.is_set():
            time.sleep(0.2)
        # Every loop may have died between two looks (the database away fails at once): a loop
        # that died makes this process fail, never look like one stopped on purpose.
        if failed.is_set():
            stop(None, None)
            for thread in running:
                thread.join(timeout=60)
            sys.exit(1)
