"""Middleware that serves pages only, not the API.

Sessions, authentication by session and messages concern pages shown in a browser. The API
(``/api/``) authenticates with bearer tokens and answers JSON, and its organisation search is
the hottest path of the portal, so it skips them. So it does the staff rule (the API is never
a staff path and has no session) and the known-browser cookie (set after a sign-in only). The
CSRF check stays (a POST to the API's OpenAPI document is refused as on Django). Each wrapped
middleware behaves exactly as its own for every other path.

Page-only middleware that follow one another in ``MIDDLEWARE`` are skipped at once: an API
request goes from the first of them straight to the next middleware that is not page-only
(Django wraps each middleware in ``convert_exception_to_response``, whose ``__wrapped__`` is
the middleware), rather than through each of them in turn.
"""

from functools import lru_cache

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django.utils.translation import trans_real

# The API and the signed interface between portals (hikkoshi.federation): JSON, no sessions.
API_PREFIXES = ("/api/", "/federation/")
# ... but for the pages of /federation/ that movers open in their browser (a hand-over's claim).
PAGE_PREFIXES = ("/federation/claim/",)

_HOOKS = ("process_view", "process_exception", "process_template_response")


def _is_api(request) -> bool:
    path = request.path_info
    return path.startswith(API_PREFIXES) and not path.startswith(PAGE_PREFIXES)


def pages_only(dotted_path: str):
    """A subclass of ``dotted_path``'s middleware that steps aside for the API.

    A subclass, so Django's own checks (the admin needs sessions and messages) still see it.
    """
    inner_class = import_string(dotted_path)
    namespace = {"__init__": _init, "__call__": _call, "__module__": __name__}
    for hook in _HOOKS:
        if hasattr(inner_class, hook):
            namespace[hook] = _forward(hook)
    return type(inner_class.__name__, (inner_class,), namespace)


def _init(self, get_response):
    super(type(self), self).__init__(get_response)
    self.api_next = _past_pages_only(get_response)


def _past_pages_only(get_response):
    """Where an API request goes after a page-only middleware whose next handler is
    ``get_response``: past the page-only middleware that follow it directly."""
    following = getattr(get_response, "__wrapped__", None)  # the middleware Django wrapped
    return getattr(following, "api_next", None) or get_response


def _call(self, request):
    if _is_api(request):
        return self.api_next(request)
    return super(type(self), self).__call__(request)


def _forward(hook: str):
    def method(self, request, *args):
        if _is_api(request):
            return None
        return getattr(super(type(self), self), hook)(request, *args)

    method.__name__ = hook
    return method


SessionMiddleware = pages_only("django.contrib.sessions.middleware.SessionMiddleware")
AuthenticationMiddleware = pages_only("django.contrib.auth.middleware.AuthenticationMiddleware")
MessageMiddleware = pages_only("django.contrib.messages.middleware.MessageMiddleware")
StaffSecondFactorMiddleware = pages_only("hikkoshi.accounts.middleware.StaffSecondFactorMiddleware")
KnownBrowserMiddleware = pages_only("hikkoshi.accounts.known_browsers.KnownBrowserMiddleware")


@lru_cache(maxsize=256)
def language_from_header(header: str) -> str:
    """The supported language an ``Accept-Language`` header asks for (Django's own parsing)."""
    for language, _quality in trans_real.parse_accept_lang_header(header):
        if language == "*":
            break
        try:
            return translation.get_supported_language_variant(language)
        except LookupError:
            continue
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's ``LocaleMiddleware``; for the API, the language comes from ``Accept-Language``
    alone (no cookie, no URL prefix), read once per distinct header."""

    def process_request(self, request):
        if not _is_api(request):
            return super().process_request(request)
        language = language_from_header(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        translation.activate(language)
        request.LANGUAGE_CODE = language

    def process_response(self, request, response):
        if not _is_api(request):
            return super().process_response(request, response)
        if "Vary" in response.headers:
            patch_vary_headers(response, ("Accept-Language",))
        else:  # what patch_vary_headers makes of no Vary, without parsing one
            response.headers["Vary"] = "Accept-Language"
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class ProblemDetailsMiddleware:
    """Every error the API answers is problem+json, also those Django or django-ninja make
    themselves (405 method not allowed, 400 for a body over the size limit, …)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            _is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith(("application/problem+json", "application/json"))
        ):
            from hikkoshi.web import generic_problem

            replaced = generic_problem(request, response.status_code)
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
