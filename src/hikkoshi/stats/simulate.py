"""Simulated activity (``hikkoshi stats simulate --days 90``): rows marked ``simulated``, so the
dashboard, the business model and the report have something to show on a fresh database.

The figures are an assumption, not a measurement: a portal of a city of about two million
(Sapporo's wards by default) with a few hundred visits a day, fewer at weekends; about one move
in five entered by a call centre or an estate agency's store; procedures spread over the
channels; a few per cent of deliveries retried or failed. Reproducible for a seed. Running it
again replaces the simulated rows of those days; measured rows are never touched.
"""

from datetime import date, datetime, time, timedelta
import random

from django.db import transaction
from django.utils import timezone

from hikkoshi.directory.constants import Category
from hikkoshi.places.move_kind import MoveKind

from .counting import clean_dims, key_of
from .models import DailyCount, HourlyCount, SurveyAnswer

SAPPORO_WARDS = ["01101", "01102", "01103", "01104", "01105", "01106", "01107", "01108", "01109", "01110"]
CHANNEL_SHARE = {"web": 0.45, "email": 0.2, "fax": 0.15, "window": 0.2}
ENTERED_BY_SHARE = {"mover": 0.8, "callcentre": 0.1, "agency": 0.1}
KIND_SHARE = {MoveKind.RELOCATION.value: 0.5, MoveKind.MOVE_IN.value: 0.3, MoveKind.MOVE_OUT.value: 0.2}
STORES = ["1", "2", "3"]
ORGANISATIONS = ["sapporo-water", "hokkaido-gas", "hepco", "sapporo-city"]
PEERS = ["kanto", "kansai"]
PAGES = ["portal:home", "portal:search", "moves:list", "moves:start", "portal:offices"]
DOCUMENTS = ["moves:document", "assisted:consent_sheet"]
# The survey: about one mover in four answers; the levels lean to satisfied (an assumption).
SURVEY_LEVEL_SHARE = {5: 0.35, 4: 0.35, 3: 0.18, 2: 0.08, 1: 0.04}
SURVEY_COMMENTS = [
    "（模擬）まとめて手続きできて便利でした。 / (simulated) Handy to do it all at once.",
    "（模擬）窓口の持ち物が分かりやすかった。 / (simulated) Clear what to bring to the counter.",
    "（模擬）入力項目が多くて少し大変でした。 / (simulated) Rather many fields to fill in.",
]


def _split(rng: random.Random, total: int, shares: dict[str, float]) -> dict[str, int]:
    out = {}
    left = total
    names = list(shares)
    for name in names[:-1]:
        n = min(left, round(total * shares[name] * rng.uniform(0.8, 1.2)))
        out[name] = n
        left -= n
    out[names[-1]] = max(0, left)
    return out


def _about(rng: random.Random, mean: float) -> int:
    return max(0, round(rng.gauss(mean, max(1.0, mean) ** 0.5)))


def day_rows(day: date, rng: random.Random, *, wards: list[str]) -> list[tuple[str, dict, int]]:
    """(event, dims, count) of one simulated day."""
    weekend = day.weekday() >= 5
    spring = day.month in (3, 4)  # 引越しシーズン
    scale = (0.5 if weekend else 1.0) * (1.8 if spring else 1.0)
    rows: list[tuple[str, dict, int]] = []
    visits = _about(rng, 450 * scale)
    for page, n in _split(rng, visits, {p: 1 / len(PAGES) for p in PAGES}).items():
        rows.append(("visit", {"kind": page}, n))
    searches = _about(rng, visits * 0.15)
    for category in rng.sample(list(Category.values), 4):
        for source in ("local", "partner"):
            share = 0.9 if source == "local" else 0.1
            n = _about(rng, searches * share / 4)
            rows.append(
                ("search", {"category": category, "region": rng.choice(wards), "source": source, "channel": "page"}, n)
            )
    submitted = _about(rng, 25 * scale)
    started = submitted + _about(rng, submitted * 0.4)
    for who, n_who in _split(rng, submitted, ENTERED_BY_SHARE).items():
        for kind, n in _split(rng, n_who, KIND_SHARE).items():
            dims = {"entered_by": who, "kind": kind, "region": rng.choice(wards)}
            if who == "agency":
                dims.update(store=rng.choice(STORES), organisation="agency:1")
            elif who == "callcentre":
                dims["organisation"] = "callcentre:1"
            rows.append(("move_submitted", dims, n))
            rows.append(("move_started", {k: v for k, v in dims.items() if k != "region"}, n))
    rows.append(("move_started", {"entered_by": "mover", "kind": MoveKind.RELOCATION.value}, started - submitted))
    procedures = submitted * 4
    for channel, n_channel in _split(rng, procedures, CHANNEL_SHARE).items():
        for organisation, n in _split(rng, n_channel, {o: 1 / len(ORGANISATIONS) for o in ORGANISATIONS}).items():
            rows.append(("delivered", {"channel": channel, "organisation": organisation}, n))
            if channel == "fax":
                rows.append(("fax_pages", {"organisation": organisation}, n * 3))
            if channel != "window":
                rows.append(
                    (
                        "delivery_retry",
                        {"channel": channel, "organisation": organisation, "reason": "timeout"},
                        _about(rng, n * 0.05),
                    )
                )
                rows.append(
                    (
                        "delivery_failed",
                        {"channel": channel, "organisation": organisation, "reason": "refused"},
                        _about(rng, n * 0.01),
                    )
                )
    for kind in DOCUMENTS:
        rows.append(("document_printed", {"kind": kind}, _about(rng, submitted * 0.3)))
    for peer in PEERS:
        rows.append(("handoff_in", {"source": f"partner:{peer}"}, _about(rng, 0.7)))
        rows.append(("handoff_out", {"source": f"partner:{peer}"}, _about(rng, 0.7)))
    rows.append(("signin_failed", {}, _about(rng, visits * 0.02)))
    rows.append(("lockout", {}, _about(rng, 0.2)))
    return [row for row in rows if row[2] > 0]


