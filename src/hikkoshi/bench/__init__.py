"""Benchmarks of the portal over HTTP (``hikkoshi bench NAME``).

Each benchmark serves the real application with gunicorn (sync workers, SQLite in a temporary
data directory) next to a *baseline*: a bare Django JSON view (:mod:`hikkoshi.bench.baseline`)
served exactly the same way, in the same run. A separate load-generator process
(:mod:`hikkoshi.bench.loadgen`, closed loop, N connections on 127.0.0.1) measures both in
alternating phases of the same length, so a noisy machine affects both alike. Every loop stops
by time and the servers are always killed at the end.

Benchmarks: ``search`` (``GET /api/v1/organisations?postcode=…``, :mod:`hikkoshi.bench.search`).
Later ones (documents, delivery) register in ``hikkoshi.bench.management.commands.bench``.

The JSON contract (``hikkoshi bench NAME --json``): the LAST line of stdout is one JSON object
with at least

- ``name``: the benchmark;
- ``throughput`` and ``baseline_throughput``: completed requests per second, measured in the
  same run; ``ratio`` = ``throughput / baseline_throughput``;
- ``p50_ms`` and ``p99_ms``: latency percentiles of the benchmarked target (connect to last
  byte), in milliseconds;

and, for the search benchmark, also ``connections``, ``seconds`` (per phase), ``rounds``,
``workers``, ``requests``, ``errors``, ``statuses``, ``baseline_p50_ms``, ``baseline_p99_ms``,
``server_cpu_ms_per_request`` (both targets), ``loadgen_cpu_share``, ``worker_rss_mb`` (largest
worker of the benchmarked server after its load), ``postcodes``, ``organisations``,
``python``, ``django``, ``cores`` and ``bar``: one entry per target with ``target``, ``value``
and ``pass``, plus ``pass`` for the whole bar. The command exits 0 whether or not the bar is met.
"""
