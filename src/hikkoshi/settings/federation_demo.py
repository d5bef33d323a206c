"""The portals of ``hikkoshi federation demo``: the embedded demo's settings (``dev``), and what
two portals and their partners on one machine need besides.

- A browser keeps cookies per host, not per port: portals on 127.0.0.1:8000 and :8200 would
  overwrite each other's session. Each portal names its cookies after its id.
"""

from .dev import *  # noqa: F403

SESSION_COOKIE_NAME = f"hikkoshi_{HIKKOSHI_PORTAL_ID}_session"  # noqa: F405
CSRF_COOKIE_NAME = f"hikkoshi_{HIKKOSHI_PORTAL_ID}_csrftoken"  # noqa: F405
LANGUAGE_COOKIE_NAME = f"hikkoshi_{HIKKOSHI_PORTAL_ID}_language"  # noqa: F405
# The flash messages too: Django keeps them in a cookie named "messages" first, which the other
# portals on the same host would show ("signed in as …" of sapporo's sign-in shown at kansai).
# In the session, they stay with the portal's own session cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
