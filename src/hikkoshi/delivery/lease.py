"""A worker's hold on what it is sending (a delivery or a notice) while it works on it.

A worker claims a row ("sending", ``sending_since`` now, a random ``claim``); the sweeper takes
back a row whose ``sending_since`` is older than the lease (its worker seems lost) and queues it
again, and another worker claims it anew. Two things keep the first worker from sending it too:

- ``Hold.check()``, called by the channel just before it hands the application over (the
  external call): in one short query, the row must still be "sending" under this worker's
  claim. A worker that lost its claim raises ``ClaimLost`` and sends nothing. (Its lease has
  at least two thirds of its length left then: the keeper below renews it.)
- While a hold is held (``with hold.kept():``), one thread per process renews the
  ``sending_since`` of each hold of the process once a third of the lease has passed since its
  claim or last renewal: a worker that is
  alive and working is never taken for lost, however long its rendering or its organisation
  takes. A process that dies stops renewing, and the sweeper takes its rows back after the lease.

No transaction is held across the hand-over: each check and each renewal is one statement.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
import logging
import threading
import time

from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone

from .channels.base import ClaimLost
from .sqlnames import quoted

logger = logging.getLogger(__name__)

SENDING = "sending"  # ProcedureStatus.SENDING and NoticeStatus.SENDING alike
# How often the renewing thread looks at the holds (at most; a third of the lease when shorter).
TICK = 1.0


class Hold:
    """A worker's claim on one row of ``model`` (``Delivery`` or ``Notice``)."""

    def __init__(self, model: type[models.Model], pk: int, claim: str) -> None:
        self.model = model
        self.pk = pk
        self.claim = claim
        self.renewed_at = time.monotonic()  # claimed just now

    def renew(self) -> bool:
        """Renew the lease, if the claim is still ours (one short statement); False if not."""
        self.renewed_at = time.monotonic()
        rows = self.model._default_manager.filter(pk=self.pk, claim=self.claim, status=SENDING)
        return bool(rows.update(sending_since=timezone.now()))

    def check(self) -> None:
        """Before the hand-over: still ours, or ``ClaimLost``. A read, not a write (on SQLite a
        write waits for the database's one writer; the lease itself is the keeper's to renew).
        Written out, as ``_still_held`` says why."""
        alias = router.db_for_read(self.model)
        with connections[alias].cursor() as cursor:
            cursor.execute(_still_held(self.model, alias), [self.pk, self.claim, SENDING])
            if cursor.fetchone() is None:
                raise ClaimLost(f"{self.model.__name__.lower()} {self.pk} was taken back from this worker")

    @contextmanager
    def kept(self) -> Iterator["Hold"]:
        """Renewed in the background while the block runs."""
        _keeper.add(self)
        try:
            yield self
        finally:
            _keeper.remove(self)


@cache
def _still_held(model: type[models.Model], alias: str) -> str:
    """The check's query: on the path of every application and notice, before its hand-over, and
    ``QuerySet.exists()`` took longer to build than the query takes to run. Names from the
    model, values bound."""
    table, pk, claim, status = quoted(model, alias, "pk", "claim", "status")
    return f"SELECT 1 FROM {table} WHERE {pk} = %s AND {claim} = %s AND {status} = %s"  # noqa: S608 (the model's names)


class _Keeper:
    """The process's renewing thread: started with the first hold, gone when none is left."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holds: set[Hold] = set()
        self.thread: threading.Thread | None = None

    def add(self, hold: Hold) -> None:
        with self.lock:
            self.holds.add(hold)
            if self.thread is None:
                self.thread = threading.Thread(target=self.run, name="hikkoshi-lease", daemon=True)
                self.thread.start()

    def remove(self, hold: Hold) -> None:
        with self.lock:
            self.holds.discard(hold)

    def run(self) -> None:
        wake = threading.Event()
        try:
            while True:
                every = float(settings.HIKKOSHI_DELIVERY["lease"]) / 3
                wake.wait(min(every, TICK))
                with self.lock:
                    holds = list(self.holds)
                    if not holds:
                        return
                due = time.monotonic() - every
                for hold in holds:
                    if hold.renewed_at > due:
                        continue
                    try:
                        if not hold.renew():
                            # Its worker finds out at its check, before it sends.
                            logger.warning("lease_lost %s=%s", hold.model.__name__.lower(), hold.pk)
                    except Exception as exc:  # a database away for a moment: try again next time
                        logger.warning("lease_renew_failed error=%s", type(exc).__name__)
                        connections.close_all()
        finally:
            with self.lock:
                self.thread = None
                if self.holds:  # added while this thread was leaving: a new one takes over
                    self.thread = threading.Thread(target=self.run, name="hikkoshi-lease", daemon=True)
                    self.thread.start()
            connections.close_all()  # this thread's connections only


_keeper = _Keeper()
