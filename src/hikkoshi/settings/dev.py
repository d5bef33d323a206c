"""Development and the embedded demo: SQLite in ``var/``, debug off so errors look as in production."""

from .base import *  # noqa: F401,F403
from .base import DATA_DIR, os

DEBUG = os.environ.get("HIKKOSHI_DEBUG") == "1"
DATA_DIR.mkdir(parents=True, exist_ok=True)

# whitenoise looks for STATIC_ROOT at start-up; collectstatic fills it (make demo does).
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
