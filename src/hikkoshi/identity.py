"""Who a person is to the portal, below its apps: the username an account gets from its e-mail
address, and the second factor (二要素認証: an authenticator app or a passkey, allauth's mfa)
that staff must have used in their session.

It imports no app of the portal, only Django and allauth, so that both apps that let staff in
apply one rule: ``hikkoshi.accounts`` (which decides who is staff, ``accounts.access``, for the
staff paths, the admin and API tokens) and ``hikkoshi.assisted`` (whose agency and call-centre
members are staff, and which imports nothing of accounts).

Recovery codes are a way back in, not a factor of their own: a staff member needs an app or a
key set up.
"""

from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

USERNAME_MAX_LENGTH = 150  # django.contrib.auth's username column


def username_for(email: str) -> str | None:
    """The username an account with this address gets: the address in lower case (as accounts
    made before allauth have it), or ``None`` when it does not fit or is taken."""
    username = (email or "").strip().lower()
    if not username or len(username) > USERNAME_MAX_LENGTH:
        return None
    if get_user_model().objects.filter(username__iexact=username).exists():
        return None
    return username


# The authenticators that are a second factor for staff.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

# What someone who must use a second factor still needs before they may go on.
SET_UP = "set-up"  # no second factor set up
CONFIRM = "confirm"  # one set up, not used in this session


def second_factors(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    """The kinds of second factor ``user`` has set up (``"totp"``, ``"webauthn"``)."""
    return sorted(
        set(Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).values_list("type", flat=True))
    )


def used_second_factor(request: HttpRequest, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether a second factor was used in this session: at sign-in, to confirm access
    afterwards, or a passkey sign-in (allauth records each as method ``mfa``)."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def second_factor_missing(request: HttpRequest) -> str:
    """For the signed-in user, who must use a second factor (staff): ``""`` when they used one
    in this session, ``SET_UP`` when they have none, ``CONFIRM`` when they have one and have not
    used it in this session."""
    user = request.user
    kinds = second_factors(user)
    if not kinds:
        return SET_UP
    if used_second_factor(request, user):
        return ""
    return CONFIRM


def second_factor_url(request: HttpRequest, needed: str, next_url: str) -> str:
    """Where the signed-in user does what ``second_factor_missing`` said (then back to
    ``next_url``, after confirming)."""
    if needed == SET_UP:
        return reverse("mfa_index")
    kinds = second_factors(request.user)
    target = "mfa_reauthenticate" if Authenticator.Type.TOTP in kinds else "mfa_reauthenticate_webauthn"
    return f"{reverse(target)}?{urlencode({'next': next_url})}"


def second_factor_gate(request: HttpRequest) -> HttpResponseRedirect | None:
    """For a signed-in staff member: ``None`` when they may go on, or the redirect they need.

    Without a second factor they are sent to set one up; with one they have not used in this
    session, to confirm access with it (then back to the page they asked for).
    """
    needed = second_factor_missing(request)
    if not needed:
        return None
    if needed == SET_UP:
        messages.warning(
            request,
            _(
                "Staff pages need a second factor. Set up an authenticator app or a passkey "
                "(security key), then open the page again."
            ),
        )
    else:
        messages.info(request, _("Staff pages need your second factor: confirm it's you to go on."))
    return redirect(second_factor_url(request, needed, request.get_full_path()))
