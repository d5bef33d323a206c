"""``GET /api/v1/organisations?postcode=…&category=…`` (事業者情報検索)."""

import json

from django.utils.translation import gettext as _
from ninja import Router

from hikkoshi.places.api import place_or_problem
from hikkoshi.places.schemas import place_payload
from hikkoshi.web import Problem, dumps, invalid_param, json_text_response

from .constants import Category
from .schemas import OrganisationSearchOut, organisation_payload, rendered_matches
from .selectors import directory_snapshot, live_matches, match_ids
from .signals import organisations_searched

router = Router(tags=["directory"])


@router.get(
    "/organisations",
    response={200: OrganisationSearchOut},
    summary="Organisations serving a place (事業者情報検索)",
    description=(
        "Organisations (city hall, ward office, electricity, gas, water, newspaper, …) serving the "
        "place of a postal code, optionally of one category. Each says which portal it came from: "
        "`portal` (\"local\" for this portal's own entries, or a partner portal's id, as before) and "
        "`origin` (that portal named, with the date of the copy when a partner's directory was copied "
        "here: where a partner serves, its entries win over this portal's copies); and whether its "
        "data is verified or sample data."
    ),
    openapi_extra={
        # The parameters are read from request.GET (this is the portal's hottest path; the
        # checks below are the ones a typed signature would make, with our own messages).
        "parameters": [
            {
                "name": "postcode",
                "in": "query",
                "required": True,
                "description": "Postal code as typed (060-0042, 〒０６０ー００４２, …)",
                "schema": {"type": "string"},
            },
            {
                "name": "category",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": Category.values},
            },
        ],
        "responses": {
            404: {"description": "Unknown postal code", "content": {"application/problem+json": {}}},
            422: {"description": "Invalid parameter", "content": {"application/problem+json": {}}},
        },
    },
)
def organisation_search(request):
    return json_text_response(search_text(request.GET.get("postcode"), request.GET.get("category")))


def search_text(postcode: str | None, category: str | None, *, own: bool = False) -> str:
    """The JSON text of the organisation search (also a partner portal's, through
    ``/federation/v1/organisations``, with ``own``: only this portal's own entries, never a
    partner's copy); raises ``Problem`` for a missing or unknown parameter."""
    if postcode is None:
        reason = _("This parameter is required.")
        raise Problem(422, "invalid-parameters", _("Invalid parameters"), reason, [invalid_param("postcode", reason)])
    if category is not None and category not in Category.values:
        reason = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Category.values)}
        raise Problem(422, "invalid-category", _("Unknown category"), reason, [invalid_param("category", reason)])
    place = place_or_problem(postcode)
    snapshot = directory_snapshot()
    ids = match_ids(
        municipality_code=place.municipality_code,
        postcode=place.postcode,
        category=category,
        snapshot=snapshot,
        own=own,
    )
    organisations = rendered_matches(ids, snapshot)
    if not own:
        live = live_matches(municipality_code=place.municipality_code, postcode=place.postcode, category=category)
        if live:
            parts = [
                json.dumps({**organisation_payload(m.organisation), "partial": m.partial}, ensure_ascii=False)
                for m in live
            ]
            organisations = organisations[:-1] + ("," if organisations != "[]" else "") + ",".join(parts) + "]"
    organisations_searched.send(sender=None, municipality_code=place.municipality_code, category=category, own=own)
    return f'{{"place":{dumps(place_payload(place))},"organisations":{organisations}}}'
