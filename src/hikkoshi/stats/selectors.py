"""What other apps read of the statistics (the business model, the dashboard, the report)."""

from datetime import date, timedelta

from django.db.models import Count, Q, Sum

from .counting import DIMENSIONS
from .models import DailyCount, SurveyAnswer

# period_totals' keys: (event, the dimensions the rows must have).
# The periods one may ask of the statistics: the dashboard's and the evaluation report's.
MAX_DAYS = 366

TOTALS: dict[str, tuple[str, dict[str, str]]] = {
    "visits": ("visit", {}),
    "searches": ("search", {}),
    "moves_started": ("move_started", {}),
    "moves_submitted": ("move_submitted", {}),
    "moves_by_mover": ("move_submitted", {"entered_by": "mover"}),
    "moves_by_callcentre": ("move_submitted", {"entered_by": "callcentre"}),
    "moves_by_agency": ("move_submitted", {"entered_by": "agency"}),
    "procedures_delivered": ("delivered", {}),
    "delivered_web": ("delivered", {"channel": "web"}),
    "delivered_email": ("delivered", {"channel": "email"}),
    "delivered_fax": ("delivered", {"channel": "fax"}),
    "delivered_window": ("delivered", {"channel": "window"}),
    "delivery_failures": ("delivery_failed", {}),
    "delivery_retries": ("delivery_retry", {}),
    "fax_pages": ("fax_pages", {}),
    "documents_printed": ("document_printed", {}),
    "handoffs_in": ("handoff_in", {}),
    "handoffs_out": ("handoff_out", {}),
    "signin_failures": ("signin_failed", {}),
    "lockouts": ("lockout", {}),
}


def _rows(start: date, end: date, *, region: str | None, include_simulated: bool):
    rows = DailyCount.objects.filter(day__gte=start, day__lte=end)
    if region:
        # A prefecture (2 digits) or a municipality (5): the events counted with a place only.
        rows = rows.filter(region__startswith=region)
    if not include_simulated:
        rows = rows.filter(simulated=False)
    return rows


def period_totals(
    start: date, end: date, *, region: str | None = None, include_simulated: bool = True
) -> dict[str, int]:
    """The counts of ``start`` to ``end`` (both included) by ``TOTALS``' keys; 0 for none.

    With ``region``, only the events counted with a municipality code under it (searches and
    submitted moves): the others (visits, deliveries, sign-ins) have no place and count 0."""
    rows = _rows(start, end, region=region, include_simulated=include_simulated)
    condition = Q()
    for event, _dims in TOTALS.values():
        condition |= Q(event=event)
    sums: dict[tuple, int] = {}
    grouped = rows.filter(condition).values("event", "entered_by", "channel").annotate(total=Sum("count"))
    for row in grouped:
        sums[(row["event"], row["entered_by"], row["channel"])] = row["total"] or 0
    totals = {}
    for name, (event, dims) in TOTALS.items():
        totals[name] = sum(
            n
            for (ev, by, channel), n in sums.items()
            if ev == event and all({"entered_by": by, "channel": channel}[k] == v for k, v in dims.items())
        )
    return totals


def daily_series(
    event: str, start: date, end: date, *, include_simulated: bool = True, region: str | None = None, **dims: str
) -> list[tuple[date, int]]:
    """One (day, count) per day of ``start`` to ``end``, 0 where nothing was counted; ``dims``
    narrow to rows with those values (``channel="fax"``, ``entered_by="agency"``)."""
    unknown = set(dims) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"not a dimension of the statistics: {', '.join(sorted(unknown))}")
    rows = _rows(start, end, region=region, include_simulated=include_simulated).filter(event=event, **dims)
    by_day = {row["day"]: row["total"] or 0 for row in rows.values("day").annotate(total=Sum("count"))}
    out = []
    day = start
    while day <= end:
        out.append((day, by_day.get(day, 0)))
        day += timedelta(days=1)
    return out


def survey_results(start: date, end: date, *, include_simulated: bool = True, latest: int = 10) -> dict:
    """The satisfaction survey of a period: ``levels`` [(level, answers, of which simulated)]
    from 5 down to 1, ``answers``, ``average`` (None without answers) and the ``latest``
    non-empty comments [(day, level, comment, simulated)], newest first."""
    answers = SurveyAnswer.objects.filter(day__gte=start, day__lte=end)
    if not include_simulated:
        answers = answers.filter(simulated=False)
    per_level: dict[int, tuple[int, int]] = {
        row["level"]: (row["n"], row["simulated"])
        for row in answers.values("level").annotate(n=Count("id"), simulated=Count("id", filter=Q(simulated=True)))
    }
    levels = [(level, *per_level.get(level, (0, 0))) for level in range(5, 0, -1)]
    total = sum(n for _level, n, _s in levels)
    average = round(sum(level * n for level, n, _s in levels) / total, 2) if total else None
    comments = list(
        answers.exclude(comment="").order_by("-day", "-pk").values_list("day", "level", "comment", "simulated")[:latest]
    )
    return {"levels": levels, "answers": total, "average": average, "comments": comments}


def breakdown(
    event: str, dimension: str, start: date, end: date, *, include_simulated: bool = True, region: str | None = None
) -> list[tuple[str, int, int]]:
    """The counts of ``event`` in ``start`` to ``end`` by the values of one dimension:
    [(value, count, of which simulated)], largest first ("" for rows without the dimension)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"not a dimension of the statistics: {dimension}")
    rows = _rows(start, end, region=region, include_simulated=include_simulated).filter(event=event)
    grouped = rows.values(dimension).annotate(
        total=Sum("count"), simulated_total=Sum("count", filter=Q(simulated=True))
    )
    out = [(row[dimension], row["total"] or 0, row["simulated_total"] or 0) for row in grouped]
    out = [row for row in out if row[1]]
    out.sort(key=lambda row: (-row[1], row[0]))
    return out
