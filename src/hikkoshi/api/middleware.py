"""Middleware that serves pages only, not the API.

Sessions, authentication by session and messages concern pages shown in a browser. The API
(``/api/``) authenticates with bearer tokens and answers JSON, and its organisation search is
the hottest path of the portal, so it skips them. Each wrapped middleware behaves exactly as
Django's for every other path.
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
    namespace = {"__call__": _call, "__module__": __name__}
    for hook in _HOOKS:
        if hasattr(inner_class, hook):
            namespace[hook] = _forward(hook)
    return type(inner_class.__name__, (inner_class,), namespace)


def _call(self, request):
    if _is_api(request):
        return self.get_response(request)
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
        patch_vary_headers(response, ("Accept-Language",))
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
