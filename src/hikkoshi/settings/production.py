"""Production: everything that differs between sites comes from the environment.

Required: ``HIKKOSHI_SECRET_KEY``, ``HIKKOSHI_ALLOWED_HOSTS`` (comma-separated), ``DATABASE_URL``
(``postgres://user:pass@host:5432/hikkoshi``). Optional: ``HIKKOSHI_EMAIL_URL``-style settings below.
"""

from .base import *  # noqa: F403
from .base import DATA_DIR, Path, os


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} must be set in production")
    return value


SECRET_KEY = _required("HIKKOSHI_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("HIKKOSHI_ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if not h.startswith(".")]
DEBUG = False

SECURE_SSL_REDIRECT = os.environ.get("HIKKOSHI_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("HIKKOSHI_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

STATIC_ROOT = Path(os.environ.get("HIKKOSHI_STATIC_ROOT", DATA_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The key that signs the QR codes on printed forms (given to the municipalities' counters so they
# can check a code), never SECRET_KEY; old keys stay valid while a new one is rolled out.
HIKKOSHI_QR_KEY = _required("HIKKOSHI_QR_KEY")
HIKKOSHI_QR_KEY_FALLBACKS = [k for k in os.environ.get("HIKKOSHI_QR_KEY_FALLBACKS", "").split(",") if k]

# The portal's own mail to people (sign-up verification, password reset), Django 6.1's MAILERS.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("HIKKOSHI_EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("HIKKOSHI_EMAIL_PORT", "587")),
            "username": os.environ.get("HIKKOSHI_EMAIL_USER", ""),
            "password": os.environ.get("HIKKOSHI_EMAIL_PASSWORD", ""),
            "use_tls": os.environ.get("HIKKOSHI_EMAIL_STARTTLS", "1") == "1",
            "timeout": 20,
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("HIKKOSHI_EMAIL_FROM", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Applications sent by e-mail carry personal data: STARTTLS unless explicitly switched off (for
# a relay on the same host); `check --deploy` warns about plain SMTP to another host.
HIKKOSHI_SMTP = {**HIKKOSHI_SMTP, "starttls": os.environ.get("HIKKOSHI_SMTP_STARTTLS", "1") == "1"}  # noqa: F405

# The portal's signing key of web-channel applications: never made by itself in production
# (`hikkoshi manage check --deploy` names a missing one).
HIKKOSHI_SIGNING_KEY_CREATE = False

# Encryption at rest (hikkoshi.encryption): the data keys come from HIKKOSHI_DATA_KEYS or from a
# key file that exists already. Production never makes a key by itself: a key made on one host
# would not be the others', and data written with it would be unreadable there.
HIKKOSHI_DATA_KEY_CREATE = False
if not HIKKOSHI_DATA_KEYS and not os.path.isfile(HIKKOSHI_DATA_KEY_FILE):  # noqa: F405
    raise RuntimeError(
        "HIKKOSHI_DATA_KEYS must be set in production, or HIKKOSHI_DATA_KEY_FILE must name an existing "
        f"key file ({HIKKOSHI_DATA_KEY_FILE} does not exist). Make a key with "  # noqa: F405
        "`python -m hikkoshi.encryption.crypto` (prints kid:base64) and keep it apart from the database backups."
    )
