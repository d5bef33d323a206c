"""Two writers at once, for the tests of what PostgreSQL does when two transactions meet (locks,
deadlocks, what each sees under READ COMMITTED)."""

import threading

from django.db import connections, transaction


def at_once(*targets) -> None:
    """Each of ``targets`` in a thread (and database connection) of its own, all started, then
    all waited for (at most 30 s: none may be left hanging). Exceptions are the targets' to catch
    and record."""

    def run(target):
        try:
            target()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(target,), daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)


def together(first, then) -> None:
    """``first`` in a transaction that stays open a second after it ran; ``then``, in another
    thread and connection, meanwhile."""
    ran = threading.Event()

    def slow_to_commit():
        try:
            with transaction.atomic():
                first()
                ran.set()
                threading.Event().wait(1.0)
        finally:
            ran.set()

    def meanwhile():
        ran.wait(10)
        then()

    at_once(slow_to_commit, meanwhile)
