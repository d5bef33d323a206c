"""Development and the embedded demo: SQLite in ``var/``, debug off so errors look as in production."""

from .base import *  # noqa: F403
from .base import DATA_DIR, os

DEBUG = os.environ.get("HIKKOSHI_DEBUG") == "1"
# The demo's database holds session keys and personal data: folder 0700, files 0600.
from hikkoshi.datadir import private_data_dir  # noqa: E402

private_data_dir(DATA_DIR)

# whitenoise looks for STATIC_ROOT at start-up; collectstatic fills it (make demo does).
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)

# Mail (sign-up verification, password reset) goes to the demo's SMTP sink (`hikkoshi smtpsink`,
# its inbox on http://127.0.0.1:8402/); when no sink is listening it is written to var/mail/.
MAILERS = {
    "default": {
        "BACKEND": "hikkoshi.accounts.mail.SinkOrFileBackend",
        "OPTIONS": {
            "host": HIKKOSHI_SMTP["host"],  # noqa: F405
            "port": HIKKOSHI_SMTP["port"],  # noqa: F405
            "file_path": str(DATA_DIR / "mail"),
        },
    }
}
DEFAULT_FROM_EMAIL = HIKKOSHI_SMTP["from"]  # noqa: F405

# Passkeys on the local demo (http://127.0.0.1 is not HTTPS).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
