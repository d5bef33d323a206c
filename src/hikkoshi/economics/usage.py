"""A scenario's year of usage: entered by the operator, or measured by the statistics.

Entered: the city's yearly 転入・転出・転居 counts × the share that uses the portal give the moves;
the other figures are per move (applications, calls, fax pages, mails, forms, page views, the
agencies' share). Measured: the statistics of the scenario's period
(``hikkoshi.stats.selectors.period_totals``) scaled to a year (:func:`model.scale_to_year`).
Agencies, stores and organisations are always entered: the statistics do not count them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
import importlib
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext as _

from . import model

if TYPE_CHECKING:
    from .models import Scenario

STATS_SELECTORS = "hikkoshi.stats.selectors"


class UsageSource(Protocol):
    """What ``hikkoshi.stats.selectors.period_totals`` is: the counts of a period (both days
    included)."""

    def __call__(
        self, start: date, end: date, *, region: str | None = None, include_simulated: bool = True
    ) -> Mapping[str, int]: ...


class StatisticsUnavailable(LookupError):
    """The statistics app is not installed: only entered usage can be used."""


def statistics_source() -> UsageSource:
    """``period_totals`` of the statistics app, imported only when asked for."""
    try:
        selectors = importlib.import_module(STATS_SELECTORS)
    except ImportError as error:
        raise StatisticsUnavailable(
            _(
                "利用統計アプリ (hikkoshi.stats) がないため、実績は使えません。入力した利用量で計算しています。 / "
                "The statistics app (hikkoshi.stats) is not installed: measured usage is not available; "
                "the usage entered is used instead."
            )
        ) from error
    source: UsageSource = selectors.period_totals
    return source


def measured_usage(
    start: date,
    end: date,
    *,
    region: str | None = None,
    include_simulated: bool = True,
    source: UsageSource | None = None,
) -> model.Usage:
    """The counts of ``start``–``end`` (both included) scaled to a year; ``source`` defaults to
    the statistics app (:class:`StatisticsUnavailable` without it)."""
    return model.scale_to_year(
        period_counts(start, end, region=region, include_simulated=include_simulated, source=source),
        (end - start).days + 1,
    )


def period_counts(
    start: date,
    end: date,
    *,
    region: str | None = None,
    include_simulated: bool = True,
    source: UsageSource | None = None,
) -> Mapping[str, int]:
    """The statistics' counts of ``start``–``end`` (both included), unscaled."""
    if end < start:
        raise ValueError("the period ends before it starts")
    return (source or statistics_source())(start, end, region=region or None, include_simulated=include_simulated)


def empty_period_warning(start: date, end: date, region: str = "") -> str:
    """The warning for a measured scenario whose period holds no statistics, naming the period."""
    where = {"start": start.isoformat(), "end": end.isoformat(), "region": region}
    if region:
        return (
            _(
                "集計期間 %(start)s – %(end)s（地域 %(region)s）の利用統計がありません。"
                "利用量はすべて 0 として計算しており、収支・損益分岐件数・開発費用回収見込みは実績ではありません。 / "
                "No statistics in the period %(start)s – %(end)s (region %(region)s): all usage is counted as 0, "
                "so the balance, break-even volume and payback are not measured figures."
            )
            % where
        )
    return (
        _(
            "集計期間 %(start)s – %(end)s の利用統計がありません。利用量はすべて 0 として計算しており、"
            "収支・損益分岐件数・開発費用回収見込みは実績ではありません。 / "
            "No statistics in the period %(start)s – %(end)s: all usage is counted as 0, "
            "so the balance, break-even volume and payback are not measured figures."
        )
        % where
    )


def entered_usage(figures: Mapping[str, Decimal]) -> model.Usage:
    """A year's usage from the operator's figures (items of ``UsageItem``)."""

    def get(item: str) -> Decimal:
        return Decimal(figures.get(item, 0))

    moves = (get("moves_in") + get("moves_out") + get("moves_within")) * get("uptake_percent") / 100
    per_move = {
        "applications": "applications_per_move",
        "calls": "calls_per_move",
        "fax_pages": "fax_pages_per_move",
        "mails": "mails_per_move",
        "forms_printed": "forms_per_move",
        "page_views": "page_views_per_move",
    }
    values = {ours: moves * get(theirs) for ours, theirs in per_move.items()}
    values["agency_moves"] = moves * get("agency_percent") / 100
    values["moves"] = moves
    values |= {item: get(item) for item in model.FIXED_USAGE}
    return model.Usage(values)


@dataclass(frozen=True)
class ScenarioUsage:
    usage: model.Usage
    measured: bool
    message: str = ""  # a warning: why the entered usage was used instead, or that the period is empty
    # Measured usage whose period holds no statistics at all: every measured figure is 0, and
    # what is computed from them (balance, break-even, payback) is not a measurement.
    empty: bool = False


def scenario_usage(scenario: "Scenario", *, source: UsageSource | None = None) -> ScenarioUsage:
    """The usage the scenario asks for; the entered usage, with a message, when measured usage
    is asked for and the statistics app is absent."""
    figures = {figure.item: figure.value for figure in scenario.usage.all()}
    entered = entered_usage(figures)
    if scenario.usage_basis != "measured" or not (scenario.period_start and scenario.period_end):
        return ScenarioUsage(entered, measured=False)
    start, end = scenario.period_start, scenario.period_end
    try:
        counts = period_counts(
            start, end, region=scenario.region or None, include_simulated=scenario.include_simulated, source=source
        )
    except StatisticsUnavailable as error:
        return ScenarioUsage(entered, measured=False, message=str(error))
    measured = model.scale_to_year(counts, (end - start).days + 1)
    values = dict(measured.values) | {item: entered[item] for item in model.FIXED_USAGE}
    if not any(counts.values()):
        return ScenarioUsage(
            model.Usage(values), measured=True, empty=True, message=empty_period_warning(start, end, scenario.region)
        )
    return ScenarioUsage(model.Usage(values), measured=True)
