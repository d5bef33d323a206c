"""``hikkoshi stats simulate --days 90``: the usage statistics' commands; apps above this one
add theirs (``hikkoshi stats report``, see ``hikkoshi.stats.actions``)."""

from django.core.management.base import BaseCommand, CommandError

from hikkoshi.stats.actions import registered


class Command(BaseCommand):
    help = (
        "Usage statistics: fill the tables with simulated activity (simulate); the actions other apps add "
        "(report: the evaluation report, given by the business model)."
    )

    def add_arguments(self, parser):
        others = registered()
        names = ["simulate", *sorted(others)]
        actions = parser.add_subparsers(dest="action", required=True, metavar="{" + ",".join(names) + "}")
        simulating = actions.add_parser(
            "simulate", help="Fill the statistics with simulated activity, marked as simulated."
        )
        add_simulate_arguments(simulating)
        for name in sorted(others):
            others[name].add_arguments(actions.add_parser(name, help=others[name].help))

    def handle(self, *args, action, **options):
        if action == "simulate":
            run_simulate(self, **options)
        else:
            registered()[action].run(self, **options)


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
