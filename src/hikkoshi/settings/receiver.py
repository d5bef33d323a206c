"""Settings of ``hikkoshi receiver``: the service an organisation runs to accept the web channel.

Not the portal: its own apps, its own database, its own users. Everything comes from the
environment, which ``hikkoshi receiver`` sets from its options for its web workers:

- ``HIKKOSHI_RECEIVER_DATA_DIR``: the receiver's state (``receiver.sqlite3``, ``keys/<slug>.pem``,
  ``secret-key``); default ``./var/receiver``.
- ``RECEIVER_DATABASE_URL``: a database URL (``postgres://…``) instead of the SQLite file. The
  portal's ``DATABASE_URL`` is never used here.
- ``HIKKOSHI_RECEIVER_ORGANISATIONS``: the organisations served (comma-separated slugs).
- ``HIKKOSHI_RECEIVER_PORTAL_KEYS_URL`` or ``HIKKOSHI_RECEIVER_PORTAL_KEY_FILE``: where the
  portal's public key comes from (its JWK set by URL, or a PEM or JWKS file).
- ``HIKKOSHI_RECEIVER_PORTAL_ANSWERS_URL``: where the staff's status updates of applications
  (処理状況) are POSTed, signed (``https://PORTAL/api/v1/answers``); ``HIKKOSHI_RECEIVER_SEND_INTERVAL``:
  seconds between two tries of those not yet acknowledged (default 30).
- ``HIKKOSHI_RECEIVER_PUBLIC_URL``: the receiver's address as the portal sees it
  (``https://receiver.example.jp``), when a proxy in front changes scheme, host or port; the
  portal's signature covers the URL it posted to.
- ``HIKKOSHI_RECEIVER_DELAY``: seconds to wait before each answer (tests, demonstrations).
- ``HIKKOSHI_RECEIVER_OPEN_STAFF_PAGES=1``: staff pages without sign-in (a local demo only).
- ``HIKKOSHI_RECEIVER_DATA_KEYS`` (``kid:base64key,…``) or ``HIKKOSHI_RECEIVER_DATA_KEY_FILE``
  (default ``<data dir>/data-keys``, made on first start unless
  ``HIKKOSHI_RECEIVER_DATA_KEY_CREATE=0``): the keys that encrypt received applications at rest
  (``hikkoshi.encryption``), as the portal's ``HIKKOSHI_DATA_KEYS`` / ``HIKKOSHI_DATA_KEY_FILE``.
- ``HIKKOSHI_RECEIVER_PURGE_INTERVAL``: seconds between two purges of applications older than
  their organisation keeps them, in each web worker (default 3600; 0: only ``hikkoshi receiver
  purge``).
- ``HIKKOSHI_RECEIVER_ALLOWED_HOSTS`` (comma-separated), ``HIKKOSHI_RECEIVER_SECRET_KEY``,
  ``HIKKOSHI_RECEIVER_PROXY_SSL=1`` (trust ``X-Forwarded-Proto`` from the proxy).
"""

import os
from pathlib import Path
import secrets
import time
from typing import Any

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from .common import database, logging_config, sqlite_cache_kb, templates

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HIKKOSHI_RECEIVER_DATA_DIR", Path.cwd() / "var" / "receiver")).resolve()
# Received applications, keys, sessions: folder 0700, files 0600 (hikkoshi.datadir).
from hikkoshi.datadir import private_data_dir  # noqa: E402

private_data_dir(DATA_DIR)


def _secret_key() -> str:
    """From the environment, or a random key kept in the data dir (made on first start)."""
    if os.environ.get("HIKKOSHI_RECEIVER_SECRET_KEY"):
        return os.environ["HIKKOSHI_RECEIVER_SECRET_KEY"]
    path = DATA_DIR / "secret-key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50))
    for _attempt in range(50):  # another process may be writing it this instant
        text = path.read_text().strip()
        if text:
            return text
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty")


