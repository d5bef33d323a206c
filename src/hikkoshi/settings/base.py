"""Settings shared by every environment.

Environment variables read here (all optional outside production):

- ``DATABASE_URL``: any URL ``dj-database-url`` understands; default an SQLite file in the data dir.
- ``HIKKOSHI_DATA_DIR``: where the embedded database and other state live (default ``./var``).
- ``HIKKOSHI_REGION``: which region this portal serves (``sapporo``, ``kanto``, ``kansai``).
"""

import os
from pathlib import Path

from dj_database_url import DBConfig
from django.conf.locale import LANG_INFO
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from .common import database, logging_config, sqlite_cache_kb, templates

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HIKKOSHI_DATA_DIR", Path.cwd() / "var")).resolve()

SECRET_KEY = os.environ.get("HIKKOSHI_SECRET_KEY", "dev-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "hikkoshi.places",
    "hikkoshi.directory",
    "hikkoshi.documents",
    "hikkoshi.catalogue",
    "hikkoshi.moves",
    "hikkoshi.assisted",  # call centres and estate agencies (代行)
    "django_tasks_db",
    "hikkoshi.delivery",
    "hikkoshi.notifications",  # mails and お知らせ to the mover, reminders
    "hikkoshi.privacy",
    "hikkoshi.federation",  # partner portals (ポータル間連携)
    "hikkoshi.audit",
    "hikkoshi.economics",  # business model scenarios (ビジネスモデル)
    "hikkoshi.stats",  # usage statistics without personal data (利用統計)
    "hikkoshi.portal",
    "hikkoshi.accounts",  # before allauth: its templates restyle allauth's pages
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Sign-in between partner portals (hikkoshi.federation.signin): this portal as an OpenID
    # Connect provider for its peers, and each peer's provider as an openid_connect client.
    "allauth.idp.oidc",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django.contrib.humanize",  # allauth's list of passkeys uses its filters
    "hikkoshi.bench",
]

# Sessions, session authentication, messages, the staff rule and the known-browser cookie
# concern pages only: the API skips them, those in a row at once, and takes its language from
# Accept-Language alone (see hikkoshi.api.middleware). CSRF, frame and CSP headers stay as
# Django ships them everywhere.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Requests from partner portals (/federation/): signature checked before anything else,
    # every answer signed after everything else (hikkoshi.federation.middleware).
    "hikkoshi.federation.middleware.FederationSignatureMiddleware",
    "hikkoshi.api.middleware.ProblemDetailsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Page views and PDF downloads counted (after whitenoise: static files are not visits).
    "hikkoshi.stats.middleware.StatsMiddleware",
    "hikkoshi.api.middleware.SessionMiddleware",
    "hikkoshi.api.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "hikkoshi.api.middleware.AuthenticationMiddleware",
    "hikkoshi.api.middleware.MessageMiddleware",
    # allauth's request context (cheap; it touches neither the session nor the user unless a
    # page under /accounts/ is not found), then the staff rule: /admin/ and the other staff
    # prefixes need a second factor used in this session (hikkoshi.accounts.middleware).
    "allauth.account.middleware.AccountMiddleware",
    "hikkoshi.api.middleware.StaffSecondFactorMiddleware",
    "hikkoshi.api.middleware.KnownBrowserMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Forms may lead to the pinned partner portals' sign-in (CSP form-action; its answer is seen
    # before the CSP middleware's: hikkoshi.federation.middleware).
    "hikkoshi.federation.middleware.PartnerFormActionMiddleware",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ROOT_URLCONF = "hikkoshi.urls"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "moves:list"
LOGOUT_REDIRECT_URL = "portal:home"

