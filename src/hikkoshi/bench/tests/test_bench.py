"""Tests of the benchmark tools: percentiles, the load generator, and one short real run."""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import os
from pathlib import Path
import statistics
import subprocess
import sys
import threading

import pytest

from hikkoshi.bench.loadgen import percentile, run_load, summarise
from hikkoshi.bench.search import sample_postcodes
from hikkoshi.bench.servers import children_of, cpu_seconds, rss_mb

# --- percentile ----------------------------------------------------------------------------------


def test_percentile_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1
    assert percentile([7.5], 99) == 7.5
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile([1, 2, 3, 4], 51) == 3


def test_percentile_of_nothing_and_bad_q():
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_summarise():
    out = summarise([0.001, 0.002, 0.003, 0.004], elapsed=2.0)
    assert out["requests"] == 4
    assert out["throughput"] == 2.0
    assert out["p50_ms"] == 2.0
    assert out["max_ms"] == 4.0
    assert summarise([], elapsed=1.0)["p99_ms"] is None


# --- the load generator against a tiny local server ----------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/ok"):
            status, body = 200, b'{"ok": true}'
        elif self.path.startswith("/missing"):
            status, body = 404, b'{"missing": true}'
        else:
            status, body = 500, b"boom"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_load_counts_statuses_and_errors(local_server):
    result, latencies = run_load(
        "127.0.0.1", local_server, ["/ok?a=1", "/missing", "/boom"], connections=3, seconds=0.5, ok_statuses=(200, 404)
    )
    statuses = result["statuses"]
    assert set(statuses) == {"200", "404", "500"}
    assert result["requests"] == sum(statuses.values()) == len(latencies)
    assert result["errors"] == statuses["500"]
    assert result["throughput"] > 0
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["cpu_seconds"] >= 0 and result["bytes_mean"] > 0


def test_load_only_200_is_ok_by_default(local_server):
    result, _ = run_load("127.0.0.1", local_server, ["/ok", "/missing"], connections=2, seconds=0.3)
    assert result["errors"] == result["statuses"]["404"] > 0


def test_warmup_requests_are_not_recorded(local_server):
    result, _ = run_load("127.0.0.1", local_server, ["/ok"], connections=2, seconds=0.3, warmup=0.3)
    assert result["warmup_requests"] > 0
    assert result["errors"] == 0 and result["requests"] > 0


def test_refused_connections_are_errors_and_bounded_in_time():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result, latencies = run_load("127.0.0.1", port, ["/"], connections=2, seconds=0.3, timeout=1)
    assert result["requests"] == 0 and len(latencies) == 0
    assert result["errors"] > 0
    assert set(result["statuses"]) <= {"ECONNREFUSED", "connection-failed"}


def test_loadgen_command_prints_json(local_server, tmp_path):
    paths = tmp_path / "paths.txt"
    paths.write_text("/ok\n/missing\n")
    lat = tmp_path / "lat.bin"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hikkoshi.bench.loadgen",
            "--url",
            f"http://127.0.0.1:{local_server}",
            "--paths-file",
            str(paths),
            "--connections",
            "2",
            "--seconds",
            "0.3",
            "--ok-status",
            "200,404",
            "--latencies-out",
            str(lat),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == 0 and result["requests"] > 0
    assert lat.stat().st_size == 8 * result["requests"]


# --- helpers of the orchestration -------------------------------------------------------------------


def test_sample_postcodes_is_deterministic_and_mostly_hokkaido():
    codes, unknown = sample_postcodes(200)
    again, _ = sample_postcodes(200)
    assert codes == again
    assert len(codes) == len(set(codes)) == 200
    assert unknown <= set(codes)
    assert {"0600042", "1000001", "5300001"} <= set(codes)
    hokkaido = [c for c in codes if c[:2] in {f"0{d}" for d in range(10)}]
    assert len(hokkaido) > len(codes) / 2


def test_proc_readings_of_this_process():
    parent = os.getppid()
    assert os.getpid() in children_of(parent)
    assert cpu_seconds([os.getpid()]) > 0
    assert rss_mb(os.getpid()) > 1


