"""``hikkoshi stats simulate --days 90``: the usage statistics' commands."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Usage statistics: fill the tables with simulated activity (simulate)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{simulate}")
        simulating = actions.add_parser(
            "simulate", help="Fill the statistics with simulated activity, marked as simulated."
        )
        add_simulate_arguments(simulating)

    def handle(self, *args, action, **options):
        run_simulate(self, **options)


def add_simulate_arguments(parser) -> None:
    parser.add_argument("--days", type=int, default=90, help="days up to today (default 90)")
    parser.add_argument("--seed", type=int, default=2006, help="the same seed gives the same figures")
    parser.add_argument(
        "--if-empty", action="store_true", help="do nothing when simulated rows exist already (make demo)"
    )


def run_simulate(command: BaseCommand, *, days: int, seed: int, if_empty: bool = False, **_options) -> None:
    from hikkoshi.stats.simulate import has_simulated, simulate

    if days < 1 or days > 3660:
        raise CommandError("--days: from 1 to 3660 / 1〜3660日で指定してください")
    if if_empty and has_simulated():
        command.stdout.write("statistics: simulated rows exist already; nothing done")
        return
    rows = simulate(days=days, seed=seed)
    command.stdout.write(f"statistics: {rows} simulated daily row(s) for {days} day(s), marked as simulated")
