"""Visits (page views of the portal) and documents printed (PDF downloads), counted per page.

A visit is a successful GET of an HTML page; not a static file, not the API (its health checks
and clients), not a partner portal's requests, not the administrators' pages (their PDFs — the
evaluation report, a scenario's results — are no mover's document printed either). A PDF
answered with 200 is a document printed, by the name of its view (``moves:document``,
``assisted:consent_sheet``). Only the view's name is kept: never the path (it may hold a
move's id), the user, the address or the query.
"""

import logging

from .counting import count, enabled

logger = logging.getLogger("hikkoshi.stats")

SKIPPED = ("/static/", "/api/", "/federation/", "/.well-known/", "/media/", "/admin/")


class StatsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            if enabled() and request.method == "GET" and response.status_code == 200:
                content_type = response.get("Content-Type", "")
                match = request.resolver_match
                page = match.view_name if match is not None else ""
                if content_type.startswith("text/html") and not request.path.startswith(SKIPPED):
                    count("visit", kind=page)
                elif content_type.startswith("application/pdf") and not request.path.startswith(
                    ("/static/", "/admin/")
                ):
                    count("document_printed", kind=page)  # from the pages or the API
        except Exception as exc:  # noqa: BLE001 (counting never breaks the page)
            logger.debug("stats_count_failed error=%s", type(exc).__name__)
        return response
