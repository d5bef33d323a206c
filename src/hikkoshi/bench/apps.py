from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Only here so that ``hikkoshi bench`` (a management command) is found; no models."""

    name = "hikkoshi.bench"
    verbose_name = "Benchmarks"