def test_search_p99_bar_is_a_ratio_to_the_bare_view_of_the_same_run():
    from hikkoshi.bench.search import BAR_P99_RATIO, p99_bar

    # 2026-12-03 on a shared 2-core machine: the bare view's own p99 was 68.9 ms.
    slow = p99_bar(121.5, 68.9, 32)
    assert slow["value"] == pytest.approx(1.7634, abs=1e-4) and slow["pass"]
    assert slow["p99_ms"] == 121.5 and slow["baseline_p99_ms"] == 68.9 and slow["comparable"]
    assert "2 × the bare view's p99" in slow["target"]
    assert p99_bar(BAR_P99_RATIO * 10.0, 10.0, 32)["pass"]
    assert not p99_bar(20.1, 10.0, 32)["pass"]
    assert not p99_bar(20.0, 10.0, 4)["comparable"]
    for p99, baseline in ((None, 10.0), (12.0, None), (12.0, 0.0)):
        missing = p99_bar(p99, baseline, 32)
        assert missing["value"] is None and not missing["pass"]


# --- one short real run ----------------------------------------------------------------------------

REQUIRED = {"name", "throughput", "baseline_throughput", "ratio", "p50_ms", "p99_ms"}


@pytest.mark.slow
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the benchmark always serves SQLite; the SQLite run covers it"
)
def test_bench_search_smoke(tmp_path):
    script = Path(sys.executable).with_name("hikkoshi")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "hikkoshi.cli"]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["HIKKOSHI_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [*cmd, "bench", "search", "--json", "--seconds", "2", "--connections", "4", "--rounds", "1", "--warmup", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert REQUIRED <= set(result)
    assert result["name"] == "search"
    assert result["throughput"] > 0 and result["baseline_throughput"] > 0
    assert result["ratio"] == pytest.approx(result["throughput"] / result["baseline_throughput"], rel=1e-3)
    assert result["errors"] == 0 and result["baseline_errors"] == 0
    assert result["worker_rss_mb"] > 0
    assert set(result["bar"]) >= {"ratio", "p99_ratio", "worker_rss_mb", "errors", "stats_overhead"}
    assert result["p99_ratio"] == pytest.approx(result["p99_ms"] / result["baseline_p99_ms"], rel=1e-3)
    assert result["bar"]["p99_ratio"]["value"] == result["p99_ratio"]
    assert result["bar"]["p99_ratio"]["p99_ms"] == result["p99_ms"]
    assert result["stats_off_throughput"] > 0 and result["stats_off_errors"] == 0
    assert result["stats_ratio"] == pytest.approx(result["throughput"] / result["stats_off_throughput"], rel=1e-3)
    assert result["stats_off_server_cpu_ms_per_request"] > 0
    cost = result["counting_cost"]
    assert cost["counted"] > 0  # counting was on in its turns
    # Enough rounds that one hiccup of the machine cannot move their median past the bar.
    assert len(cost["round_ratios"]) == cost["rounds"] >= 16
    assert cost["ratio"] == pytest.approx(statistics.median(cost["round_ratios"]), rel=1e-3)
    assert result["bar"]["stats_overhead"]["value"] == cost["ratio"]
    assert result["stats_cpu_ratio"] == pytest.approx(
        result["stats_off_server_cpu_ms_per_request"] / result["server_cpu_ms_per_request"], rel=1e-2
    )
    assert "search: " in done.stdout.strip().splitlines()[-2]


@pytest.mark.slow
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the benchmark always serves SQLite; the SQLite run covers it"
)
def test_bench_federation_smoke(tmp_path):
    """A short real run: local search, a replicated renrakucho peer, a live kansai-json peer and a
    black-holed one, each phase measured, the JSON contract kept, no 5xx."""
    script = Path(sys.executable).with_name("hikkoshi")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "hikkoshi.cli"]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["HIKKOSHI_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [*cmd, "bench", "federation", "--json", "--seconds", "1", "--connections", "4", "--warmup", "0.5"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert REQUIRED <= set(result) and result["name"] == "federation"
    assert set(result["scenarios"]) == {"local", "replicated", "live", "black_holed"}
    assert all(s["throughput"] > 0 for s in result["scenarios"].values())
    assert result["bar"]["black_holed_5xx"]["value"] == 0
    assert result["order"] == ["local", "replicated", "live", "black_holed", "local"]
    assert "federation: " in done.stdout.strip().splitlines()[-2]


def test_the_black_hole_accepts_and_never_answers():
    from hikkoshi.bench.federation import BlackHole
    from hikkoshi.federation.errors import DeadlineExceeded
    from hikkoshi.federation.http import exchange

    hole = BlackHole()
    try:
        with pytest.raises(DeadlineExceeded):
            exchange("GET", hole.url + "/", headers={}, max_bytes=1000, deadline=0.5)
    finally:
        hole.close()


def test_unknown_benchmark_lists_the_known_ones():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="known: delivery, documents, federation, scale, search"):
        call_command("bench", "nope")


