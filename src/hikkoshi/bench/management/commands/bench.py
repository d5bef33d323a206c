"""``hikkoshi bench NAME [--json] [--seconds N] [--connections N] [--workers N]``.

Runs one benchmark of :mod:`hikkoshi.bench` against its bare-Django baseline and prints a
table, or with ``--json`` a verdict line and then the result object as the last line of stdout.
Progress goes to stderr. The exit status is 0 whether or not the bar is met; it is non-zero
only when the benchmark could not run.

An HTTP benchmark serves the real application with gunicorn (sync workers, SQLite in a
temporary data directory) next to a *baseline*: a bare Django JSON view
(:mod:`hikkoshi.bench.baseline`) served exactly the same way, in the same run. A separate
load-generator process (:mod:`hikkoshi.bench.loadgen`, closed loop, N connections on 127.0.0.1)
measures both in alternating phases of the same length, so a noisy machine affects both alike.
Every loop stops by time and the servers are always killed at the end.

The JSON contract (``hikkoshi bench NAME --json``): the LAST line of stdout is one JSON object
with at least

- ``name``: the benchmark;
- ``throughput`` and ``baseline_throughput``: completed requests per second, measured in the
  same run; ``ratio`` = ``throughput / baseline_throughput``;
- ``p50_ms`` and ``p99_ms``: latency percentiles of the benchmarked target (connect to last
  byte), in milliseconds;

and, for the search benchmark, also ``connections``, ``seconds`` (per phase), ``rounds``,
``workers``, ``requests``, ``errors``, ``statuses``, ``baseline_p50_ms``, ``baseline_p99_ms``,
``p99_ratio`` (``p99_ms / baseline_p99_ms``, the bar's p99 entry),
``server_cpu_ms_per_request`` (both targets), ``loadgen_cpu_share``, ``worker_rss_mb`` (largest
worker of the benchmarked server after its load), ``postcodes``, ``organisations``,
``python``, ``django``, ``cores`` and ``bar``: one entry per target with ``target``, ``value``
and ``pass``, plus ``pass`` for the whole bar; and the same search server with the usage
statistics switched off (``HIKKOSHI_STATS=0``) in the same run: ``stats_off_throughput``,
``stats_ratio`` (= ``throughput / stats_off_throughput``; bar ``stats_overhead`` >= 0.95),
``stats_off_p50_ms``, ``stats_off_p99_ms``, ``stats_off_requests``, ``stats_off_errors``.
"""

from collections.abc import Callable
import json
import signal

from django.core.management.base import BaseCommand, CommandError

from hikkoshi.bench import delivery, documents, federation, scale
from hikkoshi.bench.delivery import run_delivery
from hikkoshi.bench.documents import run_documents
from hikkoshi.bench.federation import run_federation
from hikkoshi.bench.scale import run_scale
from hikkoshi.bench.search import run_search
from hikkoshi.bench.servers import BenchError

# name -> runner(*, seconds, connections, workers, rounds, warmup, keep, log) -> result dict
BENCHMARKS: dict[str, Callable[..., dict]] = {
    "search": run_search,
    "documents": run_documents,
    "delivery": run_delivery,
    "scale": run_scale,
    "federation": run_federation,
}
# Benchmarks whose results are not shaped like the HTTP ones print their own table.
TABLES = {
    "documents": documents.format_table,
    "delivery": delivery.format_table,
    "scale": scale.format_table,
    "federation": federation.format_table,
}
# Options of one benchmark only: name -> option names passed on to its runner.
OWN_OPTIONS = {"scale": ("organisations", "lookups", "moves", "procedures")}