def survey_answers(day: date, rng: random.Random) -> list[SurveyAnswer]:
    """The simulated survey answers of one day (marked simulated)."""
    weekend = day.weekday() >= 5
    n = _about(rng, 6 * (0.5 if weekend else 1.0))
    levels, weights = list(SURVEY_LEVEL_SHARE), list(SURVEY_LEVEL_SHARE.values())
    answers = []
    for _i in range(n):
        comment = rng.choice(SURVEY_COMMENTS) if rng.random() < 0.15 else ""
        answers.append(SurveyAnswer(level=rng.choices(levels, weights)[0], comment=comment, day=day, simulated=True))
    return answers


def simulate(*, days: int, seed: int = 2006, wards: list[str] | None = None, today: date | None = None) -> int:
    """Fill ``days`` days up to today with simulated rows (replacing earlier simulated rows of
    those days); today's are spread over its hours so far. Returns the daily rows written."""
    rng = random.Random(seed)  # noqa: S311 (simulated figures, reproducible: no secret)
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    daily, hourly = [], []
    now = timezone.localtime()
    for offset in range(days):
        day = first + timedelta(days=offset)
        for event, dims, n in day_rows(day, rng, wards=wards or SAPPORO_WARDS):
            cleaned = clean_dims(dims)
            fields = dict(event=event, key=key_of(cleaned), simulated=True, count=n, **dict(cleaned))
            daily.append(DailyCount(day=day, **fields))
            if day == today and now.date() == today:
                hours = now.hour + 1
                start = timezone.make_aware(datetime.combine(day, time()))
                for h in range(hours):
                    share = n // hours + (1 if h < n % hours else 0)
                    if share:
                        hourly.append(HourlyCount(hour=start + timedelta(hours=h), **{**fields, "count": share}))
    survey_rng = random.Random(seed + 1)  # noqa: S311 (the counts' figures stay those of the seed)
    answers = [a for offset in range(days) for a in survey_answers(first + timedelta(days=offset), survey_rng)]
    merged: dict[tuple, DailyCount] = {}
    for row in daily:  # the same key twice in a day (rounding): one row
        known = merged.get((row.day, row.event, row.key))
        if known is None:
            merged[(row.day, row.event, row.key)] = row
        else:
            known.count += row.count
    hourly_merged: dict[tuple, HourlyCount] = {}
    for hrow in hourly:
        hknown = hourly_merged.get((hrow.hour, hrow.event, hrow.key))
        if hknown is None:
            hourly_merged[(hrow.hour, hrow.event, hrow.key)] = hrow
        else:
            hknown.count += hrow.count
    with transaction.atomic():
        DailyCount.objects.filter(simulated=True, day__gte=first, day__lte=today).delete()
        HourlyCount.objects.filter(simulated=True, hour__date__gte=today).delete()
        DailyCount.objects.bulk_create(merged.values(), batch_size=500)
        HourlyCount.objects.bulk_create(hourly_merged.values(), batch_size=500)
        SurveyAnswer.objects.filter(simulated=True, day__gte=first, day__lte=today).delete()
        SurveyAnswer.objects.bulk_create(answers, batch_size=500)
    return len(merged)


def has_simulated() -> bool:
    return DailyCount.objects.filter(simulated=True).exists()
