"""Jobs ``hikkoshi worker`` runs about once an hour besides sending (定期処理).

The worker is one process tree for every deployment, so it runs the hourly upkeep of other apps
too — but delivery imports none of the apps above it: each app registers its own job here from
its ``AppConfig.ready()`` (``register``), and the worker runs what is registered, in that order.
Delivery's own: the pruning of finished task results; privacy's: the erasure of personal data
past its retention time.

A job runs every ``every`` seconds (an hour unless it says otherwise: federation pulls its
partners' directories every 15 minutes), the first time a minute after the worker starts.
A job is a function without arguments returning how many things it did; the worker prints
``"<name>: <done>"`` when that is not zero, and ``"<name>: <failed> (<exception type>); trying
again in an hour"`` when it raises — never the exception's message, which may quote personal
data.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Job:
    name: str  # what the worker's lines start with ("privacy", "tasks")
    run: Callable[[], int]
    done: str  # with {n}: "erased the personal data of {n} move(s)"
    failed: str  # "erasure failed"
    every: float = 3600.0  # seconds between two runs


_jobs: dict[str, Job] = {}


def register(job: Job) -> None:
    """Add an hourly job; a second job of the same name is refused (the same job again is not)."""
    known = _jobs.get(job.name)
    if known is not None and known != job:
        raise ImproperlyConfigured(f"an hourly job named {job.name!r} is registered already")
    _jobs[job.name] = job


def hourly() -> list[Job]:
    """The registered jobs, in the order they were registered (each runs every ``every`` s)."""
    return list(_jobs.values())


def due(next_run: dict[str, float], now: float, *, first_after: float = 60.0) -> list[Job]:
    """The registered jobs due at ``now`` (monotonic seconds), each then scheduled ``every``
    seconds on in ``next_run`` (by name; a job not seen yet is first due ``first_after`` s on)."""
    ready = []
    for job in hourly():
        at = next_run.setdefault(job.name, now + first_after)
        if at <= now:
            ready.append(job)
            next_run[job.name] = now + job.every
    return ready
