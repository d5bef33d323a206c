"""Answers of the HTTP API that every app's endpoints give: JSON, and RFC 9457 problem details.

A shared library below the apps (places, directory, catalogue and moves answer with it;
``hikkoshi.api`` assembles the API and turns every error into a problem): ``json_response`` and
``json_text_response`` send JSON with a policy that loads nothing; an operation raises
``Problem`` to answer ``application/problem+json`` in the request's language.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
import json
import re
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language, gettext as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- JSON -----------------------------------------------------------------------------------------


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def json_response(data: object, status: int = 200) -> HttpResponse:
    return json_text_response(dumps(data), status)


# JSON loads nothing and may not be framed: the policy OWASP recommends for APIs, fixed text so
# Django's CSP middleware (which leaves a header a view has set) need not build one per answer.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def json_text_response(text: str, status: int = 200) -> HttpResponse:
    """An answer whose JSON text is already made (parts of it may come from a cache)."""
    response = HttpResponse(text, status=status, content_type="application/json; charset=utf-8")
    response.headers["Content-Security-Policy"] = API_CSP
    return response


# --- problem details (RFC 9457) ---------------------------------------------------------------------

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"


class Problem(Exception):
    """Raised by an API operation to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: StrOrPromise,
        detail: StrOrPromise = "",
        invalid_params: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.invalid_params = invalid_params or []


def invalid_param(name: str, reason: StrOrPromise) -> dict[str, str]:
    return {"name": name, "reason": str(reason)}


def problem_response(problem: Problem, instance: str = "") -> HttpResponse:
    body: dict[str, object] = {
        "type": TYPE_BASE + problem.slug,
        "title": str(problem.title),
        "status": problem.status,
    }
    if problem.detail:
        body["detail"] = str(problem.detail)
    if instance:
        body["instance"] = instance
    if problem.invalid_params:
        body["invalid-params"] = problem.invalid_params
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=problem.status, content_type=PROBLEM_JSON)
    response["Content-Language"] = get_language() or "ja"
    response.headers["Content-Security-Policy"] = API_CSP
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    return problem_response(
        Problem(404, "not-found", _("Not found"), _("There is nothing at this address.")),
        request.path,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return problem_response(
        Problem(500, "server-error", _("Server error"), _("Something went wrong on our side.")),
        request.path,
    )


def generic_problem(request: HttpRequest, status: int) -> HttpResponse:
    """A problem document for an error status that no view described."""
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        413: _("Request too large"),
    }
    return problem_response(Problem(status, "error", titles.get(status, _("Error"))), request.path)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None when
    absent or unreadable. (The delivery channels and the receiver both read it.)"""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]{1,10}", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
