"""The test suite: SQLite in memory unless ``DATABASE_URL`` names another database."""

from . import base
from .base import *  # noqa: F403
from .base import DATA_DIR, database_from_env

DATABASES = {"default": database_from_env(DATA_DIR / "test.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the delivery tests run workers and servers in other processes that
    # read the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; production uses Argon2
# Mail: Django's locmem backend (django.core.mail.outbox); the test runner sets it anyway.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]

# whitenoise looks for STATIC_ROOT at start-up; collectstatic fills it (make demo does).
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)

# Submission limits (hikkoshi.moves.limits): the suite's journeys submit many moves for one
# account; the limits' own tests (moves/tests/test_limits.py) set the shipped numbers back.
SHIPPED_SUBMISSION_LIMITS = base.HIKKOSHI_SUBMISSION_LIMITS
SHIPPED_OPEN_DRAFTS = base.HIKKOSHI_OPEN_DRAFTS
HIKKOSHI_SUBMISSION_LIMITS = {"hour": 1000, "day": 1000}
HIKKOSHI_STAFF_SUBMISSION_LIMITS = {"hour": 1000, "day": 1000}
HIKKOSHI_STORE_SUBMISSION_LIMITS = {"hour": 1000, "day": 1000}
HIKKOSHI_OPEN_DRAFTS = 1000

# The statistics' counts are written when a test calls hikkoshi.stats.counting.flush().
HIKKOSHI_STATS_THREAD = False