def _list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = _secret_key()
DEBUG = False
ALLOWED_HOSTS = _list("HIKKOSHI_RECEIVER_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
if os.environ.get("HIKKOSHI_RECEIVER_PROXY_SSL") == "1":
    # Behind a proxy that terminates TLS: HTTPS only.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("HIKKOSHI_RECEIVER_HSTS_SECONDS", "31536000"))
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
if os.environ.get("HIKKOSHI_RECEIVER_PUBLIC_URL"):
    CSRF_TRUSTED_ORIGINS = [os.environ["HIKKOSHI_RECEIVER_PUBLIC_URL"].rstrip("/")]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "hikkoshi.receiver",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "hikkoshi.receiver.urls"
WSGI_APPLICATION = "hikkoshi.receiver.wsgi.application"
LOGIN_URL = "receiver:login"
LOGIN_REDIRECT_URL = "receiver:home"
LOGOUT_REDIRECT_URL = "receiver:login"
# The staff sign-in's lockout counts failures in a cache every worker shares: the receiver's
# database (the table is made with its migrations by `hikkoshi receiver`).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "receiver_cache"}}
# 5 failed sign-ins for one user name within 15 minutes refuse the next attempts (right
# password or not) until the oldest is 15 minutes old, as on the portal.
RECEIVER_LOGIN_FAILURES = (5, 15 * 60)

TEMPLATES = templates("hikkoshi.receiver.views.context")

# ``RECEIVER_DATABASE_URL`` or an SQLite file, tuned as the portal's (WAL, IMMEDIATE).
DATABASES = {
    "default": database(
        os.environ.get("RECEIVER_DATABASE_URL"),
        DATA_DIR / "receiver.sqlite3",
        sqlite_cache_kb=sqlite_cache_kb(os.environ),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # What is deleted (purged applications, old sessions) is overwritten in the file, not left
    # in its free pages.
    DATABASES["default"]["OPTIONS"]["init_command"] += " PRAGMA secure_delete=ON;"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

# The portal may run on the same host: cookies are per host, not per port, so the receiver's
# have names of their own.
SESSION_COOKIE_NAME = "hikkoshi_receiver_session"
CSRF_COOKIE_NAME = "hikkoshi_receiver_csrftoken"
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_NAME = "hikkoshi_receiver_language"

# No static files: the pages' stylesheet and its design tokens (hikkoshi.receiver.styles) are put
# into each page's <style>, allowed by the nonce of each answer.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.NONCE],
    "img-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = logging_config()

# Encryption at rest of received applications (hikkoshi.encryption): the receiver's own keys,
# never the portal's. Keep the key file (or the keys) apart from the database's backups.
HIKKOSHI_DATA_KEYS = os.environ.get("HIKKOSHI_RECEIVER_DATA_KEYS", "")
HIKKOSHI_DATA_KEY_FILE = os.environ.get("HIKKOSHI_RECEIVER_DATA_KEY_FILE", str(DATA_DIR / "data-keys"))
HIKKOSHI_DATA_KEY_CREATE = os.environ.get("HIKKOSHI_RECEIVER_DATA_KEY_CREATE", "1") != "0"

RECEIVER_DATA_DIR = DATA_DIR
RECEIVER: dict[str, Any] = {
    "organisations": _list("HIKKOSHI_RECEIVER_ORGANISATIONS"),
    "portal_keys_url": os.environ.get("HIKKOSHI_RECEIVER_PORTAL_KEYS_URL", ""),
    "portal_key_file": os.environ.get("HIKKOSHI_RECEIVER_PORTAL_KEY_FILE", ""),
    "public_url": os.environ.get("HIKKOSHI_RECEIVER_PUBLIC_URL", "").rstrip("/"),
    "delay": float(os.environ.get("HIKKOSHI_RECEIVER_DELAY", "0") or 0),
    "open_staff_pages": os.environ.get("HIKKOSHI_RECEIVER_OPEN_STAFF_PAGES") == "1",
    # Signatures older than this or ahead of the clock by more are refused (seconds).
    "max_age": float(os.environ.get("HIKKOSHI_RECEIVER_MAX_AGE", "300")),
    "max_future": float(os.environ.get("HIKKOSHI_RECEIVER_MAX_FUTURE", "60")),
    # The portal's JWK set is fetched again when a signature names an unknown key, at most this
    # often (seconds), and in any case once it is this old.
    "keys_refetch_interval": float(os.environ.get("HIKKOSHI_RECEIVER_KEYS_REFETCH_INTERVAL", "5")),
    "keys_max_age": float(os.environ.get("HIKKOSHI_RECEIVER_KEYS_MAX_AGE", "3600")),
    "name": _("hikkoshi receiver"),
    # Seconds between two purges of old applications in each web worker (0: none).
    "purge_interval": float(os.environ.get("HIKKOSHI_RECEIVER_PURGE_INTERVAL", "3600")),
    # Where the staff's status updates (処理状況) go, signed: the portal's /api/v1/answers.
    "portal_answers_url": os.environ.get("HIKKOSHI_RECEIVER_PORTAL_ANSWERS_URL", ""),
    # Seconds between two looks for status updates the portal has not acknowledged (0: none).
    "send_interval": float(os.environ.get("HIKKOSHI_RECEIVER_SEND_INTERVAL", "30")),
    # The second step of the staff sign-in (the authenticator app's code) waits this long
    # (seconds) after the password.
    "code_wait": 300,
}