class Command(BaseCommand):
    help = "Benchmark the portal over HTTP against a bare Django view (gunicorn, SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("name", help=f"which benchmark: {', '.join(sorted(BENCHMARKS))}")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the result as one JSON object on the last line"
        )
        parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds of each phase (default 10)")
        parser.add_argument(
            "--connections", type=int, default=32, help="concurrent connections of the load (default 32)"
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="gunicorn sync workers of both servers (default 2 × cores + 1)"
        )
        parser.add_argument(
            "--rounds", type=int, default=2, help="baseline/benchmark phase pairs, alternating (default 2)"
        )
        parser.add_argument(
            "--warmup", type=float, default=1.0, help="unrecorded seconds of load before each phase (default 1)"
        )
        parser.add_argument("--keep", action="store_true", help="keep the temporary data directory (logs, database)")
        parser.add_argument(
            "--organisations",
            type=int,
            default=20_000,
            help="scale: organisations in the synthetic directory (default 20,000)",
        )
        parser.add_argument(
            "--lookups",
            type=int,
            default=20_000,
            help="scale: distinct postal codes asked of one worker (default 20,000)",
        )
        parser.add_argument(
            "--procedures",
            type=int,
            default=15_000,
            help="scale: procedures in the synthetic catalogue (default 15,000)",
        )
        parser.add_argument(
            "--moves", type=int, default=0, help="scale: also measure the API, workers and erasure at N moves"
        )

    def handle(self, *args, name, as_json: bool, **options):
        runner = BENCHMARKS.get(name)
        if runner is None:
            raise CommandError(f"unknown benchmark {name!r}; known: {', '.join(sorted(BENCHMARKS))}")
        # A plain `kill` must still stop the servers (the runner's `finally`).
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            result = runner(
                seconds=options["seconds"],
                connections=options["connections"],
                workers=options["workers"],
                rounds=options["rounds"],
                warmup=options["warmup"],
                keep=options["keep"],
                log=lambda msg: self.stderr.write(f"[bench {name}] {msg}"),
                **{option: options[option] for option in OWN_OPTIONS.get(name, ())},
            )
        except BenchError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            signal.signal(signal.SIGTERM, previous)
        if as_json:
            self.stdout.write(result["verdict"])
            self.stdout.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")))
        else:
            self.stdout.write(TABLES.get(name, format_table)(result))
            self.stdout.write(result["verdict"])


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def format_table(r: dict) -> str:
    """The result as a readable table: the benchmark beside its baseline."""
    name = r["name"]
    head = (
        f"{name} benchmark — {r['connections']} connections, {r['rounds']} × "
        f"({r['seconds']:g} s {r['order'][0]} + {r['seconds']:g} s {r['order'][1]}) "
        f"alternating, {r['workers']} {r['worker_class']} workers each, "
        f"{r['cores']} cores, Python {r['python']}, Django {r['django']}"
    )
    rows = [
        ("throughput (req/s)", r["throughput"], r["baseline_throughput"]),
        ("p50 (ms)", r["p50_ms"], r["baseline_p50_ms"]),
        ("p99 (ms)", r["p99_ms"], r["baseline_p99_ms"]),
        ("requests", r["requests"], r["baseline_requests"]),
        ("errors", r["errors"], r["baseline_errors"]),
        ("mean answer (bytes)", r["bytes_mean"], r["baseline_bytes_mean"]),
        ("server CPU per request (ms)", r["server_cpu_ms_per_request"], r["baseline_server_cpu_ms_per_request"]),
        ("largest worker RSS (MB)", r["worker_rss_mb"], r["baseline_worker_rss_mb"]),
    ]
    width = max(len(label) for label, *_ in rows)
    lines = [head, "", f"{'':<{width}}  {name:>12}  {'baseline':>12}"]
    lines += [f"{label:<{width}}  {_cell(a):>12}  {_cell(b):>12}" for label, a, b in rows]
    lines += [
        "",
        f"ratio {r['ratio']:.3f}"
        + (f", p99 ratio {r['p99_ratio']}" if r.get("p99_ratio") is not None else "")
        + f"; statuses {r['statuses']}; "
        f"load generator at most {100 * r['loadgen_cpu_share']:.0f} % of one core; "
        f"{r.get('organisations', '?')} organisations, {r['postcodes']} postal codes",
        "",
    ]
    if "stats_ratio" in r:  # the search benchmark: counting on and off (HIKKOSHI_STATS=0)
        lines += [
            f"usage statistics: {_cell(r['throughput'])} req/s counting, "
            f"{_cell(r['stats_off_throughput'])} req/s not counting (HIKKOSHI_STATS=0): "
            f"ratio {r['stats_ratio']:.3f}",
            "",
        ]
    lines.append("bar:")
    for key, item in r["bar"].items():
        lines.append(
            f"  {'pass' if item['pass'] else 'FAIL'}  {key:<14} {_cell(item['value']):>10}  (want {item['target']})"
        )
    phases = ", ".join(f"{p['target']} {p['throughput']:.0f}/s p99 {p['p99_ms']}" for p in r["phases"])
    lines += ["", f"phases in order: {phases}", ""]
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
