"""The scale benchmark (全国規模): a nationwide directory against the shipped one, in one run.

Issue 16: a prefecture, a federation of portals or a national operator loads every
municipality's organisations and keeps years of moves. Bars: search throughput over a synthetic
directory of 20,000 organisations at least 0.9 × the shipped directory's in the same run; one
web worker under 150 MB after 20,000 distinct look-ups; an unchanged re-import under 10 s (and
the first import under 30 s). The catalogue's procedures at scale (p99 ≤ 1.5 × with 15,000
procedures, with the shipped catalogue as the baseline in the same run; one worker under 150 MB)
are measured by ``procedures_figures``.

A run: two temporary data directories. *shipped*: ``migrate`` and the shipped directory files,
as in ``bench search``. *nationwide*: a copy of it, then ``hikkoshi directory import`` of the
synthetic nationwide directory (:mod:`hikkoshi.bench.nationwide`: every other municipality in
Japan, the shipped places keeping their real data; timed), the same file again
(timed: nothing changed) and a file changing one organisation (timed); then a synthetic
catalogue of ``procedures`` procedures for those organisations, imported and re-imported
(timed; the catalogue's search figures are the catalogue index's, see ``procedures_figures``). Both served by the same
gunicorn command; the search (``GET /api/v1/organisations?postcode=…``, the search
benchmark's ~200 postal codes) loads them in alternating phases; then one more nationwide phase
during which one organisation is changed by an import (the latency while every worker takes
up the new directory); then a single-worker server on the nationwide data is asked for
``lookups`` distinct postal codes from all over Japan, and its memory read.

With ``moves`` > 0, :mod:`hikkoshi.bench.moves` adds the figures of years of moves.
"""

import array
import json
import os
from pathlib import Path
import shutil
import sys
import tempfile
import threading
import time

from hikkoshi.bench.loadgen import summarise
from hikkoshi.bench.nationwide import (
    covered_municipalities,
    distinct_postcodes,
    synthetic_catalogue,
    synthetic_directory,
)
from hikkoshi.bench.search import DIRECTORY_DATA, FIXED_CODES, SEARCH_PATH, _prepare_data, _served_env, sample_postcodes
from hikkoshi.bench.servers import BenchError, Deadline, GunicornServer, run_loadgen, run_step

NAME = "scale"
CATALOGUE_DATA = Path(__file__).resolve().parents[1] / "catalogue" / "data"
BAR_RATIO = 0.90
BAR_WORKER_RSS_MB = 150.0
BAR_REIMPORT_SECONDS = 10.0
BAR_IMPORT_SECONDS = 30.0


PROCEDURES_PATH = "/api/v1/procedures?from={}&to={}"
# The Sapporo scenarios: 転居 中央区→北区, 転入 from Tokyo and Osaka, 転出 to Osaka and Tokyo,
# within a ward.
SAPPORO_PAIRS = [
    ("0600042", "0010024"),
    ("1000001", "0600042"),
    ("5300001", "0010024"),
    ("0600042", "5300001"),
    ("0010024", "1000001"),
    ("0600042", "0600001"),
]
SAPPORO_CODES = ["0600042", "0010024", "0600001", "0010010", "0050004"]
BAR_PROCEDURES_RATIO = 1.5


def procedure_paths(n: int, seed: int = 16) -> list[str]:
    """``n`` distinct ``GET /api/v1/procedures`` paths: the Sapporo scenarios, then moves
    between a Sapporo address and a postal code from anywhere in Japan (either way)."""
    paths = [PROCEDURES_PATH.format(a, b) for a, b in SAPPORO_PAIRS]
    others = distinct_postcodes(n, seed=seed)
    for i, code in enumerate(others):
        if len(paths) >= n:
            break
        here = SAPPORO_CODES[i % len(SAPPORO_CODES)]
        paths.append(PROCEDURES_PATH.format(*((here, code) if i % 2 else (code, here))))
    return list(dict.fromkeys(paths))[:n]


