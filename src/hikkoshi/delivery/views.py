"""The portal's public keys for the organisations that receive its web-channel applications."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from .keys import jwks


@require_safe
def well_known_keys(request: HttpRequest) -> JsonResponse:
    """``/.well-known/hikkoshi-keys.json``: the JWK set an organisation verifies the portal's
    signatures with (RFC 9421, Ed25519). Public, cacheable for a few minutes (a receiver fetches
    it again when it meets an unknown key id)."""
    response = JsonResponse(jwks(), content_type="application/json")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