@pytest.mark.slow
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the benchmark makes its own databases (SQLite and PostgreSQL); the SQLite run covers it",
)
def test_bench_delivery_smoke(tmp_path):
    """A short real run: moves submitted and delivered through workers to a receiver and a mail
    sink, on SQLite (and PostgreSQL when it answers), every application exactly once."""
    script = Path(sys.executable).with_name("hikkoshi")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "hikkoshi.cli"]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["HIKKOSHI_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [*cmd, "bench", "delivery", "--json", "--seconds", "1", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert REQUIRED <= set(result) and result["name"] == "delivery"
    assert "sqlite" in result["results"]
    for database, r in result["results"].items():
        assert r["all_delivered_once"], database
        assert r["web_applications"] == 3 * r["moves"] and r["mails"] == 3 * r["moves"]
        assert r["moves_per_second"] > 0 and r["noop_per_second"] > 0
        assert r["worker_cpu_seconds"] > 0  # the workers' processes, reaped when they stop
        assert r["worker_restarts"] == 0  # no worker process died and was started again
        assert r["moves_per_1000_tasks"] == pytest.approx(1000 * r["moves_per_second"] / r["noop_per_second"], rel=1e-2)
        assert result["bar"][f"{database} moves/s"]["value"] == r["moves_per_1000_tasks"]
    assert result["throughput"] == min(r["moves_per_second"] for r in result["results"].values())
    assert done.stdout.strip().splitlines()[-2].startswith("delivery: ")
    # The table, without --json.
    assert "moves per second" in delivery_table(result)


def test_the_delivery_bar_is_ten_moves_a_second_at_the_reference_speed():
    """The bar, judged against the same run's empty tasks, is exactly 10 moves/s on a machine as
    fast as the one where it was set, and scales with the machine: half as fast, 5 moves/s pass."""
    from hikkoshi.bench.delivery import REFERENCE_NOOP_PER_SECOND, moves_per_1000_tasks, relative_bar

    for database, noop in REFERENCE_NOOP_PER_SECOND.items():
        want = relative_bar(database)
        assert moves_per_1000_tasks({"moves_per_second": 10.0, "noop_per_second": noop}) == pytest.approx(
            want, abs=0.05
        )
        assert moves_per_1000_tasks({"moves_per_second": 5.0, "noop_per_second": noop / 2}) >= want - 0.05
        assert moves_per_1000_tasks({"moves_per_second": 9.0, "noop_per_second": noop}) < want
    assert moves_per_1000_tasks({"moves_per_second": 1.0, "noop_per_second": 0}) == 0.0


def test_the_delivery_childs_environment_keeps_only_the_statistics_switch_of_the_callers_settings(tmp_path):
    """``HIKKOSHI_STATS=0 hikkoshi bench delivery`` measures the pipeline without counting; the
    caller's own data directory, ports and database never reach the child and its workers."""
    from hikkoshi.bench.delivery import child_environment

    caller = {
        "HIKKOSHI_STATS": "0",
        "HIKKOSHI_DATA_DIR": "/elsewhere",
        "HIKKOSHI_SMTP_PORT": "25",
        "DATABASE_URL": "postgres://somewhere/else",
        "PATH": "/usr/bin",
    }
    env = child_environment(tmp_path, caller)
    assert env["HIKKOSHI_STATS"] == "0"
    assert env["HIKKOSHI_DATA_DIR"] == str(tmp_path / "portal")
    assert "HIKKOSHI_SMTP_PORT" not in env and "DATABASE_URL" not in env
    assert env["PATH"] == "/usr/bin"
    assert "HIKKOSHI_STATS" not in child_environment(tmp_path, {"PATH": "/usr/bin"})


def delivery_table(result):
    from hikkoshi.bench.delivery import format_table

    return format_table(result)


@pytest.mark.slow
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the benchmark makes its own databases; the SQLite run covers it"
)
def test_bench_scale_smoke(tmp_path):
    """A short real run at small sizes: both directories served and compared, the imports
    timed, one worker asked for distinct places, and a few moves on each database."""
    script = Path(sys.executable).with_name("hikkoshi")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "hikkoshi.cli"]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["HIKKOSHI_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [
            *cmd,
            "bench",
            "scale",
            "--json",
            "--organisations",
            "300",
            "--lookups",
            "150",
            "--moves",
            "40",
            "--seconds",
            "0.5",
            "--connections",
            "4",
            "--rounds",
            "1",
            "--warmup",
            "0.2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert REQUIRED <= set(result) and result["name"] == "scale"
    assert result["throughput"] > 0 and result["baseline_throughput"] > 0
    assert result["errors"] == 0 and result["lookups_done"] == 150
    assert result["lookup_statuses"] == {"200": 150}
    assert result["organisations"] == 300 and result["import_seconds"] > 0
    assert 0 < result["worker_rss_mb"] < 1000
    assert set(result["bar"]) >= {
        "ratio",
        "worker_rss_mb",
        "reimport_seconds",
        "import_seconds",
        "errors",
        "procedures_p99_ratio",
        "procedures_worker_rss_mb",
        "procedures_errors",
    }
    procedures = result["procedures"]  # the catalogue index's figures, same run
    assert procedures["procedures_errors"] == 0 and procedures["procedures_distinct_moves"] == 150
    assert procedures["procedures_p99_ratio"] > 0 and procedures["baseline_procedures_p99_ms"] > 0
    assert procedures["procedures_answered"] >= procedures["baseline_procedures_answered"] > 0
    assert 0 < procedures["procedures_worker_rss_mb"] < 1000
    sqlite = result["moves"]["results"]["sqlite"]
    assert sqlite["moves"] == 40 and sqlite["rows"]["moves"] == 41  # the copies and their model
    assert sqlite["rows"]["deliveries"] == sqlite["rows"]["procedures"] and sqlite["rows"]["deliveries"] % 41 == 0
    assert set(sqlite["ratios"]) >= {"api_move_detail", "worker_claim", "sweeper", "erasure_hourly", "admin_list"}
    assert done.stdout.strip().splitlines()[-2].startswith("scale: ")


@pytest.mark.django_db
def test_the_readiness_probe_never_deletes_a_task_a_worker_is_running(monkeypatch):
    """The pipeline waits for every worker process to take a probe, then clears the probes —
    never one a worker is running: its worker would find no row to store the result in, its loop
    would fail and the process would be started again in the middle of the timed phase. Here one
    worker process runs one probe (still running when the wait ends) after finishing another."""
    import time

    from django_tasks_db.models import DBTaskResult

    from hikkoshi.bench import delivery

    steps = []

    def a_worker_takes_probes(seconds):
        probes = list(DBTaskResult.objects.filter(task_path__endswith=".ready").order_by("enqueued_at", "id"))
        assert len(probes) == 4  # four a process, one process
        DBTaskResult.objects.filter(pk=probes[0].pk).update(status="SUCCESSFUL", worker_ids=["host-4242-0-1"])
        DBTaskResult.objects.filter(pk=probes[1].pk).update(status="RUNNING", worker_ids=["host-4242-1-1"])
        steps.append(probes[1].pk)

    monkeypatch.setattr(time, "sleep", a_worker_takes_probes)
    workers = delivery._Workers.__new__(delivery._Workers)  # its wait alone, no processes
    workers.wait_ready(1, timeout=30)
    assert len(steps) == 1  # ready at the next look
    left = DBTaskResult.objects.filter(task_path__endswith=".ready")
    assert list(left.values_list("pk", "status")) == [(steps[0], "RUNNING")]