def procedures_figures(
    *,
    root: Path,
    deadline: Deadline,
    log,
    shipped_env: dict,
    nation_env: dict,
    workers: int,
    connections: int,
    seconds: float,
    warmup: float,
    rounds: int,
    lookups: int = 2_000,
) -> dict:
    """The catalogue index (issue 16): ``GET /api/v1/procedures`` with the nationwide catalogue
    (the synthetic procedures and the shipped ones) against the shipped catalogue alone, same
    server command, same run, alternating phases: p50/p99 and their ratio (bar: p99 ≤ 1.5 ×);
    then one worker on the nationwide data asked ``lookups`` distinct moves, and its memory."""
    log("the shipped catalogue into both databases (the nationwide one holds it beside the synthetic)")
    for env in (shipped_env, nation_env):
        run_step(
            [sys.executable, "-m", "hikkoshi.cli", "catalogue", "import", str(CATALOGUE_DATA / "sapporo.json")],
            env=env,
            deadline=deadline,
        )
    paths = procedure_paths(200)
    paths_file = root / "procedure-paths.txt"
    paths_file.write_text("\n".join(paths) + "\n", encoding="ascii")
    probe = paths[0]
    shipped = GunicornServer(
        "procedures-shipped",
        "hikkoshi.wsgi:application",
        workers=workers,
        env=shipped_env,
        log_path=root / "procedures-shipped.log",
    )
    nation = GunicornServer(
        "procedures-nationwide",
        "hikkoshi.wsgi:application",
        workers=workers,
        env=nation_env,
        log_path=root / "procedures-nationwide.log",
    )
    single = GunicornServer(
        "procedures-nationwide-1",
        "hikkoshi.wsgi:application",
        workers=1,
        env=nation_env,
        log_path=root / "procedures-single.log",
    )
    try:
        shipped.start(probe, deadline)
        nation.start(probe, deadline)
        mismatches, counts = [], {"shipped": 0, "nationwide": 0}
        for server, key in ((shipped, "shipped"), (nation, "nationwide")):
            for path in paths:
                status, body = server.get(path, timeout=deadline.remaining(60))
                if status != 200:
                    mismatches.append(f"{server.name} {path} -> {status}")
                else:
                    counts[key] += len(json.loads(body)["procedures"])
        for line in mismatches[:10]:
            log(f"unexpected answer: {line}")
        phases: dict[str, list[dict]] = {"shipped": [], "nationwide": []}
        targets = {"shipped": shipped, "nationwide": nation}
        for i, target in enumerate(["shipped", "nationwide"] * rounds, 1):
            log(f"procedures phase {i}/{2 * rounds}: {target}, {connections} connections, {seconds:g} s")
            phase = _phase(
                targets[target],
                paths_file,
                connections=connections,
                seconds=seconds,
                warmup=warmup,
                deadline=deadline,
                lat_file=root / f"lat-proc-{i}.bin",
            )
            phases[target].append(phase)
            r = phase["result"]
            log(f"  {r['throughput']:.0f} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, errors {r['errors']}")
        served_rss = nation.worker_rss_mb()
        shipped.stop()
        nation.stop()
        log(f"one worker on the nationwide catalogue: {lookups:,} distinct moves")
        single.start(probe, deadline)
        rss_start = max(single.worker_rss_mb() or [0.0])
        distinct_paths = procedure_paths(lookups, seed=1616)
        statuses: dict[str, int] = {}
        started = time.monotonic()
        for path in distinct_paths:
            status, _ = single.get(path, timeout=deadline.remaining(60))
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        distinct_seconds = round(time.monotonic() - started, 1)
        rss_after = max(single.worker_rss_mb() or [0.0]) or None
        log(f"  {len(distinct_paths):,} moves in {distinct_seconds} s; worker {rss_start} → {rss_after} MB")
    finally:
        for server in (shipped, nation, single):
            server.stop()
    n, b = _aggregate(phases["nationwide"]), _aggregate(phases["shipped"])
    return {
        "procedures_p50_ms": n["p50_ms"],
        "procedures_p99_ms": n["p99_ms"],
        "baseline_procedures_p50_ms": b["p50_ms"],
        "baseline_procedures_p99_ms": b["p99_ms"],
        "procedures_p50_ratio": round(n["p50_ms"] / b["p50_ms"], 3) if b["p50_ms"] else None,
        "procedures_p99_ratio": round(n["p99_ms"] / b["p99_ms"], 3) if b["p99_ms"] else float("inf"),
        "procedures_throughput": n["throughput"],
        "baseline_procedures_throughput": b["throughput"],
        "procedures_answered": counts["nationwide"],
        "baseline_procedures_answered": counts["shipped"],
        "procedures_errors": n["errors"]
        + b["errors"]
        + len(mismatches)
        + sum(v for k, v in statuses.items() if k != "200"),
        "procedures_served_worker_rss_mb": max(served_rss) if served_rss else None,
        "procedures_worker_rss_mb_start": rss_start,
        "procedures_worker_rss_mb": rss_after,
        "procedures_distinct_moves": len(distinct_paths),
        "procedures_distinct_seconds": distinct_seconds,
        "procedures_mismatches": mismatches,
    }


