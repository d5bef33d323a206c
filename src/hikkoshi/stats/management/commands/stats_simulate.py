"""``hikkoshi manage stats_simulate --days 90``: the same as ``hikkoshi stats simulate``."""

from django.core.management.base import BaseCommand

from .stats import add_simulate_arguments, run_simulate


class Command(BaseCommand):
    help = "Fill the usage statistics with simulated activity, marked as simulated."

    def add_arguments(self, parser):
        add_simulate_arguments(parser)

    def handle(self, *args, **options):
        run_simulate(self, **options)
