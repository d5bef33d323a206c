"""The staff rule for whole areas of the site, and the staff session's lifetime.

``StaffSecondFactorMiddleware`` (after the authentication and message middleware):

- a request for a path under ``settings.HIKKOSHI_STAFF_PATHS`` by a signed-in staff member
  (``access.is_staff_member``) goes on only when that member has a second factor and used it in
  this session (``access.staff_gate``): otherwise to its set-up or to confirm it;
- a staff member's session ends ``settings.HIKKOSHI_STAFF_SESSION_AGE`` seconds after it was
  first seen signed in as staff (8 hours: a working day), however active it is. Movers keep
  Django's ``SESSION_COOKIE_AGE``.

A signed-in user whose sign-in is now refused (``access.sign_in_refused``: staff of an agency
that was suspended meanwhile) is signed out at their next page, with the page that says why.

Anonymous visitors and non-staff pass through: the views behind decide (the admin sends them to
the sign-in page or refuses them). The API (``/api/``) has no session and is never a staff path.
"""

from datetime import datetime, timezone
import time

from django.conf import settings
from django.contrib.auth import logout

from .access import is_staff_member, is_staff_path, sign_in_refused, staff_gate

STAFF_SESSION_UNTIL = "hikkoshi_staff_until"  # the end of a staff session, a Unix time


def cap_staff_session(request) -> None:
    """Give a staff member's session its fixed end (once; later requests keep it)."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not is_staff_member(user):
        return
    until = session.get(STAFF_SESSION_UNTIL)
    if not isinstance(until, (int, float)):
        until = time.time() + settings.HIKKOSHI_STAFF_SESSION_AGE
        session[STAFF_SESSION_UNTIL] = until
    end = datetime.fromtimestamp(until, tz=timezone.utc)
    if session.get("_session_expiry") != end.isoformat():
        session.set_expiry(end)


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and sign_in_refused(user):
            from .adapter import suspended_response

            logout(request)
            return suspended_response(request)
        if is_staff_path(request.path_info):
            user = getattr(request, "user", None)
            if user is not None and is_staff_member(user):
                refused = staff_gate(request)
                if refused is not None:
                    return refused
        response = self.get_response(request)
        # After the view: signing in happens during the request, and allauth sets the session's
        # expiry of its own as it signs someone in.
        cap_staff_session(request)
        return response
