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

# The operator of the demo: made up, and said so wherever it is shown (HIKKOSHI_OPERATOR_* in the
# environment win, as in production).
_DEMO_OPERATOR = {
    "name": "hikkoshi デモ運営事務局（デモ用の架空の運営者）",
    "address": "札幌市（デモ用のため所在地はありません）",
    "representative": "デモ用のため代表者はいません",
    "contact": "メール demo-operator@example.jp（デモ用の宛先です。届きません）",
    "contact_hours": "デモ用のため受け付けていません",
    "members": "デモ用のため参加している組織はありません",
    "court": "札幌地方裁判所（デモ用の記載です）",
    "terms_date": "デモ用のため制定していません",
    "log_retention": "デモ用のため定めていません",
}
HIKKOSHI_OPERATOR = {
    **{key: value or _DEMO_OPERATOR.get(key, value) for key, value in HIKKOSHI_OPERATOR.items()},  # noqa: F405
    "demo": not os.environ.get("HIKKOSHI_OPERATOR_NAME"),
}
