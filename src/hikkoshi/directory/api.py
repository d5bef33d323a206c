"""``GET /api/v1/organisations?postcode=…&category=…`` (事業者情報検索)."""

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from hikkoshi.api.problems import Problem, invalid_param
from hikkoshi.places.api import place_or_problem
from hikkoshi.places.schemas import PlaceOut

from .constants import Category
from .schemas import OrganisationOut, OrganisationSearchOut
from .selectors import organisations_for_place

router = Router(tags=["directory"])


class SearchParams(Schema):
    postcode: str
    category: str | None = None


@router.get(
    "/organisations",
    response={200: OrganisationSearchOut},
    summary="Organisations serving a place (事業者情報検索)",
    description=(
        "Organisations (city hall, ward office, electricity, gas, water, newspaper, …) serving the "
        "place of a postal code, optionally of one category. Each says which portal it came from "
        "and whether its data is verified or sample data."
    ),
    openapi_extra={"responses": {
        404: {"description": "Unknown postal code", "content": {"application/problem+json": {}}},
        422: {"description": "Invalid parameter", "content": {"application/problem+json": {}}},
    }},
)
def organisation_search(request, params: Query[SearchParams]):
    category = params.category or None
    if category and category not in Category.values:
        reason = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Category.values)}
        raise Problem(422, "invalid-category", _("Unknown category"), reason,
                      [invalid_param("category", reason)])
    place = place_or_problem(params.postcode)
    matches = organisations_for_place(
        municipality_code=place.municipality_code, postcode=place.postcode, category=category
    )
    return OrganisationSearchOut(
        place=PlaceOut.from_place(place),
        organisations=[OrganisationOut.from_match(m) for m in matches],
    )
