"""RFC 9457 problem details (``application/problem+json``)."""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _

from .responses import API_CSP

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"


class Problem(Exception):
    """Raised by an API operation to answer with a problem document."""

    def __init__(self, status: int, slug: str, title: str, detail: str = "", invalid_params=None):
        super().__init__(title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.invalid_params = invalid_params or []


def invalid_param(name: str, reason: str) -> dict:
    return {"name": name, "reason": str(reason)}


def problem_response(problem: Problem, instance: str = "") -> HttpResponse:
    body = {
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
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=problem.status, content_type=PROBLEM_JSON
    )
    response["Content-Language"] = _get_language()
    response.headers["Content-Security-Policy"] = API_CSP
    return response


def _get_language() -> str:
    from django.utils.translation import get_language

    return get_language() or "ja"


def not_found(request) -> HttpResponse:
    return problem_response(
        Problem(404, "not-found", _("Not found"), _("There is nothing at this address.")),
        request.path,
    )


def server_error(request) -> HttpResponse:
    return problem_response(
        Problem(500, "server-error", _("Server error"), _("Something went wrong on our side.")),
        request.path,
    )


def generic_problem(request, status: int) -> HttpResponse:
    """A problem document for an error status that no view described."""
    titles = {400: _("Bad request"), 401: _("Authentication required"), 403: _("Forbidden"),
              404: _("Not found"), 405: _("Method not allowed"), 413: _("Request too large")}
    return problem_response(Problem(status, "error", titles.get(status, _("Error"))), request.path)
