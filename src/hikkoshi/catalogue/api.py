"""``GET /api/v1/procedures?from=…&to=…``: the move kind and the procedures that apply."""

from django.utils.translation import gettext as _
from ninja import Router, Schema

from hikkoshi.places.api import place_or_problem
from hikkoshi.places.move_kind import assess_move
from hikkoshi.places.schemas import PlaceOut, place_payload
from hikkoshi.web import Problem, invalid_param

from .models import shared_items
from .selectors import applicable_procedures

router = Router(tags=["catalogue"])


class FieldOut(Schema):
    name: str
    type: str
    label: str
    label_en: str | None = None
    help: str | None = None
    help_en: str | None = None
    required: bool | None = None
    max_length: int | None = None
    pattern: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    kinds: list[str] | None = None
    choices: list[dict] | None = None
    # "move_date": left out of POST /moves, the date is the moving day (what the wizard pre-fills)
    default: str | None = None


class ProcedureOut(Schema):
    id: str
    version: int
    name: str
    name_en: str
    description: str
    organisation: str
    organisation_name: str
    channel: str
    optional: bool  # offered: the mover chooses (only the 住民異動届 is required)
    preselected: bool  # offered as "apply here" (it usually applies)
    end: str  # "old" (stopping at the old address), "new" (starting at the new one) or "" (by the kinds)
    shares: list[str]  # the common items its organisation receives
    kinds: list[str]
    deadline_from_days: int | None
    deadline_to_days: int | None
    fields: list[FieldOut]


class ProceduresOut(Schema):
    kinds: list[str]
    within_municipality: bool
    from_place: PlaceOut
    to_place: PlaceOut
    procedures: list[ProcedureOut]


def procedure_payload(applicable) -> dict:
    definition = applicable.version.definition
    kinds = [str(k) for k in applicable.kinds]
    return {
        "id": applicable.slug,
        "version": applicable.version.number,
        "name": definition["name"],
        "name_en": definition.get("name_en", ""),
        "description": definition.get("description", ""),
        "organisation": definition["organisation"],
        "organisation_name": applicable.procedure.organisation.name,
        "channel": definition["channel"],
        "optional": applicable.optional,
        "preselected": applicable.preselected,
        "end": definition.get("end", ""),
        "shares": shared_items(definition),
        "kinds": kinds,
        "deadline_from_days": definition.get("deadline_from_days"),
        "deadline_to_days": definition.get("deadline_to_days"),
        "fields": [s.to_dict() for s in applicable.version.schema if s.applies_to(kinds)],
    }


@router.get(
    "/procedures",
    response={200: ProceduresOut},
    summary="Procedures for a move (手続きの判定)",
    description="The kind of move (転居 / 転出 / 転入) between two postal codes and the procedures that "
    "apply, each with its field schema (only the fields asked for this kind of move).",
    openapi_extra={
        "parameters": [
            {
                "name": "from",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
                "description": "Postal code of the old address",
            },
            {
                "name": "to",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
                "description": "Postal code of the new address",
            },
        ],
        "responses": {
            404: {"description": "Unknown postal code", "content": {"application/problem+json": {}}},
            422: {"description": "Invalid parameter", "content": {"application/problem+json": {}}},
        },
    },
)
def procedure_list(request):
    missing = [name for name in ("from", "to") if not request.GET.get(name)]
    if missing:
        reason = _("This parameter is required.")
        raise Problem(
            422,
            "invalid-parameters",
            _("Invalid parameters"),
            reason,
            [invalid_param(name, reason) for name in missing],
        )
    old = place_or_problem(request.GET["from"], "from")
    new = place_or_problem(request.GET["to"], "to")
    assessment = assess_move(old.municipality_code, new.municipality_code)
    return {
        "kinds": [str(k) for k in assessment.kinds],
        "within_municipality": assessment.within_municipality,
        "from_place": place_payload(old),
        "to_place": place_payload(new),
        "procedures": [procedure_payload(a) for a in applicable_procedures(assessment=assessment, old=old, new=new)],
    }
