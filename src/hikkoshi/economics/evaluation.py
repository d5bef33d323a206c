"""The evaluation report (実証評価レポート) of a period: what the 2006 demonstration reported to
its sponsors, from the portal's own figures.

Usage by service, move kinds, the channels of delivered procedures, delivery success and time to
deliver, failures and their reasons, the satisfaction survey, partner-portal traffic — all from
the statistics (``hikkoshi.stats.selectors``: counts without personal data) — and the balance of
a business-model scenario (by default the shipped Sapporo example), as the scenario is entered
and with the period's measured usage scaled to a year.

It lives here, above both apps: the statistics may not import the business model. The time to
deliver is not among the counted events: it is computed from the delivery records in aggregate
(the channel and two timestamps of each procedure delivered in the period, never anything of the
move or its mover) and covers measured deliveries only — simulated activity has none.
``evaluation_pdf`` draws it; ``hikkoshi stats report`` and the dashboard's button serve it.
"""

import copy
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
import statistics
import unicodedata

from django.utils import timezone

from hikkoshi.delivery.models import Delivery
from hikkoshi.directory.constants import Category
from hikkoshi.periods import within
from hikkoshi.stats import selectors
from hikkoshi.stats.labels import event_label, figure_label, value_label

from . import report
from .models import Scenario

# The shipped example (migration 0002): the default scenario of the report.
DEFAULT_SCENARIO = "札幌（例）単独 / Sapporo example: the portal alone"
MAX_DAYS = selectors.MAX_DAYS


class PeriodError(ValueError):
    """A day or period the report cannot be made of; ``option`` names what was wrong."""

    def __init__(self, option: str, message: str):
        super().__init__(f"{option}: {message}")
        self.option = option


