"""The portal's and the receiver's database, logging and templates, built by ``settings.common``:
the values they had when each settings module spelled them out."""

import json
import os
from pathlib import Path
import subprocess
import sys

PRAGMAS = (
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; "
    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-256;"
)
PROCESSORS = [
    "django.template.context_processors.request",
    "django.template.context_processors.i18n",
    "django.template.context_processors.csp",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
]
POSTGRES = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "hk",
    "USER": "u",
    "PASSWORD": "p",
    "HOST": "db.example",
    "PORT": 5432,
    "CONN_MAX_AGE": 60,
    "CONN_HEALTH_CHECKS": True,
    "DISABLE_SERVER_SIDE_CURSORS": False,
}
PG_URL = "postgres://u:p@db.example:5432/hk"


def settings_of(module: str, tmp_path: Path, **env: str) -> dict:
    """DATABASES, LOGGING and TEMPLATES of ``hikkoshi.settings.<module>``, imported afresh in a
    process of its own with only ``env`` set of the variables they read."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "RECEIVER_DATABASE_URL",
            "HIKKOSHI_PG_SERVER_SIDE_BINDING",
            "HIKKOSHI_SQLITE_CACHE_KB",
        )
    }
    environ.update(
        HIKKOSHI_DATA_DIR=str(tmp_path / "portal"),
        HIKKOSHI_RECEIVER_DATA_DIR=str(tmp_path / "receiver"),
        HIKKOSHI_RECEIVER_SECRET_KEY="not-secret",
        **env,
    )
    script = (
        "import importlib, json, sys; m = importlib.import_module(sys.argv[1]); "
        "print(json.dumps({k: getattr(m, k) for k in ('DATABASES', 'LOGGING', 'TEMPLATES')}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, f"hikkoshi.settings.{module}"],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "CONN_MAX_AGE": None,
        "OPTIONS": {"init_command": PRAGMAS, "transaction_mode": "IMMEDIATE"},
    }


def logging(**levels: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": "INFO"},
        "loggers": {"django.request": {"level": "ERROR"}, **{k: {"level": v} for k, v in levels.items()}},
    }


def templates(processor: str) -> list:
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": [*PROCESSORS, processor]},
        }
    ]


def test_the_portal_settings(tmp_path):
    found = settings_of("base", tmp_path)
    assert found["DATABASES"] == {"default": sqlite(tmp_path / "portal" / "hikkoshi.sqlite3")}
    assert found["LOGGING"] == logging(fido2="WARNING", httpx="WARNING")
    assert found["TEMPLATES"] == templates("hikkoshi.portal.context_processors.portal")
    on_postgres = settings_of("base", tmp_path, DATABASE_URL=PG_URL)["DATABASES"]["default"]
    assert on_postgres == {**POSTGRES, "OPTIONS": {"server_side_binding": True}}
    without_binding = settings_of("base", tmp_path, DATABASE_URL=PG_URL, HIKKOSHI_PG_SERVER_SIDE_BINDING="0")
    assert without_binding["DATABASES"]["default"]["OPTIONS"] == {"server_side_binding": False}
    # The receiver's variable is not the portal's.
    assert settings_of("base", tmp_path, RECEIVER_DATABASE_URL=PG_URL)["DATABASES"] == found["DATABASES"]


def test_each_sqlite_connections_page_cache_is_bounded_and_configurable(tmp_path):
    """Issue 16: one page cache per thread's connection, 256 KB unless HIKKOSHI_SQLITE_CACHE_KB says."""

    def init_command(module: str, **env: str) -> str:
        return settings_of(module, tmp_path, **env)["DATABASES"]["default"]["OPTIONS"]["init_command"]

    assert init_command("base", HIKKOSHI_SQLITE_CACHE_KB="1024").endswith("PRAGMA cache_size=-1024;")
    assert "PRAGMA cache_size=-512;" in init_command("receiver", HIKKOSHI_SQLITE_CACHE_KB="512")
    for wrong in ("0", "-5", "lots"):
        assert init_command("base", HIKKOSHI_SQLITE_CACHE_KB=wrong).endswith("PRAGMA cache_size=-256;")


def test_the_receiver_settings(tmp_path):
    found = settings_of("receiver", tmp_path)
    expected = sqlite(tmp_path / "receiver" / "receiver.sqlite3")
    # What it deletes (purged applications) is overwritten in the file.
    expected["OPTIONS"]["init_command"] = PRAGMAS + " PRAGMA secure_delete=ON;"
    assert found["DATABASES"] == {"default": expected}
    assert found["LOGGING"] == logging()
    assert found["TEMPLATES"] == templates("hikkoshi.receiver.views.context")
    # Its own database URL (no server-side binding), never the portal's DATABASE_URL.
    assert settings_of("receiver", tmp_path, RECEIVER_DATABASE_URL=PG_URL)["DATABASES"] == {"default": POSTGRES}
    assert settings_of("receiver", tmp_path, DATABASE_URL=PG_URL)["DATABASES"] == found["DATABASES"]
