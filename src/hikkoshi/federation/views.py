"""``GET /.well-known/hikkoshi-portal``: this portal's signed document (``document``)."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from .document import MEDIA_TYPE, signed_document


@require_GET
def well_known_document(request):
    response = HttpResponse(signed_document(), content_type=MEDIA_TYPE)
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
