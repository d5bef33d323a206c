"""allauth's adapter: the login ID is the e-mail address, also kept as the Django username."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_email, user_username
from django.contrib.auth import get_user_model

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
