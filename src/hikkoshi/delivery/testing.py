"""Real delivery workers for tests: ``hikkoshi worker`` processes on the test database.

The test database must be one other processes can open: an SQLite file (settings.test names
one) or the PostgreSQL test database. Tests using these need committed data
(``@pytest.mark.django_db(transaction=True)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import Any
from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    """The URL of the database the tests run on (the test database, not the configured one)."""
    return url_of(connection.vendor, connection.settings_dict)


def url_of(vendor: str, s: Mapping[str, Any]) -> str:
    """The URL (as ``DATABASE_URL`` takes it) of a database Django connects to with settings ``s``."""
    if vendor == "sqlite":
        return "sqlite:///" + str(Path(s["NAME"]).resolve())
    user = quote(s.get("USER") or "postgres", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def wait_until[T](predicate: Callable[[], T], *, timeout: float, every: float = 0.1, what: str = "it") -> T:
    """Poll ``predicate`` until it returns something true; that value. AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(every)


class WorkerProcess:
    """``hikkoshi worker`` on the test database, with fast retries and a short lease."""

    def __init__(self, *, processes: int = 1, env: dict[str, str] | None = None, log_path: Path | None = None):
        self.processes = processes
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.dev",
            "DATABASE_URL": database_url(),
            "HIKKOSHI_DELIVERY_FIRST_DELAY": "0.3",
            "HIKKOSHI_DELIVERY_MAX_DELAY": "1",
            "HIKKOSHI_DELIVERY_LEASE": "3",
            "HIKKOSHI_DELIVERY_TIMEOUT": "5",
            **(env or {}),
        }
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hikkoshi.cli",
                "worker",
                "--processes",
                str(self.processes),
                "--interval",
                "0.1",
                "--sweep-every",
                "1",
            ],
            env=self.env,
            stdout=log if log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if log is not None:
            log.close()
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its processes at once: nothing gets to clean up."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # any child left behind
            except ProcessLookupError:
                pass

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
