"""Benchmarks (``hikkoshi bench NAME [--json]``): the portal measured against a bare baseline.

Owns no models. Each benchmark (``search``, ``documents``, ``delivery``, ``scale``) runs what it
measures — gunicorn serving the real application, in-process rendering, the delivery pipeline,
a nationwide directory — next to a baseline measured the same way in the same run (the HTTP
ones with the load from a process of its own), so a noisy machine affects both alike. The
command's JSON contract is described in ``hikkoshi.bench.management.commands.bench``.
"""
