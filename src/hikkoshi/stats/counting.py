"""Counting that never slows nor breaks what it counts.

``count(event, **dims)`` adds to a dict in this process under a lock and returns: no database,
no exception (it catches everything). Inside a transaction the count is added when the
transaction commits (``on_commit``), so a rolled-back submission is not counted.

The buffer is written (``flush``) in batches: by a daemon thread of the process every
``FLUSH_AGE`` seconds or sooner when it holds ``FLUSH_SIZE`` keys, by the worker's periodic job
(``flush_job``) and at exit — always on a connection of its own thread, in its own short
transaction, never in the caller's. When the write fails (table locked or missing, database
down) the counts go back into the buffer and are written next time. The buffer holds at most
``MAX_KEYS`` distinct keys; counts beyond it are dropped, and how many were dropped is itself
counted (event ``stats_dropped``) and logged — a number, never what was counted.

A dimension's value must be a short code or slug (``_VALUE``): anything else (a name, an
address, an e-mail address, Japanese text) is stored as "?" — personal data cannot get in by
mistake.
"""

import atexit
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
import functools
import logging
import os
import re
import threading
import time

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger("hikkoshi.stats")

# Dimension → the longest value its column takes.
DIMENSIONS: dict[str, int] = {
    "category": 40,
    "region": 6,
    "source": 40,
    "kind": 80,
    "entered_by": 12,
    "store": 20,
    "organisation": 121,
    "channel": 20,
    "reason": 60,
}
_VALUE = re.compile(r"[A-Za-z0-9_.:+-]*")
UNREADABLE = "?"

FLUSH_SIZE = 500  # distinct keys that wake the writer before its time
FLUSH_AGE = 10.0  # seconds between two writes at most
MAX_KEYS = 20_000  # distinct keys kept at most (a failing database: about 10 MB)
HOURLY_KEPT = timedelta(days=2)

DROPPED = "stats_dropped"

Dims = tuple[tuple[str, str], ...]
Key = tuple[datetime, str, Dims, bool]  # (hour, event, dims, simulated)


def enabled() -> bool:
    return bool(getattr(settings, "HIKKOSHI_STATS", True))


_CLEANED: dict[tuple, Dims] = {}
_CLEANED_MAX = 4096  # distinct dimension sets remembered (the hot path: a search, a visit)


def clean_dims(dims: Mapping[str, object]) -> Dims:
    """The dimensions as a sorted tuple; unknown names left out, values not a code made "?".

    Remembered per distinct set (at most ``_CLEANED_MAX``, then forgotten all at once): the same
    few sets come again and again, and checking them is most of what counting costs."""
    try:
        memo_key = tuple(dims.items())
        cleaned = _CLEANED.get(memo_key)
    except TypeError:  # an unhashable value: cleaned every time
        return _clean_dims(dims)
    if cleaned is None:
        cleaned = _clean_dims(dims)
        if len(_CLEANED) >= _CLEANED_MAX:
            _CLEANED.clear()
        _CLEANED[memo_key] = cleaned
    return cleaned


def _clean_dims(dims: Mapping[str, object]) -> Dims:
    out = []
    for name, value in dims.items():
        limit = DIMENSIONS.get(name)
        if limit is None or value is None or value == "":
            continue
        text = str(value)
        if len(text) > limit or not _VALUE.fullmatch(text):
            text = UNREADABLE
        out.append((name, text))
    out.sort()
    return tuple(out)


def key_of(dims: Dims) -> str:
    return ";".join(f"{name}={value}" for name, value in dims)


class Buffer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[Key, int] = {}
        self.dropped = 0
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.last_write = time.monotonic()

    def add(self, key: Key, n: int) -> None:
        with self.lock:
            counts = self.counts
            known = counts.get(key)
            if known is not None:  # the usual case: one look-up, and the writer is running
                counts[key] = known + n
                return
            if len(counts) < MAX_KEYS:
                counts[key] = n
            else:
                self.dropped += n
            full = len(counts) >= FLUSH_SIZE
        if full:
            self.wake.set()
        if self.thread is None and getattr(settings, "HIKKOSHI_STATS_THREAD", True):
            self._start()

    def take(self) -> tuple[dict[Key, int], int]:
        with self.lock:
            counts, dropped = self.counts, self.dropped
            self.counts, self.dropped = {}, 0
        return counts, dropped

    def give_back(self, counts: dict[Key, int], dropped: int) -> None:
        """Counts a failed write took, back in (newer counts added to them), within the bound."""
        with self.lock:
            for key, n in counts.items():
                if key in self.counts:
                    self.counts[key] += n
                elif len(self.counts) < MAX_KEYS:
                    self.counts[key] = n
                else:
                    dropped += n
            self.dropped += dropped

    def _start(self) -> None:
        with self.lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(target=self._run, name="hikkoshi-stats", daemon=True)
        self.thread.start()
        atexit.register(_flush_at_exit)

    def _run(self) -> None:
        while True:
            self.wake.wait(FLUSH_AGE)
            self.wake.clear()
            try:
                flush()
            except Exception as exc:  # noqa: BLE001 (flush logs its own failures; the thread must live on)
                logger.debug("stats_count_failed error=%s", type(exc).__name__)
            finally:
                close_old_connections()


_buffer = Buffer()


