"""``hikkoshi stats report --from DATE --to DATE [--out FILE.pdf]``: the evaluation report
(実証評価レポート) as a PDF. An action of the statistics' command, registered by this app
(``hikkoshi.stats.actions``): the report needs the business model, which the statistics may not
import."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

HELP = "Write the evaluation report (実証評価レポート) of a period as a PDF."


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day, YYYY-MM-DD (included)")
    parser.add_argument("--out", metavar="FILE.pdf", help="where to write it (default hikkoshi-report-FROM-TO.pdf)")
    parser.add_argument(
        "--scenario", metavar="NAME|ID", help="the business-model scenario (default: the shipped Sapporo example)"
    )
    parser.add_argument("--measured-only", action="store_true", help="leave simulated activity out")


def run(
    command: BaseCommand,
    *,
    start: str,
    end: str,
    out: str | None = None,
    scenario: str | None = None,
    measured_only: bool = False,
    **_options: Any,
) -> None:
    from .evaluation import PeriodError, ScenarioNotFound, evaluate, find_scenario, parse_day
    from .evaluation_pdf import render

    try:
        first, last = parse_day("--from", start), parse_day("--to", end)
        chosen = find_scenario(scenario)
        evaluation = evaluate(first, last, include_simulated=not measured_only, scenario=chosen)
    except PeriodError as error:
        raise CommandError(str(error)) from None
    except ScenarioNotFound:
        raise CommandError(
            f"--scenario: 「{scenario}」という名前・番号のシナリオはありません / no scenario of that name or id"
        ) from None
    path = Path(out or f"hikkoshi-report-{first}-{last}.pdf")
    try:
        path.write_bytes(render(evaluation))
    except OSError as error:
        raise CommandError(f"--out: {path}: 書き込めません / cannot be written ({error.strerror})") from None
    simulated = " (模擬データを含む / includes simulated data)" if evaluation.has_simulated else ""
    command.stdout.write(f"evaluation report {first} – {last}: {path}{simulated}")
