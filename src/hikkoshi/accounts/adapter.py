"""allauth's adapter: the login ID is the e-mail address, also kept as the Django username; staff
of a suspended agency are refused at sign-in (``access.sign_in_refused``); the budget of failed
sign-ins per address spares the browsers an account signed in from before (``known_browsers``)."""

from dataclasses import dataclass
import math
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import filter_users_by_email, user_email, user_username
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext, ngettext

from hikkoshi.identity import username_for

from . import known_browsers
from .access import sign_in_refused
from .signals import sign_in_locked_out

# A sign-in message of its own for this request, said instead of allauth's 「ユーザー … として
# ログインしました」 (``set_login_message``: an account made through a partner portal).
LOGIN_MESSAGE = "_hikkoshi_login_message"
LOGGED_IN_TEMPLATE = "account/messages/logged_in.txt"


def set_login_message(request, text: str) -> None:
    """Say ``text`` instead of allauth's message when this request's sign-in completes."""
    setattr(request, LOGIN_MESSAGE, text)


def lockout_minutes() -> int:
    """How long a sign-in refused for too many failures waits at most: the longest window of
    the account's and the address's budgets (``5/15m/key``, ``20/15m/ip``), in whole minutes."""
    rates = [
        *allauth_ratelimit.parse_rates((settings.ACCOUNT_RATE_LIMITS or {}).get("login_failed")),
        *allauth_ratelimit.parse_rates(settings.HIKKOSHI_SIGN_IN_ADDRESS_LIMIT),
    ]
    return max(1, math.ceil(max((rate.duration for rate in rates), default=15 * 60) / 60))


class AccountAdapter(DefaultAccountAdapter):
    @property
    def error_messages(self) -> dict:
        """allauth's, with a lockout that says how long it lasts and what else the person can do
        (allauth's says only "Try again later")."""
        minutes = lockout_minutes()
        return {
            **DefaultAccountAdapter.error_messages,
            "too_many_login_attempts": ngettext(
                "Too many failed sign-ins. Try again in %(minutes)d minute, or reset your password.",
                "Too many failed sign-ins. Try again in %(minutes)d minutes, or reset your password.",
                minutes,
            )
            % {"minutes": minutes},
        }

    def add_message(
        self, request, level, message_template=None, message_context=None, extra_tags="", message=None
    ) -> None:
        if message_template == LOGGED_IN_TEMPLATE and (text := getattr(request, LOGIN_MESSAGE, "")):
            message_template, message = None, text
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def pre_authenticate(self, request, **credentials):
        """Before the password is checked: the account's own budget (allauth's ``login_failed``,
        5 in 15 minutes: refused when used up), then the address's (20 in 15 minutes): used up,
        only a browser that signed in with this account before goes on."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            sign_in_locked_out.send(sender=type(self), request=request)
            raise
        self._address_usage = allauth_ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed_address",
            config={"login_failed_address": settings.HIKKOSHI_SIGN_IN_ADDRESS_LIMIT},
        )
        if self._address_usage is None and not self._known_browser(request, credentials):
            self._rollback_login_failed_rl_usage()  # the account's own budget is not spent
            sign_in_locked_out.send(sender=type(self), request=request)
            raise self.validation_error("too_many_login_attempts")

    def _known_browser(self, request, credentials) -> bool:
        email = credentials.get("email") or ""
        if not email:
            return False
        users = filter_users_by_email(email, is_active=True)
        return any(known_browsers.is_known(request, user.pk) for user in users[:2])

    def _rollback_login_failed_rl_usage(self):
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_address_usage", None)
        if usage:
            usage.rollback()
            self._address_usage = None

    def send_mail(self, template_prefix, email, context):
        """allauth's mails to people name the service, and their links (confirm, reset, sign
        up) start with the portal's address (``HIKKOSHI_PORTAL_URL``), not the host the request
        came to."""
        service = mail_context()
        request = getattr(self, "request", None)
        origin = request.build_absolute_uri("/") if request is not None else ""
        portal = service["portal_url"].rstrip("/") + "/"
        links = {
            key: portal + value[len(origin) :]
            for key, value in context.items()
            if origin and isinstance(value, str) and value.startswith(origin)
        }
        super().send_mail(template_prefix, email, {**service, **context, **links})

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


@dataclass(frozen=True)
class Service:
    """What allauth's mail templates call ``current_site``: the service's name and address."""

    name: str
    domain: str


def mail_context() -> dict:
    """The service as the mails to people name it: ``HIKKOSHI_PORTAL_NAME``, or the portal's
    name in the active language; its address from ``HIKKOSHI_PORTAL_URL``."""
    url = str(settings.HIKKOSHI_PORTAL_URL)
    name = settings.HIKKOSHI_PORTAL_NAME or gettext("hikkoshi — moving procedures portal")
    return {"current_site": Service(name=name, domain=urlsplit(url).netloc), "portal_url": url}


def suspended_response(request):
    return render(request, "accounts/suspended.html", status=403)