# -- Accounts (django-allauth) ------------------------------------------------------------------
# Movers sign in with their e-mail address (verified) and a password, optionally a passkey or an
# authenticator app; staff must use a second factor (hikkoshi.accounts.access).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes still verify, and are upgraded to Argon2 at the next sign-in.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "hikkoshi.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True  # one address per account: changing it replaces it once verified
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # the link opens a page with a button (a POST)
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Sign-up and password reset answer the same whether or not the address has an account; the
# owner of a known address gets an e-mail saying so instead.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell the owner when the password or e-mail is changed
ACCOUNT_SESSION_REMEMBER = True  # no "remember me" box: sessions last SESSION_COOKIE_AGE
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # this session stays; the others end
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[hikkoshi] "
ACCOUNT_RATE_LIMITS = {
    # Lockout: 5 failed sign-ins for one account (e-mail address) within 15 minutes refuse the
    # next attempts, right password or not, until the oldest failure is 15 minutes old. A
    # second-factor code shares the account's budget. Kept in the shared cache below, so every
    # worker counts.
    "login_failed": "5/15m/key",
}
# 20 failures from one address (IP) in 15 minutes refuse the next attempts from that address,
# except from a browser that signed in with the account before (hikkoshi.accounts.known_browsers):
# people behind the same proxy or carrier address as an attacker are not locked out.
HIKKOSHI_SIGN_IN_ADDRESS_LIMIT = "20/15m/ip"
# Behind a reverse proxy the client's address is in X-Forwarded-For: the number of proxies we
# run in front of the portal (0: trust no header, use the socket's address).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("HIKKOSHI_TRUSTED_PROXY_COUNT", "0"))
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# Second-factor secrets are encrypted at rest with the data keys (hikkoshi.privacy.mfa).
MFA_ADAPTER = "hikkoshi.privacy.mfa.EncryptingMFAAdapter"
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "hikkoshi"
MFA_TOTP_TOLERANCE = 1  # the code of the previous or next 30 s also counts (clock drift)
# -- Sign-in between partner portals (OpenID Connect, hikkoshi.federation.signin) ----------------
# This portal is the provider its peers send a mover to before a hand-over is claimed there; each
# peer's own provider is an openid_connect app here. `hikkoshi federation peer add` registers both.
# The federated sign-in proves who the mover is at the origin (its pairwise `sub`, kept in the
# session for the claim). A mover signed in here keeps their account; a visitor nobody is signed
# in as is signed in to the account of that social account (peer, sub), made on first use with no
# form (auto sign-up: no e-mail, unusable password). It never links an account or trusts an
# e-mail address from a peer, and never signs in to or counts for a staff account.
IDP_OIDC_ADAPTER = "hikkoshi.federation.signin.ProviderAdapter"
# Peers are public clients (no secret to exchange or leak): PKCE S256 is required of every one,
# and no other way for a client to authenticate is offered.
IDP_OIDC_AUTH_METHODS = ["none"]
IDP_OIDC_DCR_ENABLED = False
IDP_OIDC_CIMD_ENABLED = False
IDP_OIDC_INTROSPECTION_ENABLED = False
# A peer uses its access token once, right away (userinfo): it is short-lived, and no refresh
# token is ever given (the clients may use the authorization code grant only).
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = 300
# The RSA key that signs the ID tokens (RS256): HIKKOSHI_OIDC_KEY (PEM) or HIKKOSHI_OIDC_KEY_FILE,
# made in the data dir on first use outside production (as the signing key).
HIKKOSHI_OIDC_KEY = os.environ.get("HIKKOSHI_OIDC_KEY", "")
HIKKOSHI_OIDC_KEY_FILE = os.environ.get("HIKKOSHI_OIDC_KEY_FILE", str(DATA_DIR / "oidc-key.pem"))
SOCIALACCOUNT_ADAPTER = "hikkoshi.federation.signin.PeerSignInAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,  # S256 (allauth's only method)
        "SCOPE": ["openid"],  # the subject only: no e-mail, no profile
        "VERIFIED_EMAIL": False,
    }
}

# WebAuthn needs HTTPS, except on a local demo (settings/dev.py allows http://127.0.0.1).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False

