"""Browsers an account has signed in from (既知のブラウザ), so the per-address sign-in budget does
not lock out the people who share an address with an attacker.

Failed sign-ins are limited twice (``settings.ACCOUNT_RATE_LIMITS``): 5 per account
(``login_failed``, allauth's own) and 20 per address in 15 minutes
(``settings.HIKKOSHI_SIGN_IN_ADDRESS_LIMIT``). Behind a reverse proxy without
``HIKKOSHI_TRUSTED_PROXY_COUNT``, or behind a company's or a mobile carrier's shared address,
everyone has the same address: an attacker's guesses would use up its budget and every other
account would be refused, right password or not.

So, as OWASP's "device cookies" advise: a successful sign-in leaves a signed cookie naming the
account (``hk_known``, HttpOnly, a year; up to five accounts per browser). When the address
budget is used up, an attempt from a browser that carries the cookie of the account it names
is still checked (that account's own budget of 5 still applies); other attempts are refused as
before. A browser never used with that account before waits until the address budget frees up
(15 minutes at most), which is what is left of the lock for them.
"""

from django.conf import settings
from django.core import signing

COOKIE = "hk_known"
SALT = "hikkoshi.accounts.known_browsers"
MAX_ACCOUNTS = 5
MAX_AGE = 365 * 24 * 3600
_PENDING = "_hikkoshi_known_browser"


def known_accounts(request) -> list[int]:
    """The accounts (user ids) this browser signed in with, from its cookie (empty when absent,
    altered or too old)."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return []
    try:
        ids = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)][:MAX_ACCOUNTS] if isinstance(ids, list) else []


def is_known(request, user_id) -> bool:
    return user_id is not None and user_id in known_accounts(request)


def remember(request, user) -> None:
    """After a successful sign-in: the response gets the cookie (``KnownBrowserMiddleware``)."""
    ids = [user.pk] + [i for i in known_accounts(request) if i != user.pk]
    setattr(request, _PENDING, ids[:MAX_ACCOUNTS])


class KnownBrowserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        ids = getattr(request, _PENDING, None)
        if ids:
            response.set_cookie(
                COOKIE,
                signing.dumps(ids, salt=SALT),
                max_age=MAX_AGE,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response
