"""A receiver as a real server process, and small HTTP peers, for tests on 127.0.0.1.

``ReceiverProcess`` runs ``python -m hikkoshi.cli receiver …`` (gunicorn, its own database) on a
free port and waits until it answers. When the tests run against PostgreSQL (``DATABASE_URL``
is a ``postgres://`` URL) each receiver gets a database of its own on that server, dropped when
it stops; otherwise an SQLite file in its data directory.
"""

from __future__ import annotations

import atexit
import http.server
import itertools
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import httpx

from hikkoshi.processes import die_with_parent
from hikkoshi.serving import free_port

_serial = itertools.count(1)
# Receivers started and not yet stopped: stopped when the test process ends, however a test
# left them (a failure between start and stop), so that no gunicorn outlives the run.
_running: set[ReceiverProcess] = set()


@atexit.register
def _stop_leftovers() -> None:
    for receiver in list(_running):
        try:
            receiver.stop()
        except Exception:  # noqa: BLE001, S110 (the others are stopped all the same)
            pass


def _postgres_admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


def _until_closed(port: int, timeout: float = 10.0) -> None:
    """Until nothing listens on ``port`` any more. gunicorn's master may be gone while a worker
    still holds the listening socket for a moment (on a busy machine): a connection made then is
    accepted and never answered — a timeout, not the refused connection of an organisation down."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return
        time.sleep(0.05)


class ReceiverProcess:
    def __init__(
        self,
        base_dir: Path,
        organisations: list[str],
        *,
        portal_key_file: Path | None = None,
        portal_keys_url: str = "",
        delay: float = 0.0,
        open_staff_pages: bool = True,
        workers: int = 2,
        env: dict | None = None,
    ):
        self.base_dir = Path(base_dir)
        self.data_dir = self.base_dir / "data"
        self.organisations = list(organisations)
        self.portal_key_file = portal_key_file
        self.portal_keys_url = portal_keys_url
        self.delay = delay
        self.open_staff_pages = open_staff_pages
        self.workers = workers
        self.extra_env = dict(env or {})
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._held: socket.socket | None = None  # the port kept while down (``stop(hold_port=True)``)
        self.database = ""
        self.log_path = self.base_dir / "receiver.log"

    # --- environment ------------------------------------------------------------------------

    def _env(self) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("HIKKOSHI_RECEIVER_") and k not in ("RECEIVER_DATABASE_URL",)
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        src = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
        if self.database:
            env["RECEIVER_DATABASE_URL"] = self.database
        env.update(self.extra_env)
        return env

    def _create_database(self) -> None:
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            return
        import psycopg

        name = f"test_hikkoshi_receiver_{os.getpid()}_{next(_serial)}"
        with psycopg.connect(_postgres_admin_url(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(url)
        self.database = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))

    def _drop_database(self) -> None:
        if not self.database:
            return
        import psycopg

        name = urlsplit(self.database).path.lstrip("/")
        with psycopg.connect(_postgres_admin_url(self.database), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.database = ""

    # --- running ------------------------------------------------------------------------------

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "hikkoshi.cli", "receiver", *args, "--data-dir", str(self.data_dir)]

    def start(self, timeout: float = 40.0, *, port: int | None = None) -> ReceiverProcess:
        """Start (again, on ``port``, with the same data and keys, after ``stop(keep_data=True)``)."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if not self.database:
            self._create_database()
        self._release_port()
        self.port = port or free_port()
        args = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        for slug in self.organisations:
            args += ["--organisation", slug]
        if self.portal_key_file:
            args += ["--portal-key-file", str(self.portal_key_file)]
        if self.portal_keys_url:
            args += ["--portal-keys-url", self.portal_keys_url]
        if self.delay:
            args += ["--delay", str(self.delay)]
        if self.open_staff_pages:
            args.append("--open-staff-pages")
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            self.command(*args),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self._env(),
            cwd=self.base_dir,
            start_new_session=True,  # its own process group: ``stop`` ends every process of it
            preexec_fn=die_with_parent,
        )
        log.close()
        _running.add(self)
        deadline = time.monotonic() + timeout
        probe = self.url(f"/{self.organisations[0]}/.well-known/receipt-keys.json")
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the receiver stopped (exit {self.process.returncode}):\n{self.log()}")
            try:
                if httpx.get(probe, timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the receiver did not answer within {timeout} s:\n{self.log()}")

    def stop(self, *, keep_data: bool = False, hold_port: bool = False) -> None:
        """Stop the server (and drop its database unless ``keep_data``). With ``hold_port``, its
        port stays bound by this process, without a listener, until ``start(port=…)``: a client
        is refused there (an organisation that is down), and the port is not handed to another
        test's server meanwhile (``free_port`` never picks a bound port), which would answer in
        its place."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process is not None:
            # A gunicorn worker can hang in its own shutdown (a lock its signal handler's thread
            # already holds) and outlive its master, still listening: accepted connections never
            # answered. Nothing of the group is left.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            _until_closed(self.port)
        self.process = None
        if hold_port and self.port:
            self._hold_port()
        else:
            self._release_port()
        _running.discard(self)
        if not keep_data:
            self._drop_database()

    def _hold_port(self) -> None:
        self._release_port()
        held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # As the server bound it: its last connections may still be in TIME_WAIT.
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", self.port))  # bound, never listening: a connection is refused
        self._held = held

    def _release_port(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None

    def __enter__(self) -> ReceiverProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def endpoint(self, slug: str) -> str:
        return self.url(f"/{slug}/applications")

    def receipt_keys(self, slug: str) -> list[dict]:
        return httpx.get(self.url(f"/{slug}/.well-known/receipt-keys.json"), timeout=5).json()["keys"]

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """Another ``hikkoshi receiver`` command on the same data (``createstaff NAME``, ``keys``)."""
        return subprocess.run(
            self.command(*args),
            capture_output=True,
            text=True,
            env=self._env(),
            cwd=self.base_dir,
            timeout=60,
            check=True,
        )


class StandIn:
    """A tiny HTTP server in a thread on 127.0.0.1; ``handler(request)`` answers each request.

    ``request`` has ``method``, ``path``, ``headers`` (a dict) and ``body``; the handler returns
    ``(status, headers, body bytes)``. ``requests`` lists what arrived."""

    def __init__(self, handler):
        self.handler = handler
        self.requests: list = []
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = _Seen(self.command, self.path, dict(self.headers.items()), body)
                stand_in.requests.append(request)
                status, headers, content = stand_in.handler(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


class _Seen:
    def __init__(self, method, path, headers, body):
        self.method, self.path, self.headers, self.body = method, path, headers, body
