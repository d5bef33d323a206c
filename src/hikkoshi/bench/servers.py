"""Running what a benchmark measures: gunicorn servers, the load generator, and /proc readings.

Shared by every benchmark. Servers run in their own process group so that stopping one stops
its workers too; every wait is bounded by a :class:`Deadline`.
"""

import http.client
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

from hikkoshi.processes import die_with_parent
from hikkoshi.serving import free_port, gunicorn_command


class BenchError(RuntimeError):
    """A benchmark could not run (a server did not start, a step failed or ran out of time)."""


class Deadline:
    """The hard time limit of a whole run."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def remaining(self, at_most: float | None = None) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise BenchError("the benchmark ran out of time")
        return left if at_most is None else min(left, at_most)


def run_step(cmd: list[str], *, env: dict, deadline: Deadline, at_most: float = 300) -> str:
    """Run a setup step to completion; its output on failure."""
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=deadline.remaining(at_most))
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"timed out: {' '.join(cmd)}") from exc
    if done.returncode != 0:
        raise BenchError(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout}{done.stderr}")
    return done.stdout


# --- /proc -------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: [state, ppid, …, utime, stime, …]."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (gunicorn's workers are its master's children)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / _TICK


def rss_mb(pid: int) -> float | None:
    """Resident memory (VmRSS) of a process in MB (MiB)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


# --- gunicorn ----------------------------------------------------------------------------------


class GunicornServer:
    """One gunicorn master (sync workers) on 127.0.0.1, started as ``hikkoshi serve`` would."""

    def __init__(self, name: str, app: str, *, workers: int, env: dict, log_path: Path):
        self.name, self.app, self.workers, self.env = name, app, workers, env
        self.log_path = log_path
        self.host = "127.0.0.1"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, probe_path: str, deadline: Deadline, ready_statuses=(200,)) -> None:
        """Start, then wait until every worker is up and ``probe_path`` answers."""
        for _ in range(3):  # a free port can be taken between our probe and gunicorn's bind
            self.port = free_port(self.host)
            cmd = gunicorn_command(host=self.host, port=self.port, workers=self.workers, app=self.app)
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    cmd,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    preexec_fn=die_with_parent,
                )
            if self._wait_ready(probe_path, deadline, ready_statuses):
                return
            self.stop()
        raise BenchError(f"{self.name} server did not start; its log:\n{self.log_tail()}")

    def _wait_ready(self, path, deadline: Deadline, ready_statuses) -> bool:
        until = time.monotonic() + deadline.remaining(60)
        assert self.proc is not None  # started
        status = None
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                return False
            if status not in ready_statuses:
                status = self.get(path)[0]
                if status is not None and status not in ready_statuses:
                    raise BenchError(f"{self.name} server answers {status} on {path}; its log:\n{self.log_tail()}")
            if status in ready_statuses and len(self.worker_pids()) >= self.workers:
                return True
            time.sleep(0.1)
        return False

    def get(self, path: str, timeout: float = 5.0) -> tuple[int | None, bytes]:
        """One GET; (None, b"") if nothing answers."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            response = conn.getresponse()
            return response.status, response.read()
        except OSError:
            return None, b""
        finally:
            conn.close()

    def worker_pids(self) -> list[int]:
        return children_of(self.proc.pid) if self.proc else []

    def cpu_seconds(self) -> float:
        return cpu_seconds([self.proc.pid, *self.worker_pids()]) if self.proc else 0.0

    def worker_rss_mb(self) -> list[float]:
        return [mb for mb in map(rss_mb, self.worker_pids()) if mb is not None]

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the master and its workers (their process group), by force if need be."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # workers left behind by a master that died first
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --- the load generator ------------------------------------------------------------------------


def run_loadgen(
    server: GunicornServer,
    paths_file: Path,
    *,
    connections: int,
    seconds: float,
    warmup: float,
    ok_statuses,
    latencies_out: Path,
    deadline: Deadline,
) -> dict:
    """Load ``server`` from a separate process; its JSON result."""
    cmd = [
        sys.executable,
        "-m",
        "hikkoshi.bench.loadgen",
        "--url",
        server.url,
        "--paths-file",
        str(paths_file),
        "--connections",
        str(connections),
        "--seconds",
        str(seconds),
        "--warmup",
        str(warmup),
        "--ok-status",
        ",".join(map(str, ok_statuses)),
        "--latencies-out",
        str(latencies_out),
    ]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    try:
        done = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=deadline.remaining(seconds + warmup + 30)
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"the load generator did not stop against {server.name}") from exc
    if done.returncode != 0:
        raise BenchError(f"the load generator failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])
