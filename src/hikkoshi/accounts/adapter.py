"""allauth's adapter: the login ID is the e-mail address, also kept as the Django username; staff
of a suspended agency are refused at sign-in (``access.sign_in_refused``)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_email, user_username
from django.contrib.auth import get_user_model
from django.shortcuts import render

from .access import sign_in_refused

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


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user):
        username = username_for(user_email(user))
        if username is None:
            return super().populate_username(request, user)  # a generated unique name
        user_username(user, username)

    def pre_login(self, request, user, **kwargs):
        """Refuse staff whose every membership is suspended, with a page that says why (after
        the password, before the second factor: nothing is said to someone without it)."""
        response = super().pre_login(request, user, **kwargs)
        if response is None and sign_in_refused(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return suspended_response(request)
        return response


def suspended_response(request):
    return render(request, "accounts/suspended.html", status=403)
