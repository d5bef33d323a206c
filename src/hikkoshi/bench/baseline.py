"""The baseline of the benchmarks: a bare Django JSON view (``hikkoshi.bench.baseline:application``).

Its own settings (no apps, no middleware, no database, no translation) and its own URLconf:
one view answering every path below ``/api/v1/`` with ``JsonResponse({"ok": True, …})``.
The benchmark serves it with the same Django, the same gunicorn command, worker class and
worker count as the portal, so the ratio of the two throughputs is what the portal's own stack
(middleware, django-ninja, the database, the postal look-up) costs on top of "Django over HTTP".

``HIKKOSHI_BENCH_BASELINE_BYTES`` pads the answer to about that many bytes, so it can be made
as large as the benchmarked answers; the padding is serialised anew on every request.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import re_path

# '{"ok": true, "padding": ""}' is 27 bytes.
PADDING_BYTES = max(0, int(os.environ.get("HIKKOSHI_BENCH_BASELINE_BYTES", "0")) - 27)
_PAYLOAD = {"ok": True, "padding": "x" * PADDING_BYTES}

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="hikkoshi-bench-baseline-not-secret",  # noqa: S106 (the throwaway server of a benchmark)
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "[::1]"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        DATABASES={},
        USE_I18N=False,
        USE_TZ=True,
    )


def ok(request):
    return JsonResponse(_PAYLOAD)


urlpatterns = [re_path(r"^api/v1/", ok)]

application = get_wsgi_application()
