"""JSON answers built from plain dicts (the schemas in each app document their shape)."""

import json

from django.http import HttpResponse


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def json_response(data, status: int = 200) -> HttpResponse:
    return json_text_response(dumps(data), status)


# JSON loads nothing and may not be framed: the policy OWASP recommends for APIs, fixed text so
# Django's CSP middleware (which leaves a header a view has set) need not build one per answer.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def json_text_response(text: str, status: int = 200) -> HttpResponse:
    """An answer whose JSON text is already made (parts of it may come from a cache)."""
    response = HttpResponse(text, status=status, content_type="application/json; charset=utf-8")
    response.headers["Content-Security-Policy"] = API_CSP
    return response
