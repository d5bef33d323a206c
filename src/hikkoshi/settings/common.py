"""Pieces of settings that the portal (``base``) and ``hikkoshi receiver`` (``receiver``) build alike.

Two Django projects, one way of setting up their database, logging and templates: each settings
module calls these functions with what is its own (which environment variable names its
database, which loggers it quietens, its context processor). Plain functions of their
arguments, so importing this module reads no environment and touches no file.
"""

from collections.abc import Mapping
from pathlib import Path

import dj_database_url

DEFAULT_SQLITE_CACHE_KB = 256


def database(
    url: str | None,
    default_path: Path,
    *,
    server_side_binding: bool | None = None,
    sqlite_cache_kb: int = DEFAULT_SQLITE_CACHE_KB,
) -> dj_database_url.DBConfig:
    """A ``DATABASES`` entry: ``url`` (any URL ``dj-database-url`` understands) or, when it is
    empty, an SQLite file at ``default_path`` tuned for a small server.

    SQLite runs in WAL mode so readers never wait for a writer, and takes its write lock at the
    start of each transaction (``IMMEDIATE``) so two writers queue instead of failing halfway.
    Each connection's page cache is bounded to ``sqlite_cache_kb`` (SQLite's default is 2 MB):
    every gunicorn thread keeps its own connection, so 16 threads kept 16 caches of the same file,
    which the operating system already caches once for all of them (issue 16: a worker grew
    ~4 MB per thread with this and the postal data's cache at their default).
    On PostgreSQL, ``server_side_binding`` (when given) binds parameters on the server, so
    psycopg prepares the statements a process runs again and again: the server parses and plans
    them once.
    """
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_path)}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(
            {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; "
                    f"PRAGMA cache_size=-{max(1, sqlite_cache_kb)};"
                ),
                "transaction_mode": "IMMEDIATE",
            }
        )
        config["CONN_MAX_AGE"] = None
    elif config["ENGINE"] == "django.db.backends.postgresql" and server_side_binding is not None:
        config.setdefault("OPTIONS", {}).setdefault("server_side_binding", server_side_binding)
    return config


def sqlite_cache_kb(environ: Mapping[str, str]) -> int:
    """``HIKKOSHI_SQLITE_CACHE_KB`` from ``environ``: the page cache of each SQLite connection,
    in KB (``DEFAULT_SQLITE_CACHE_KB`` when unset or not a positive whole number)."""
    try:
        value = int(environ.get("HIKKOSHI_SQLITE_CACHE_KB", DEFAULT_SQLITE_CACHE_KB))
    except ValueError:
        return DEFAULT_SQLITE_CACHE_KB
    return value if value > 0 else DEFAULT_SQLITE_CACHE_KB


def logging_config(levels: dict[str, str] | None = None) -> dict:
    """``LOGGING``: every record to the console as ``time level logger message``, from INFO up;
    Django's request log from ERROR up; ``levels`` sets other loggers' thresholds
    (``{"httpx": "WARNING"}``)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": "INFO"},
        "loggers": {
            "django.request": {"level": "ERROR"},
            **{name: {"level": level} for name, level in (levels or {}).items()},
        },
    }


def templates(*context_processors: str) -> list[dict]:
    """``TEMPLATES``: Django's engine over the apps' ``templates`` folders, with the request,
    language, CSP nonce, user and messages in every context, then ``context_processors``."""
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.template.context_processors.i18n",
                    "django.template.context_processors.csp",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                    *context_processors,
                ],
            },
        },
    ]
