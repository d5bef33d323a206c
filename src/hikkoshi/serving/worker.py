"""gunicorn's threaded worker, with a bound on how long a client may keep a thread waiting.

``hikkoshi serve`` and ``hikkoshi receiver`` run ``gthread`` workers (a pool of threads per
process), so one slow client holds one thread, not a whole process. gunicorn itself already hands
back to its poller a new connection that sends nothing for 5 s; once a client has sent its first
byte, though, a thread reads the rest of the request with a blocking socket and no limit: a
slowloris (headers sent a byte at a time) or a slow body would keep that thread as long as it
likes. This worker sets a timeout on each read and write of the socket
(``HIKKOSHI_CLIENT_TIMEOUT``, 10 s by default): a client silent for longer loses its connection
and the thread goes back to the pool.

A worker also stops accepting connections while every one of its threads is busy, and takes them
again when a thread is free. gunicorn's own worker goes on accepting up to ``worker_connections``
(1,000) and queues what its threads cannot take: with several workers on one listening socket, a
burst of slow clients could pile onto one worker while the others sat idle, and a normal request
that landed there waited behind them. Left in the kernel's queue instead, a connection goes to a
worker that has a thread for it.

That bounds each pause, not a whole request: a client trickling a byte every few seconds still
holds a thread for a while. A deployment puts a buffering reverse proxy in front (README,
``deploy/nginx.conf``), which reads whole requests before passing them on; these limits are
what is left when something reaches gunicorn directly.
"""

from concurrent.futures import Future
import os
from typing import Any

# gunicorn ships no types, and types-gunicorn describes an older major version (pyproject's mypy
# overrides make gunicorn Any). Its classes are therefore Any to mypy, and subclassing them is
# what the strict disallow_subclassing_any flags: deliberate here (`type: ignore[misc]` below),
# these classes exist to extend gunicorn's. Its connections (TConn) and listeners (its socket
# wrappers) stay Any.
from gunicorn.workers.gthread import TConn, ThreadWorker

DEFAULT_CLIENT_TIMEOUT = 10.0


def client_timeout() -> float:
    try:
        value = float(os.environ.get("HIKKOSHI_CLIENT_TIMEOUT", DEFAULT_CLIENT_TIMEOUT))
    except ValueError:
        return DEFAULT_CLIENT_TIMEOUT
    return value if value > 0 else DEFAULT_CLIENT_TIMEOUT


class TimedConn(TConn):  # type: ignore[misc]  # gunicorn's class is Any (see above)
    """A connection whose socket reads and writes time out (``init`` runs before each request,
    after the worker made the socket blocking again)."""

    def init(self) -> None:
        super().init()
        self.sock.settimeout(client_timeout())


class TimedThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn's class is Any (see above)
    """All of these methods run on the worker's main thread (gunicorn calls ``finish_request``
    through its method queue), so ``busy`` needs no lock."""

    busy = 0  # connections handed to the thread pool and not yet finished

    def enqueue_req(self, conn: Any) -> None:
        if type(conn) is TConn:
            conn.__class__ = TimedConn
        self.busy += 1
        super().enqueue_req(conn)

    def finish_request(self, conn: Any, fs: Future[Any]) -> None:
        self.busy -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled: bool) -> None:
        # gunicorn's run loop asks again on each turn (at least once a second, and whenever a
        # request finishes), so accepting resumes as soon as a thread is free.
        super().set_accept_enabled(enabled and self.busy < self.cfg.threads)

    def accept(self, listener: Any) -> None:
        super().accept(listener)
        if self.busy >= self.cfg.threads:
            self.set_accept_enabled(False)
