"""Who is staff, and the one rule for staff pages: a second factor, used in this session.

Staff of every kind (operators, agency staff, administrators) reach their pages only after
signing in with a second factor: an authenticator app (TOTP) or a passkey / security key
(WebAuthn). Recovery codes are a way back in, not a factor of their own: a staff member needs
an app or a key set up. The second factor itself (what is one, was it used in this session,
where to set it up or confirm it) is ``hikkoshi.identity``'s, below the apps, so that
``hikkoshi.assisted`` applies the same rule to its members without importing this app.

The rule is applied in these places:

- ``hikkoshi.accounts.middleware.StaffSecondFactorMiddleware`` for every path under one of
  ``settings.HIKKOSHI_STAFF_PATHS`` (the Django admin, ``/agency/``, ``/callcentre/``);
- the ``staff_required`` decorator for a staff view anywhere else;
- the staff pages of agencies and call centres themselves (``hikkoshi.assisted.views``: their
  members are staff, with ``identity.second_factor_gate``);

and, through ``second_factor_needed``, to a staff member making an API token on the account
page (a token reads their customers' moves: it is made only after the second factor).

Whether a user is staff is ``is_staff_member(user)``: ``is_staff`` (or superuser), an active
call-centre operator or estate-agency member (``hikkoshi.assisted``: an active membership of an
active centre or an admitted agency), or membership of one of
``settings.HIKKOSHI_STAFF_GROUPS``. Extend it there, so both places follow.

``sign_in_refused(user)``: staff whose every membership is in a suspended or removed agency (or
an inactive call centre) can no longer sign in (``adapter.AccountAdapter.pre_login``), are
signed out at their next page (``middleware``) and their API tokens stop working
(``tokens``). Administrators (``is_staff``) are never refused by it.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from hikkoshi.identity import second_factor_gate, second_factor_missing

_CACHE_ATTRIBUTE = "_hikkoshi_is_staff_member"


def is_staff_member(user) -> bool:
    """Whether ``user`` is staff of any kind (the pages of the staff area are theirs).

    Active users only. ``is_staff`` or ``is_superuser``, or membership of one of the groups in
    ``settings.HIKKOSHI_STAFF_GROUPS`` (agency staff, call-centre operators…). The answer is
    kept on the user object for the rest of the request.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    answer = bool(user.is_staff or user.is_superuser)
    if not answer:
        from hikkoshi.assisted.selectors import memberships

        answer = memberships(user).any
    groups = getattr(settings, "HIKKOSHI_STAFF_GROUPS", ())
    if not answer and groups:
        answer = user.groups.filter(name__in=list(groups)).exists()
    setattr(user, _CACHE_ATTRIBUTE, answer)
    return answer


def sign_in_refused(user) -> bool:
    """Whether ``user`` is refused at sign-in and by the API: staff whose every membership is in
    a suspended or removed agency or an inactive call centre (never an administrator)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_staff or user.is_superuser:
        return False
    from hikkoshi.assisted.selectors import memberships

    return memberships(user).suspended


def roles_of(user) -> list[str]:
    """The roles ``user`` acts in, the one of the current request first (the audit log's
    ``role``): ``mover``, ``operator``, ``agency``, ``admin``."""
    roles = []
    acting = getattr(user, "hikkoshi_acting_as", "")
    if acting:
        roles.append(acting)
    if getattr(user, "is_staff", False):
        roles.append("admin")
    if getattr(user, "is_authenticated", False):
        from hikkoshi.assisted.selectors import memberships

        found = memberships(user)
        if found.centres:
            roles.append("operator")
        if found.staff_of or found.manager_of:
            roles.append("agency")
    roles.append("mover")
    return list(dict.fromkeys(roles))


def forget(user) -> None:
    """Forget what was worked out about ``user`` in this request (after a membership changed)."""
    from hikkoshi.assisted.selectors import forget_memberships

    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
    forget_memberships(user)


def second_factor_needed(request) -> str:
    """For the signed-in user: ``""`` when they may go on (not staff, or staff who used a second
    factor in this session), ``identity.SET_UP`` for staff without one, ``identity.CONFIRM``
    for staff who have one and have not used it in this session."""
    if not is_staff_member(request.user):
        return ""
    return second_factor_missing(request)


def staff_gate(request):
    """For a signed-in user: ``None`` when they may go on (not staff, or staff who used their
    second factor in this session), or the redirect a staff member needs
    (``identity.second_factor_gate``: to set one up, or to confirm it)."""
    if not is_staff_member(request.user):
        return None
    return second_factor_gate(request)


def is_staff_path(path: str) -> bool:
    return path.startswith(tuple(settings.HIKKOSHI_STAFF_PATHS))


def staff_required(view):
    """A view for staff only (signed in, staff, second factor used in this session).

    Anonymous visitors go to the sign-in page; signed-in non-staff get a 403.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise PermissionDenied
        response = staff_gate(request)
        if response is not None:
            return response
        return view(request, *args, **kwargs)

    return wrapper
