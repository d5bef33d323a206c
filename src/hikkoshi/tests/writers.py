"""Two writers at once, for the tests of what PostgreSQL does when two transactions meet (locks,
deadlocks, what each sees under READ COMMITTED)."""

import threading

from django.db import connections, transaction


def together(first, then) -> None:
    """``first`` in a transaction that stays open a second after it ran; ``then``, in another
    thread and connection, meanwhile. Exceptions are the callers' to catch and record."""
    ran = threading.Event()

    def slow_to_commit():
        try:
            with transaction.atomic():
                first()
                ran.set()
                threading.Event().wait(1.0)
        finally:
            ran.set()
            connections.close_all()

    def meanwhile():
        try:
            ran.wait(10)
            then()
        finally:
            connections.close_all()

    workers = [threading.Thread(target=slow_to_commit, daemon=True), threading.Thread(target=meanwhile, daemon=True)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert not any(worker.is_alive() for worker in workers)