# Sessions: two weeks for movers; staff sessions end 8 hours after signing in, whatever they do
# (hikkoshi.accounts.middleware). Pages that make up the staff area (a second factor needed):
SESSION_COOKIE_AGE = 14 * 24 * 3600
HIKKOSHI_STAFF_SESSION_AGE = 8 * 3600
# Usage statistics (hikkoshi.stats): HIKKOSHI_STATS=0 in the environment switches counting off.
HIKKOSHI_STATS = os.environ.get("HIKKOSHI_STATS", "1") != "0"
# Each process writes its counts from a thread of its own (the tests write them explicitly).
HIKKOSHI_STATS_THREAD = True
HIKKOSHI_STAFF_PATHS = ["/admin/", "/agency/", "/callcentre/"]
# Groups whose members count as staff besides users with is_staff (hikkoshi.accounts.access).
HIKKOSHI_STAFF_GROUPS: list[str] = []
# How many moves may be submitted (hikkoshi.moves.limits): by one account (the wizard and the
# API together), by a call-centre operator, by the staff of one estate-agency store (the
# administrators can set other numbers per store in the admin); open drafts per mover.
HIKKOSHI_SUBMISSION_LIMITS = {
    "hour": int(os.environ.get("HIKKOSHI_SUBMISSIONS_PER_HOUR", "5")),
    "day": int(os.environ.get("HIKKOSHI_SUBMISSIONS_PER_DAY", "10")),
}
HIKKOSHI_STAFF_SUBMISSION_LIMITS = {"hour": 30, "day": 200}
HIKKOSHI_STORE_SUBMISSION_LIMITS = {"hour": 30, "day": 200}
HIKKOSHI_OPEN_DRAFTS = int(os.environ.get("HIKKOSHI_OPEN_DRAFTS", "10"))
# API tokens stop working this many days after they were made (0: never; not advised).
HIKKOSHI_API_TOKEN_DAYS = int(os.environ.get("HIKKOSHI_API_TOKEN_DAYS", "90"))

# The cache is shared by every worker and host (sign-in lockouts, used one-time codes), so it
# lives in the database; `migrate` creates its table (hikkoshi.accounts.apps).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "hikkoshi_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
WSGI_APPLICATION = "hikkoshi.wsgi.application"

TEMPLATES = templates("hikkoshi.portal.context_processors.portal")


def database_from_env(default_path: Path) -> DBConfig:
    """The default database: ``DATABASE_URL`` or an SQLite file (``common.database``). On
    PostgreSQL parameters are bound on the server (``HIKKOSHI_PG_SERVER_SIDE_BINDING=0`` turns it
    off): a delivery's claim and record are prepared once per process. On SQLite each
    connection's page cache is ``HIKKOSHI_SQLITE_CACHE_KB`` (256 KB by default)."""
    return database(
        os.environ.get("DATABASE_URL"),
        default_path,
        server_side_binding=os.environ.get("HIKKOSHI_PG_SERVER_SIDE_BINDING", "1") == "1",
        sqlite_cache_kb=sqlite_cache_kb(os.environ),
    )


