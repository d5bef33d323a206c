"""``GET /api/v1/postcodes/{postcode}``."""

from django.utils.translation import gettext as _
from ninja import Router

from hikkoshi.web import Problem, invalid_param, json_response

from .normalise import InvalidPostcode
from .postcodes import Place, lookup
from .schemas import PlaceOut, place_payload

router = Router(tags=["places"])


def place_or_problem(postcode: str, param: str = "postcode") -> Place:
    """Look a postal code up or raise the problem the API answers with (422 / 404)."""
    try:
        place = lookup(postcode)
    except InvalidPostcode as exc:
        raise Problem(
            422,
            "invalid-postcode",
            _("Invalid postal code"),
            str(exc),
            [invalid_param(param, str(exc))],
        ) from exc
    if place is None:
        reason = _("No such postal code is known.")
        raise Problem(404, "unknown-postcode", _("Unknown postal code"), reason, [invalid_param(param, reason)])
    return place


@router.get(
    "/postcodes/{postcode}",
    response={200: PlaceOut},
    summary="Postal code look-up (郵便番号検索)",
    description=(
        "Prefecture, municipality (JIS X 0402 code, 6-digit code with check digit), designated "
        "city and towns of a postal code. 404 if unknown, 422 if malformed (problem+json)."
    ),
    openapi_extra={
        "responses": {
            404: {"description": "Unknown postal code", "content": {"application/problem+json": {}}},
            422: {"description": "Malformed postal code", "content": {"application/problem+json": {}}},
        }
    },
)
def postcode_detail(request, postcode: str):
    return json_response(place_payload(place_or_problem(postcode)))