def _after_fork() -> None:
    """A forked process (gunicorn's workers) starts with an empty buffer and no thread: what
    the parent counted is the parent's to write."""
    global _buffer
    _buffer = Buffer()


os.register_at_fork(after_in_child=_after_fork)


class _Hour:
    """The current local hour, converted once per hour rather than on every count: the clock
    (``time.time``, seconds) compared with the hour's bounds is all a count asks of it."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        # (start, end, hour) in one attribute, so that another thread never reads a mixed set.
        self.span: tuple[float, float, datetime] | None = None

    def now(self) -> datetime:
        t = self.clock()
        span = self.span
        if span is not None and span[0] <= t < span[1]:
            return span[2]
        hour = timezone.localtime(datetime.fromtimestamp(t, UTC)).replace(minute=0, second=0, microsecond=0)
        start = hour.timestamp()
        self.span = (start, start + 3600.0, hour)
        return hour


_hour = _Hour()


def _add(event: str, dims: Dims, n: int, simulated: bool) -> None:
    try:
        _buffer.add((_hour.now(), event, dims, simulated), n)
    except Exception as exc:  # noqa: BLE001 (counting never breaks what it counts)
        logger.debug("stats_count_failed error=%s", type(exc).__name__)


def count(event: str, n: int = 1, /, *, simulated: bool = False, **dims: object) -> None:
    """Count ``n`` of ``event`` now, with ``dims`` (names of ``DIMENSIONS``); after the commit
    when called inside a transaction. Never raises, never touches the database."""
    record(event, dims, n, simulated=simulated)


def record(event: str, dims: Mapping[str, object], n: int = 1, *, simulated: bool = False) -> None:
    """``count`` with the dimensions as a mapping."""
    try:
        if not enabled() or n <= 0:
            return
        cleaned = clean_dims(dims)
        if connection.in_atomic_block:
            transaction.on_commit(functools.partial(_add, event, cleaned, n, simulated), robust=True)
        else:
            _add(event, cleaned, n, simulated)
    except Exception as exc:  # noqa: BLE001
        logger.debug("stats_count_failed error=%s", type(exc).__name__)


def pending() -> int:
    """How many counts wait in this process's buffer (tests, the bench)."""
    with _buffer.lock:
        return sum(_buffer.counts.values()) + _buffer.dropped


def discard() -> None:
    """Forget what this process counted and did not write (tests)."""
    _buffer.take()


def flush() -> int:
    """Write what was counted (rows written); on failure, keep it for the next time (0)."""
    counts, dropped = _buffer.take()
    if not counts and not dropped:
        return 0
    if dropped:
        logger.warning("stats_dropped count=%d (buffer full: the statistics tables could not be written)", dropped)
    try:
        written = _write(counts, dropped)
    except Exception as exc:  # noqa: BLE001 (a locked or missing table, a database down)
        _buffer.give_back(counts, 0)
        with _buffer.lock:
            _buffer.dropped += dropped  # still to be counted once the table takes it
        logger.warning("stats_flush_failed keys=%d error=%s; kept for the next write", len(counts), type(exc).__name__)
        return 0
    _buffer.last_write = time.monotonic()
    return written


def _write(counts: dict[Key, int], dropped: int) -> int:
    from .models import DailyCount, HourlyCount

    daily: dict[tuple[date, str, Dims, bool], int] = {}
    for (hour, event, dims, simulated), n in counts.items():
        day_key = (hour.date(), event, dims, simulated)
        daily[day_key] = daily.get(day_key, 0) + n
    if dropped:
        day_key = (timezone.localdate(), DROPPED, (), False)
        daily[day_key] = daily.get(day_key, 0) + dropped
    with transaction.atomic():
        for (day, event, dims, simulated), n in daily.items():
            _upsert(DailyCount, {"day": day}, event, dims, simulated, n)
        for (hour, event, dims, simulated), n in counts.items():
            _upsert(HourlyCount, {"hour": hour}, event, dims, simulated, n)
    return len(daily) + len(counts)


def _upsert(model, when: dict, event: str, dims: Dims, simulated: bool, n: int) -> None:
    key = key_of(dims)
    rows = model.objects.filter(**when, event=event, key=key, simulated=simulated)
    if rows.update(count=F("count") + n):
        return
    try:
        with transaction.atomic():
            model.objects.create(**when, event=event, key=key, simulated=simulated, count=n, **dict(dims))
    except IntegrityError:  # another process made the row meanwhile
        rows.update(count=F("count") + n)


def add_rows(model, rows: Iterable[tuple[dict, str, dict, int]], *, simulated: bool) -> int:
    """Add counts straight to the table (``stats_simulate``): (when, event, dims, n) each."""
    done = 0
    with transaction.atomic():
        for when, event, dims, n in rows:
            _upsert(model, when, event, clean_dims(dims), simulated, n)
            done += 1
    return done


def flush_job() -> int:
    """The worker's periodic job: write this process's counts; drop hourly rows past two days."""
    from .models import HourlyCount

    written = flush()
    try:
        HourlyCount.objects.filter(hour__lt=timezone.now() - HOURLY_KEPT).delete()
    except Exception as exc:  # noqa: BLE001
        logger.warning("stats_prune_failed error=%s", type(exc).__name__)
    return written


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception as exc:  # noqa: BLE001
        logger.debug("stats_count_failed error=%s", type(exc).__name__)