DATABASES = {"default": database_from_env(DATA_DIR / "hikkoshi.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Japanese first, English beside it, and やさしい日本語 (easy Japanese for foreign residents, written
# to 出入国在留管理庁・文化庁「在留支援のためのやさしい日本語ガイドライン」, 2020). Its code is a
# BCP 47 private-use tag (RFC 5646 §2.2.7: no registered subtag exists for it) that Django's
# language_code_re accepts; to_locale() makes it the catalogue folder ja_X-easy/. What it does
# not translate is said in ordinary Japanese, never in the English msgid: gettext reads the "ja"
# catalogue of every folder for ja_X-easy too. Its catalogue has a folder of its own, listed
# first: a folder holding both would make the project's Japanese a mere fallback under
# Django's and allauth's, so the project's own Japanese wording of their msgids would be lost.
# Pages say lang="ja" for it (hikkoshi.portal.context_processors).
LANGUAGE_CODE = "ja"
EASY_JAPANESE = "ja-x-easy"
LANGUAGES = [("ja", "日本語"), (EASY_JAPANESE, "やさしい にほんご"), ("en", "English")]
# The name the language switch shows (get_language_info); Django knows no such language.
LANG_INFO[EASY_JAPANESE] = {
    "bidi": False,
    "code": EASY_JAPANESE,
    "name": "Easy Japanese",
    "name_local": "やさしい にほんご",
}
LOCALE_PATHS = [PACKAGE_DIR / "locale-easy", PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Content-Security-Policy (Django's own middleware): nothing inline, nothing from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# (fido2 logs each passkey's credential id at INFO: an identifier of a person's key.)
# httpx logs every request's URL at INFO; the web channel logs what it needs itself.
LOGGING = logging_config({"fido2": "WARNING", "httpx": "WARNING"})

# The region this portal serves (地域). Areas are JIS X 0402 prefixes: a 2-digit prefecture code
# or a 5-digit municipality code (a designated city's code covers its wards).
HIKKOSHI_REGIONS = {
    "sapporo": {"name": _("Sapporo"), "areas": ["01100"]},
    "kanto": {"name": _("Kanto"), "areas": ["08", "09", "10", "11", "12", "13", "14"]},
    "kansai": {"name": _("Kansai"), "areas": ["25", "26", "27", "28", "29", "30"]},
}
HIKKOSHI_REGION = os.environ.get("HIKKOSHI_REGION", "sapporo")

# Bounds of each web process's memos of the directory (directory/selectors.py): answers per
# municipality and category, and organisations with their rendered JSON. The memory of a worker
# stays flat however many distinct places are searched; a miss costs one indexed query.
HIKKOSHI_DIRECTORY_CACHE = {
    "places": int(os.environ.get("HIKKOSHI_DIRECTORY_CACHE_PLACES", "2048")),
    "organisations": int(os.environ.get("HIKKOSHI_DIRECTORY_CACHE_ORGANISATIONS", "2048")),
}

# Delivery (申請ラッピング): the outbox's tasks run on Django's task framework with the
# database backend, so they live in the same database as the moves they deliver.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["delivery"],
    }
}

# The portal's Ed25519 key that signs web-channel applications (RFC 9421). In production from
# HIKKOSHI_SIGNING_KEY (PEM) or HIKKOSHI_SIGNING_KEY_FILE; elsewhere a key file made in the data
# dir on first use. Published at /.well-known/hikkoshi-keys.json for the organisations.
HIKKOSHI_SIGNING_KEY = os.environ.get("HIKKOSHI_SIGNING_KEY", "")
HIKKOSHI_SIGNING_KEY_FILE = os.environ.get("HIKKOSHI_SIGNING_KEY_FILE", str(DATA_DIR / "signing-key.pem"))
HIKKOSHI_SIGNING_KEY_ID = os.environ.get("HIKKOSHI_SIGNING_KEY_ID", "")

# Retry policy of every channel (hikkoshi.delivery.policy): exponential back-off with jitter
# from the first delay up to the longest, until a delivery is this old; then it fails.
HIKKOSHI_DELIVERY = {
    "connect_timeout": float(os.environ.get("HIKKOSHI_DELIVERY_CONNECT_TIMEOUT", "5")),
    "timeout": float(os.environ.get("HIKKOSHI_DELIVERY_TIMEOUT", "20")),
    "first_delay": float(os.environ.get("HIKKOSHI_DELIVERY_FIRST_DELAY", "30")),
    "max_delay": float(os.environ.get("HIKKOSHI_DELIVERY_MAX_DELAY", "3600")),
    "max_age": float(os.environ.get("HIKKOSHI_DELIVERY_MAX_AGE", str(3 * 24 * 3600))),
    # A delivery "sending" for longer than this is taken to have lost its worker; the sweeper
    # queues it again (with the same idempotency key).
    "lease": float(os.environ.get("HIKKOSHI_DELIVERY_LEASE", "300")),
}

# The channels applications go by (hikkoshi.channels): one module each, declaring everything about
# its channel; the order is the admin's. A new channel is a module named here and its settings.
HIKKOSHI_CHANNELS = [
    "hikkoshi.delivery.channels.web",
    "hikkoshi.delivery.channels.email",
    "hikkoshi.delivery.channels.fax",
    "hikkoshi.delivery.channels.window",
]

# SMTP for the e-mail channel and the e-mail-to-fax gateway (a real SMTP conversation, whatever
# EMAIL_BACKEND says).
HIKKOSHI_SMTP = {
    "host": os.environ.get("HIKKOSHI_SMTP_HOST", "127.0.0.1"),
    "port": int(os.environ.get("HIKKOSHI_SMTP_PORT", "8025")),
    "starttls": os.environ.get("HIKKOSHI_SMTP_STARTTLS", "0") == "1",
    "user": os.environ.get("HIKKOSHI_SMTP_USER", ""),
    "password": os.environ.get("HIKKOSHI_SMTP_PASSWORD", ""),
    "from": os.environ.get("HIKKOSHI_SMTP_FROM", "hikkoshi@localhost"),
    "timeout": float(os.environ.get("HIKKOSHI_SMTP_TIMEOUT", "20")),
    "cafile": os.environ.get("HIKKOSHI_SMTP_CAFILE", ""),  # to verify the server's certificate
    "helo": os.environ.get("HIKKOSHI_SMTP_HELO", ""),
}

# Where the notifications' bounces go back (VERP): with "bounces@example.jp" each mail to a mover
# is sent with the envelope sender "bounces+<token>@example.jp", and the MTA pipes what comes back
# to that address into "hikkoshi manage notification_bounce". Empty: the envelope sender is
# HIKKOSHI_SMTP["from"] and bounces are not read.
HIKKOSHI_BOUNCE_ADDRESS = os.environ.get("HIKKOSHI_BOUNCE_ADDRESS", "")
# Days a returned mail kept for the administrator stays (it may quote the mover's address).
HIKKOSHI_BOUNCE_KEEP_DAYS = os.environ.get("HIKKOSHI_BOUNCE_KEEP_DAYS", "30")

# The fax gateway: "email" (SMTP to an address made from the number), "hylafax" (its client
# protocol) or "spool" (TIFF files in a folder another program sends).
HIKKOSHI_FAX = {
    "gateway": os.environ.get("HIKKOSHI_FAX_GATEWAY", "email"),
    "email_address": os.environ.get("HIKKOSHI_FAX_EMAIL_ADDRESS", "{number}@fax.localhost"),
    "hylafax_host": os.environ.get("HIKKOSHI_HYLAFAX_HOST", "127.0.0.1"),
    "hylafax_port": int(os.environ.get("HIKKOSHI_HYLAFAX_PORT", "4559")),
    "hylafax_user": os.environ.get("HIKKOSHI_HYLAFAX_USER", "hikkoshi"),
    "hylafax_password": os.environ.get("HIKKOSHI_HYLAFAX_PASSWORD", ""),
    "spool_dir": os.environ.get("HIKKOSHI_FAX_SPOOL_DIR", str(DATA_DIR / "fax-spool")),
    "compression": os.environ.get("HIKKOSHI_FAX_COMPRESSION", "group4"),  # or "group3"
    # The sender printed on the cover sheet and in the fax header.
    "sender_name": os.environ.get("HIKKOSHI_FAX_SENDER_NAME", "hikkoshi 引越しワンストップ"),
    "sender_number": os.environ.get("HIKKOSHI_FAX_SENDER_NUMBER", ""),
}
# Where movers and organisations reach this portal (printed on fax cover sheets and in e-mails).
HIKKOSHI_PORTAL_URL = os.environ.get("HIKKOSHI_PORTAL_URL", "http://127.0.0.1:8000/")
# The answer page of e-mail and fax organisations (/answers/, 処理状況): wrong answer codes from
# one address allowed in a window (allauth's rate-limit syntax), then 429 until it has passed.
HIKKOSHI_ANSWER_CODE_LIMIT = os.environ.get("HIKKOSHI_ANSWER_CODE_LIMIT", "10/15m/ip")
# Days an organisation may take to answer (処理状況) before the admin lists the application as
# waiting too long; an organisation may have its own (``Organisation.answer_wait_days``).
HIKKOSHI_ANSWER_WAIT_DAYS = int(os.environ.get("HIKKOSHI_ANSWER_WAIT_DAYS", "14"))

# Who runs this portal (運営者), shown where the law expects it: the terms of use, the privacy
# policy (個人情報保護法: name, address, representative, where to ask) and the contact page.
# `check --deploy` names what is missing; the demo (settings/dev.py) sets values marked as a demo.
HIKKOSHI_OPERATOR = {
    "name": os.environ.get("HIKKOSHI_OPERATOR_NAME", ""),
    "address": os.environ.get("HIKKOSHI_OPERATOR_ADDRESS", ""),
    "representative": os.environ.get("HIKKOSHI_OPERATOR_REPRESENTATIVE", ""),
    # How to reach the operator's contact desk: e-mail, phone, form (one line each).
    "contact": os.environ.get("HIKKOSHI_OPERATOR_CONTACT", ""),
    "contact_hours": os.environ.get("HIKKOSHI_OPERATOR_CONTACT_HOURS", ""),
    # The organisations taking part in running the portal (官民連携), one a line.
    "members": os.environ.get("HIKKOSHI_OPERATOR_MEMBERS", ""),
    # Where the source code of what runs here can be had (AGPL-3.0: users over the network).
    "source_url": os.environ.get("HIKKOSHI_SOURCE_URL", ""),
    # The court of the terms (empty: the district court of the operator's address), the date the
    # terms took effect, and how long the web server's access log is kept.
    "court": os.environ.get("HIKKOSHI_OPERATOR_COURT", ""),
    "terms_date": os.environ.get("HIKKOSHI_TERMS_DATE", ""),
    "log_retention": os.environ.get("HIKKOSHI_LOG_RETENTION", ""),
    # True: a demonstration with made-up values, said so on every page that shows them.
    "demo": os.environ.get("HIKKOSHI_OPERATOR_DEMO", "0") == "1",
}

# Federation of moving portals (ポータル間連携, hikkoshi.federation). This portal's id among its
# peers (they pin it with its key's thumbprint: `hikkoshi federation keys`), its name in the
# signed well-known document (the region's name when empty), the next signing key published
# there ahead of a key change (PEM, private or public; a key a peer trusts only because the
# current key signed it), and the OpenID Connect issuer peers send movers to (the portal's URL
# when empty).
HIKKOSHI_PORTAL_ID = os.environ.get("HIKKOSHI_PORTAL_ID", "") or HIKKOSHI_REGION
HIKKOSHI_PORTAL_NAME = os.environ.get("HIKKOSHI_PORTAL_NAME", "")
HIKKOSHI_SIGNING_KEY_NEXT = os.environ.get("HIKKOSHI_SIGNING_KEY_NEXT", "")
HIKKOSHI_SIGNING_KEY_NEXT_FILE = os.environ.get("HIKKOSHI_SIGNING_KEY_NEXT_FILE", "")
HIKKOSHI_OIDC_ISSUER = os.environ.get("HIKKOSHI_OIDC_ISSUER", "")
# The phone number movers can call about this portal (its help desk), in the well-known document
# as contact.phone: a partner's page names it when a hand-over to this portal failed. Optional.
HIKKOSHI_PORTAL_PHONE = os.environ.get("HIKKOSHI_PORTAL_PHONE", "")
HIKKOSHI_FEDERATION = {
    # Requests a minute one peer may send (a peer's own setting overrides it); then 429.
    "rate_per_minute": int(os.environ.get("HIKKOSHI_FEDERATION_RATE", "120")),
    # A call to a peer: the whole of it (connect, send, every byte of the answer) in seconds,
    # and the largest answer read (bytes); the well-known document's own cap.
    "deadline": float(os.environ.get("HIKKOSHI_FEDERATION_DEADLINE", "10")),
    "max_bytes": int(os.environ.get("HIKKOSHI_FEDERATION_MAX_BYTES", str(8 * 1024 * 1024))),
    "document_max_bytes": 64 * 1024,
    # After 3 failures in a row a peer is skipped this long (seconds), by every process.
    "cool_off": float(os.environ.get("HIKKOSHI_FEDERATION_COOL_OFF", "300")),
    # How long the signed well-known document is valid (seconds, at most 24 hours).
    "document_lifetime": 24 * 3600,
    # A partner that offers only a search per place, asked while a mover searches: the whole
    # call within this many seconds, at most this many bytes, its answer kept this long.
    "live_deadline": float(os.environ.get("HIKKOSHI_FEDERATION_LIVE_DEADLINE", "3")),
    "live_max_bytes": 1024 * 1024,
    "live_ttl": float(os.environ.get("HIKKOSHI_FEDERATION_LIVE_TTL", "900")),
}

# Privacy: personal fields are encrypted at rest with AES-256-GCM (hikkoshi.privacy). Keys come
# from HIKKOSHI_DATA_KEYS ("kid:base64key,kid2:base64key", the first one encrypts, the others
# still decrypt until `hikkoshi keys rotate` has re-encrypted everything) or from a key file
# (same format, one key a line); outside production a key file is made in the data dir.
HIKKOSHI_DATA_KEYS = os.environ.get("HIKKOSHI_DATA_KEYS", "")
HIKKOSHI_DATA_KEY_FILE = os.environ.get("HIKKOSHI_DATA_KEY_FILE", str(DATA_DIR / "data-keys"))
# Days after every delivery of a move is final before its personal data is erased.
HIKKOSHI_RETENTION_DAYS = int(os.environ.get("HIKKOSHI_RETENTION_DAYS", "30"))
