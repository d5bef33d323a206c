"""The portals of ``hikkoshi federation demo``: the embedded demo's settings (``dev``), and what
two portals and their partners on one machine need besides.

- ``HIKKOSHI_FEDERATION_CREDENTIALS``: the keys this portal's adapters send to the partner
  portals that do not run hikkoshi (a JSON object, peer id → key); the demo makes one for each
  fake portal it starts.
- A browser keeps cookies per host, not per port: portals on 127.0.0.1:8000 and :8200 would
  overwrite each other's session. Each portal names its cookies after its id.
"""

import json

from .dev import *  # noqa: F403
from .dev import os

HIKKOSHI_FEDERATION_CREDENTIALS = json.loads(os.environ.get("HIKKOSHI_FEDERATION_CREDENTIALS") or "{}")

SESSION_COOKIE_NAME = f"hikkoshi_{HIKKOSHI_PORTAL_ID}_session"  # noqa: F405
CSRF_COOKIE_NAME = f"hikkoshi_{HIKKOSHI_PORTAL_ID}_csrftoken"  # noqa: F405
LANGUAGE_COOKIE_NAME = f"hikkoshi_{HIKKOSHI_PORTAL_ID}_language"  # noqa: F405