def parse_day(option: str, text: str) -> date:
    """A day as YYYY-MM-DD (full-width digits too), else :class:`PeriodError` naming ``option``."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    try:
        day = date.fromisoformat(cleaned)
    except ValueError:
        raise PeriodError(
            option, f"「{text}」は日付ではありません。YYYY-MM-DD で指定してください / not a day: give YYYY-MM-DD"
        ) from None
    if not within(day):
        raise PeriodError(
            option, "2000-01-01 から 2099-12-31 までの日付で指定してください / a day from 2000-01-01 to 2099-12-31"
        )
    return day


def check_period(start: date, end: date) -> None:
    if start > end:
        raise PeriodError("--from", "開始日が終了日（--to）より後です / the start is after the end (--to)")
    if (end - start).days >= MAX_DAYS:
        raise PeriodError("--from", "期間は366日以内で指定してください / a period of at most 366 days")


class ScenarioNotFound(LookupError):
    pass


def find_scenario(choice: str | None) -> Scenario | None:
    """The scenario named or numbered ``choice``; without a choice the shipped Sapporo example,
    else the first scenario, else None. :class:`ScenarioNotFound` when ``choice`` matches none."""
    if choice:
        found = Scenario.objects.filter(name=choice).first()
        if found is None and choice.isdigit():
            found = Scenario.objects.filter(pk=int(choice)).first()
        if found is None:
            raise ScenarioNotFound(choice)
        return found
    return Scenario.objects.filter(name=DEFAULT_SCENARIO).first() or Scenario.objects.order_by("pk").first()


@dataclass(frozen=True)
class Row:
    """A line of a breakdown: its label, count and the part of it that is simulated."""

    label: str
    count: int
    simulated: int = 0


@dataclass(frozen=True)
class DeliveryTime:
    """How long procedures delivered in the period took from submission (the delivery's
    creation) to delivery, by channel: their number and the median, mean and 90th percentile
    in seconds."""

    label: str
    count: int
    median: float
    mean: float
    p90: float


@dataclass
class Evaluation:
    start: date
    end: date
    include_simulated: bool
    usage: list[Row]
    visits_by_day: list[tuple[date, int]]
    moves_by_day: list[tuple[date, int]]
    searches_by_category: list[Row]
    started_by_entered_by: list[Row]
    moves_by_entered_by: list[Row]
    kinds: list[Row]
    channels: list[Row]
    delivered: int
    failed: int
    retries: int
    delivery_times: list[DeliveryTime]
    failure_reasons: list[Row]
    failure_channels: list[Row]
    retry_reasons: list[Row]
    other_failures: list[Row]
    survey: dict
    partner: list[Row]
    handoffs_in: list[Row]
    handoffs_out: list[Row]
    scenario: Scenario | None
    entered: report.Report | None = None
    measured: report.Report | None = None
    scenario_hidden: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def has_simulated(self) -> bool:
        """Whether any figure of the report includes simulated activity."""
        rows = [
            *self.usage,
            *self.searches_by_category,
            *self.started_by_entered_by,
            *self.moves_by_entered_by,
            *self.kinds,
            *self.channels,
            *self.failure_reasons,
            *self.retry_reasons,
            *self.other_failures,
            *self.partner,
            *self.handoffs_in,
            *self.handoffs_out,
        ]
        return any(row.simulated for row in rows) or any(s for _level, _n, s in self.survey["levels"])

    @property
    def success_rate(self) -> float | None:
        """Delivered ÷ (delivered + failed), in per cent; None without either."""
        done = self.delivered + self.failed
        return 100 * self.delivered / done if done else None


def _breakdown(event: str, dimension: str, start: date, end: date, simulated: bool) -> list[Row]:
    return [
        Row(value_label(dimension, value), n, s)
        for value, n, s in selectors.breakdown(event, dimension, start, end, include_simulated=simulated)
    ]


def _category_label(code: str) -> str:
    if code in Category.values:
        return f"{Category(code).label} / {code}"
    return value_label("category", code)


def delivery_times(start: date, end: date) -> list[DeliveryTime]:
    """Time to deliver of the procedures delivered from ``start`` to ``end`` (local days), per
    channel and for all ("" first): read from the delivery records, channel and timestamps only."""
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time(), tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time(), tzinfo=tz)
    by_channel: dict[str, list[float]] = {}
    rows = Delivery.objects.filter(delivered_at__gte=since, delivered_at__lt=until).values_list(
        "channel", "created_at", "delivered_at"
    )
    for channel, created, delivered in rows.iterator():
        if delivered is None:  # pragma: no cover (filtered out above)
            continue
        seconds = max(0.0, (delivered - created).total_seconds())
        by_channel.setdefault(channel, []).append(seconds)
    every = [s for values in by_channel.values() for s in values]
    out = []
    if every:
        out.append(_times("すべて / all channels", every))
    for channel in sorted(by_channel, key=lambda c: -len(by_channel[c])):
        out.append(_times(value_label("channel", channel), by_channel[channel]))
    return out


def _times(label: str, values: list[float]) -> DeliveryTime:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * 9 // 10) - 1))]
    return DeliveryTime(label, len(ordered), statistics.median(ordered), statistics.fmean(ordered), p90)


def duration_text(seconds: float) -> str:
    """「12分 / 12 min」, 「3.5時間 / 3.5 h」, 「2.0日 / 2.0 days」."""
    if seconds < 3600:
        minutes = round(seconds / 60)
        return f"{minutes}分 / {minutes} min"
    if seconds < 2 * 86400:
        hours = f"{seconds / 3600:.1f}"
        return f"{hours}時間 / {hours} h"
    days = f"{seconds / 86400:.1f}"
    return f"{days}日 / {days} days"


def evaluate(
    start: date,
    end: date,
    *,
    include_simulated: bool = True,
    scenario: Scenario | None = None,
    show_scenario: bool = True,
) -> Evaluation:
    """The figures of the report of ``start`` to ``end`` (both included); the balance of
    ``scenario`` unless ``show_scenario`` is false (a reader without the right to see scenarios)."""
    check_period(start, end)
    sim = include_simulated
    totals = selectors.period_totals(start, end, include_simulated=sim)
    measured = selectors.period_totals(start, end, include_simulated=False)
    usage_names = [
        "visits",
        "searches",
        "moves_started",
        "moves_submitted",
        "procedures_delivered",
        "documents_printed",
        "fax_pages",
    ]
    usage = [Row(figure_label(name), totals[name], totals[name] - measured[name]) for name in usage_names]
    searches = selectors.breakdown("search", "source", start, end, include_simulated=sim)
    partner = [Row(value_label("source", value) + "（検索 / searches）", n, s) for value, n, s in searches]
    evaluation = Evaluation(
        start=start,
        end=end,
        include_simulated=sim,
        usage=usage,
        visits_by_day=selectors.daily_series("visit", start, end, include_simulated=sim),
        moves_by_day=selectors.daily_series("move_submitted", start, end, include_simulated=sim),
        searches_by_category=[
            Row(_category_label(value), n, s)
            for value, n, s in selectors.breakdown("search", "category", start, end, include_simulated=sim)
        ],
        started_by_entered_by=_breakdown("move_started", "entered_by", start, end, sim),
        moves_by_entered_by=_breakdown("move_submitted", "entered_by", start, end, sim),
        kinds=_breakdown("move_submitted", "kind", start, end, sim),
        channels=_breakdown("delivered", "channel", start, end, sim),
        delivered=totals["procedures_delivered"],
        failed=totals["delivery_failures"],
        retries=totals["delivery_retries"],
        delivery_times=delivery_times(start, end),
        failure_reasons=_breakdown("delivery_failed", "reason", start, end, sim),
        failure_channels=_breakdown("delivery_failed", "channel", start, end, sim),
        retry_reasons=_breakdown("delivery_retry", "reason", start, end, sim),
        other_failures=[
            Row(event_label(event), n, n - m)
            for event, n, m in (
                ("handoff_failed", *_event_total("handoff_failed", start, end, sim)),
                ("signin_failed", totals["signin_failures"], measured["signin_failures"]),
                ("lockout", totals["lockouts"], measured["lockouts"]),
            )
        ],
        survey=selectors.survey_results(start, end, include_simulated=sim, latest=0),
        partner=partner,
        handoffs_in=_breakdown("handoff_in", "source", start, end, sim),
        handoffs_out=_breakdown("handoff_out", "source", start, end, sim),
        scenario=scenario,
        scenario_hidden=not show_scenario,
    )
    if scenario is not None and show_scenario:
        evaluation.entered = report.build(scenario)
        period = copy.copy(scenario)
        period.usage_basis = "measured"
        period.period_start, period.period_end = start, end
        period.region = ""
        period.include_simulated = sim
        evaluation.measured = report.build(period)
    return evaluation


def _event_total(event: str, start: date, end: date, simulated: bool) -> tuple[int, int]:
    rows = selectors.breakdown(event, "reason", start, end, include_simulated=simulated)
    total = sum(n for _v, n, _s in rows)
    return total, total - sum(s for _v, _n, s in rows)