def _timed_import(env: dict, path: Path, deadline: Deadline, what: str = "directory") -> float:
    cli = [sys.executable, "-m", "hikkoshi.cli"]
    started = time.monotonic()
    run_step([*cli, what, "import", str(path)], env=env, deadline=deadline, at_most=600)
    return round(time.monotonic() - started, 2)


def _write(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def _phase(server, paths_file, *, connections, seconds, warmup, deadline, lat_file) -> dict:
    cpu0 = server.cpu_seconds()
    result = run_loadgen(
        server,
        paths_file,
        connections=connections,
        seconds=seconds,
        warmup=warmup,
        ok_statuses=(200, 404),
        latencies_out=lat_file,
        deadline=deadline,
    )
    latencies = array.array("d")
    latencies.frombytes(lat_file.read_bytes())
    return {"result": result, "latencies": latencies, "server_cpu": server.cpu_seconds() - cpu0}


def _aggregate(phases: list[dict]) -> dict:
    latencies = array.array("d")
    for phase in phases:
        latencies.extend(phase["latencies"])
    out = summarise(latencies, sum(p["result"]["elapsed"] for p in phases))
    out["errors"] = sum(p["result"]["errors"] for p in phases)
    out["requests"] = sum(p["result"]["requests"] for p in phases)
    served = sum(p["result"]["requests"] + p["result"]["warmup_requests"] for p in phases)
    out["server_cpu_ms_per_request"] = round(1000 * sum(p["server_cpu"] for p in phases) / max(1, served), 3)
    out["bytes_mean"] = phases[-1]["result"]["bytes_mean"]
    return out


def _distinct_lookups(server: GunicornServer, codes: list[str], deadline: Deadline, threads: int = 2) -> dict:
    """Ask ``server`` for every postal code once (``threads`` at a time); counts by status."""
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    until = time.monotonic() + deadline.remaining(900)

    def work(part):
        for code in part:
            if time.monotonic() > until:
                return
            status, _ = server.get(SEARCH_PATH.format(code), timeout=30)
            with lock:
                statuses[str(status)] = statuses.get(str(status), 0) + 1

    started = time.monotonic()
    pool = [threading.Thread(target=work, args=(codes[n::threads],)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {"statuses": statuses, "done": sum(statuses.values()), "seconds": round(time.monotonic() - started, 1)}


def run_scale(
    *,
    seconds: float = 10.0,
    connections: int = 32,
    workers: int | None = None,
    rounds: int = 2,
    warmup: float = 1.0,
    keep: bool = False,
    log=print,
    organisations: int = 20_000,
    lookups: int = 20_000,
    moves: int = 0,
    procedures: int = 15_000,
    procedure_lookups: int = 2_000,
) -> dict:
    """Run the benchmark; the result object of the JSON contract (see ``hikkoshi.bench``)."""
    cores = os.cpu_count() or 1
    workers = workers or 2 * cores + 1
    if seconds <= 0 or connections < 1 or rounds < 1 or workers < 1 or organisations < 1:
        raise BenchError("seconds, connections, rounds, workers and organisations must be positive")
    deadline = Deadline(1800 + 2 * rounds * (seconds + warmup + 20) + lookups * 0.05)
    tmp = tempfile.TemporaryDirectory(prefix="hikkoshi-bench-scale-", delete=not keep)
    root = Path(tmp.name)
    shipped_dir, nation_dir = root / "shipped", root / "nationwide"
    shipped_dir.mkdir()
    nation_dir.mkdir()
    servers: list[GunicornServer] = []
    try:
        shipped_env, nation_env = _served_env(shipped_dir), _served_env(nation_dir)
        data = _prepare_data(shipped_env, shipped_dir, deadline, log)
        shutil.copy(shipped_dir / "hikkoshi.sqlite3", nation_dir / "hikkoshi.sqlite3")

        log(f"writing a synthetic nationwide directory of {organisations:,} organisations")
        covered = covered_municipalities(sorted(DIRECTORY_DATA.glob("*.json")))
        document = synthetic_directory(organisations, covered=covered)
        synthetic = root / "nationwide.json"
        _write(synthetic, document)
        log("importing it (timed)")
        import_seconds = _timed_import(nation_env, synthetic, deadline)
        log(f"  {import_seconds} s; importing the same file again (timed)")
        reimport_seconds = _timed_import(nation_env, synthetic, deadline)
        log(f"  {reimport_seconds} s; importing one changed organisation (timed)")
        changed = dict(document["organisations"][0], name=document["organisations"][0]["name"] + "（変更）")
        edit_file = root / "edit.json"
        _write(edit_file, {**document, "organisations": [changed]})
        edit_seconds = _timed_import(nation_env, edit_file, deadline)

        log(f"a synthetic catalogue of {procedures:,} procedures for it: import and re-import (timed)")
        catalogue_file = root / "catalogue.json"
        _write(catalogue_file, synthetic_catalogue(document, procedures, CATALOGUE_DATA / "sapporo.json"))
        catalogue_import_seconds = _timed_import(nation_env, catalogue_file, deadline, what="catalogue")
        catalogue_reimport_seconds = _timed_import(nation_env, catalogue_file, deadline, what="catalogue")
        log(f"  {catalogue_import_seconds} s, again {catalogue_reimport_seconds} s")

        codes, unknown = sample_postcodes(200)
        paths_file = root / "paths.txt"
        paths_file.write_text("\n".join(SEARCH_PATH.format(c) for c in codes) + "\n", encoding="ascii")
        probe = SEARCH_PATH.format(FIXED_CODES[0])
        shipped = GunicornServer(
            "shipped", "hikkoshi.wsgi:application", workers=workers, env=shipped_env, log_path=root / "shipped.log"
        )
        nation = GunicornServer(
            "nationwide", "hikkoshi.wsgi:application", workers=workers, env=nation_env, log_path=root / "nationwide.log"
        )
        servers += [shipped, nation]
        log(f"starting both servers ({workers} sync workers each)")
        shipped.start(probe, deadline)
        nation.start(probe, deadline)
        mismatches = []
        for server in (shipped, nation):
            for code in codes:
                status, _ = server.get(SEARCH_PATH.format(code), timeout=deadline.remaining(30))
                if status != (404 if code in unknown else 200):
                    mismatches.append(f"{server.name} {code} -> {status}")
        for line in mismatches[:10]:
            log(f"unexpected answer: {line}")

        order = ["shipped", "nationwide"] * rounds
        targets = {"shipped": shipped, "nationwide": nation}
        phases: dict[str, list[dict]] = {"shipped": [], "nationwide": []}
        phase_log: list[dict] = []
        for i, target in enumerate(order, 1):
            log(f"phase {i}/{len(order)}: {target}, {connections} connections, {warmup:g} s warm-up + {seconds:g} s")
            phase = _phase(
                targets[target],
                paths_file,
                connections=connections,
                seconds=seconds,
                warmup=warmup,
                deadline=deadline,
                lat_file=root / f"lat-{i}.bin",
            )
            phases[target].append(phase)
            r = phase["result"]
            phase_log.append(
                {
                    "target": target,
                    "throughput": r["throughput"],
                    "p50_ms": r["p50_ms"],
                    "p99_ms": r["p99_ms"],
                    "errors": r["errors"],
                }
            )
            log(f"  {r['throughput']:.0f} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, errors {r['errors']}")
        search_rss = nation.worker_rss_mb()

        log("one more nationwide phase, with one organisation changed by an import half-way")
        changed_again = dict(changed, name=changed["name"] + "（再変更）")
        _write(edit_file, {**document, "organisations": [changed_again]})
        edit_during: dict = {}

        def edit_later():
            time.sleep(warmup + seconds / 3)
            edit_during["seconds"] = _timed_import(nation_env, edit_file, deadline)

        editor = threading.Thread(target=edit_later)
        editor.start()
        during = _phase(
            nation,
            paths_file,
            connections=connections,
            seconds=seconds,
            warmup=warmup,
            deadline=deadline,
            lat_file=root / "lat-change.bin",
        )
        editor.join()
        for server in (shipped, nation):
            server.stop()

        log(f"a single-worker server on the nationwide data: {lookups:,} distinct postal codes")
        single = GunicornServer(
            "nationwide-1", "hikkoshi.wsgi:application", workers=1, env=nation_env, log_path=root / "single.log"
        )
        servers.append(single)
        single.start(probe, deadline)
        rss_start = max(single.worker_rss_mb() or [0.0])
        distinct = _distinct_lookups(single, distinct_postcodes(lookups), deadline)
        rss_after = max(single.worker_rss_mb() or [0.0]) or None
        single.stop()
        log(f"  {distinct['done']:,} look-ups in {distinct['seconds']} s; worker {rss_start} → {rss_after} MB")

        extra = procedures_figures(
            root=root,
            deadline=deadline,
            log=log,
            shipped_env=shipped_env,
            nation_env=nation_env,
            workers=workers,
            connections=connections,
            seconds=seconds,
            warmup=warmup,
            rounds=rounds,
            lookups=min(lookups, procedure_lookups),
        )
        moves_figures = None
        if moves:
            from hikkoshi.bench.moves import run_moves

            moves_figures = run_moves(moves=moves, root=root, deadline=deadline, log=log)
        if keep:
            log(f"keeping {root}")
    finally:
        for server in servers:
            server.stop()
        if not keep:
            tmp.cleanup()

    s, b = _aggregate(phases["nationwide"]), _aggregate(phases["shipped"])
    ratio = round(s["throughput"] / b["throughput"], 4) if b["throughput"] else 0.0
    change = summarise(during["latencies"], during["result"]["elapsed"])
    errors = s["errors"] + b["errors"] + during["result"]["errors"] + len(mismatches)
    lookup_errors = sum(n for status, n in distinct["statuses"].items() if status != "200")
    bar = {
        "ratio": {
            "target": f">= {BAR_RATIO:.2f} of the shipped directory's",
            "value": ratio,
            "pass": ratio >= BAR_RATIO,
        },
        "worker_rss_mb": {
            "target": f"< {BAR_WORKER_RSS_MB:g} after {lookups:,} distinct look-ups",
            "value": rss_after,
            "pass": rss_after is not None
            and rss_after < BAR_WORKER_RSS_MB
            and distinct["done"] == lookups
            and lookup_errors == 0,
        },
        "reimport_seconds": {
            "target": f"< {BAR_REIMPORT_SECONDS:g}",
            "value": reimport_seconds,
            "pass": reimport_seconds < BAR_REIMPORT_SECONDS,
        },
        "catalogue_import_seconds": {
            "target": f"< {BAR_IMPORT_SECONDS:g}",
            "value": catalogue_import_seconds,
            "pass": catalogue_import_seconds < BAR_IMPORT_SECONDS,
        },
        "catalogue_reimport_seconds": {
            "target": f"< {BAR_REIMPORT_SECONDS:g}",
            "value": catalogue_reimport_seconds,
            "pass": catalogue_reimport_seconds < BAR_REIMPORT_SECONDS,
        },
        "import_seconds": {
            "target": f"< {BAR_IMPORT_SECONDS:g}",
            "value": import_seconds,
            "pass": import_seconds < BAR_IMPORT_SECONDS,
        },
        "errors": {"target": "== 0", "value": errors, "pass": errors == 0},
    }
    if "procedures_p99_ratio" in extra:
        value = extra["procedures_p99_ratio"]
        bar["procedures_p99_ratio"] = {
            "target": f"<= {BAR_PROCEDURES_RATIO:g} of the shipped catalogue's",
            "value": value,
            "pass": value <= BAR_PROCEDURES_RATIO,
        }
        rss = extra["procedures_worker_rss_mb"]
        bar["procedures_worker_rss_mb"] = {
            "target": f"< {BAR_WORKER_RSS_MB:g} after {extra['procedures_distinct_moves']:,} distinct moves",
            "value": rss,
            "pass": rss is not None and rss < BAR_WORKER_RSS_MB,
        }
        bar["procedures_errors"] = {
            "target": "== 0",
            "value": extra["procedures_errors"],
            "pass": extra["procedures_errors"] == 0,
        }
    if moves_figures is not None:
        bar.update(moves_figures.pop("bar", {}))
    passed = all(item["pass"] for item in bar.values())
    failed = [f"{k} {v['value']} (want {v['target']})" for k, v in bar.items() if not v["pass"]]
    verdict = f"{NAME}: {'PASS' if passed else 'FAIL'}" + (f" — {'; '.join(failed)}" if failed else "")
    return {
        "name": NAME,
        "throughput": s["throughput"],
        "baseline_throughput": b["throughput"],
        "baseline": "the shipped directory, same server, same run",
        "ratio": ratio,
        "p50_ms": s["p50_ms"],
        "p99_ms": s["p99_ms"],
        "max_ms": s["max_ms"],
        "baseline_p50_ms": b["p50_ms"],
        "baseline_p99_ms": b["p99_ms"],
        "server_cpu_ms_per_request": s["server_cpu_ms_per_request"],
        "baseline_server_cpu_ms_per_request": b["server_cpu_ms_per_request"],
        "cpu_ratio": round(b["server_cpu_ms_per_request"] / s["server_cpu_ms_per_request"], 4)
        if s["server_cpu_ms_per_request"]
        else None,
        "bytes_mean": s["bytes_mean"],
        "baseline_bytes_mean": b["bytes_mean"],
        "phase_ratios": [
            round(n["result"]["throughput"] / h["result"]["throughput"], 3)
            for h, n in zip(phases["shipped"], phases["nationwide"])
            if h["result"]["throughput"]
        ],
        "during_change_p50_ms": change["p50_ms"],
        "during_change_p99_ms": change["p99_ms"],
        "during_change_max_ms": change["max_ms"],
        "during_change_throughput": change["throughput"],
        "change_import_seconds": edit_during.get("seconds"),
        "organisations": organisations,
        "municipalities_left_to_shipped_data": len(covered),
        "shipped_organisations": data["organisations"],
        "import_seconds": import_seconds,
        "reimport_seconds": reimport_seconds,
        "one_change_import_seconds": edit_seconds,
        "procedures_imported": procedures,
        "catalogue_import_seconds": catalogue_import_seconds,
        "catalogue_reimport_seconds": catalogue_reimport_seconds,
        "search_worker_rss_mb": max(search_rss) if search_rss else None,
        "lookups": lookups,
        "lookups_done": distinct["done"],
        "lookups_seconds": distinct["seconds"],
        "lookup_statuses": distinct["statuses"],
        "worker_rss_mb_start": rss_start,
        "worker_rss_mb": rss_after,
        "connections": connections,
        "seconds": seconds,
        "rounds": rounds,
        "workers": workers,
        "errors": errors,
        "preflight_mismatches": mismatches,
        "phases": phase_log,
        "procedures": extra or None,
        "moves": moves_figures,
        "cores": cores,
        "python": sys.version.split()[0],
        "bar": bar,
        "pass": passed,
        "verdict": verdict,
    }


def format_table(r: dict) -> str:
    lines = [
        f"scale benchmark — {r['organisations']:,} synthetic organisations against the shipped "
        f"{r['shipped_organisations']}, {r['connections']} connections, {r['workers']} workers, "
        f"{r['cores']} cores, Python {r['python']}",
        f"  search: {r['throughput']:.0f} req/s vs {r['baseline_throughput']:.0f} req/s shipped "
        f"(ratio {r['ratio']:.2f}); p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms "
        f"(shipped {r['baseline_p50_ms']} / {r['baseline_p99_ms']} ms)",
        f"  server CPU per request: {r['server_cpu_ms_per_request']} ms "
        f"vs {r['baseline_server_cpu_ms_per_request']} ms shipped; "
        f"answers {r['bytes_mean']:.0f} vs {r['baseline_bytes_mean']:.0f} bytes",
        f"  while a change is imported: p99 {r['during_change_p99_ms']} ms, max {r['during_change_max_ms']} ms",
        f"  import {r['import_seconds']} s, unchanged re-import {r['reimport_seconds']} s, "
        f"one change {r['one_change_import_seconds']} s; catalogue of {r['procedures_imported']:,}: "
        f"import {r['catalogue_import_seconds']} s, unchanged re-import {r['catalogue_reimport_seconds']} s",
        f"  one worker: {r['worker_rss_mb_start']} MB at start, {r['worker_rss_mb']} MB after "
        f"{r['lookups_done']:,} distinct look-ups ({r['lookups_seconds']} s)",
    ]
    p = r.get("procedures")
    if p:
        lines += [
            f"  procedures ({r['procedures_imported']:,} synthetic + the shipped catalogue vs the shipped alone): "
            f"p50 {p['procedures_p50_ms']} ms vs {p['baseline_procedures_p50_ms']} ms "
            f"(ratio {p['procedures_p50_ratio']}), p99 {p['procedures_p99_ms']} ms vs "
            f"{p['baseline_procedures_p99_ms']} ms (ratio {p['procedures_p99_ratio']})",
            f"  procedures, one worker: {p['procedures_worker_rss_mb_start']} MB at start, "
            f"{p['procedures_worker_rss_mb']} MB after {p['procedures_distinct_moves']:,} distinct moves "
            f"({p['procedures_distinct_seconds']} s)",
        ]
    if r.get("moves"):
        from hikkoshi.bench.moves import format_lines

        lines += format_lines(r["moves"])
    return "\n".join(lines)
