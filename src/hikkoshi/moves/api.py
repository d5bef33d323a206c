"""``POST /api/v1/moves``, ``GET /api/v1/moves/{id}``, ``GET /api/v1/moves/{id}/documents/{name}``.

Every endpoint here needs a signed-in API client: ``request.auth`` is its user. The API assembly
(``hikkoshi.api.api``) mounts this router with the portal's bearer tokens
(``hikkoshi.accounts.tokens.TokenAuth``); mounted without an authentication of its own, the
router refuses every request (``NoClient``: 401), never serves it to anyone. A token acts with its
user's rights (``moves.access``): a mover's token reaches the mover's own moves, an agency staff
member's also those of their store, a manager's those of the agency, an operator's those of the
call centre. Views, prints and submissions go to the audit log.
"""

import json
import uuid

from django.db import IntegrityError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from hikkoshi import channels
from hikkoshi.audit.services import Action, record
from hikkoshi.catalogue.constants import ProcedureChoice
from hikkoshi.catalogue.schema import object_schema
from hikkoshi.web import Problem, invalid_param

from .access import area_of, move_visible_to
from .answers import timeline
from .common import ADDRESS, APPLICANT, HEAD_NAME, MAX_MEMBERS, MEMBER
from .constants import MoveStatus, ProcedureStatus
from .disclosure import DATA_SHARING_VERSION
from .models import Move
from .selectors import channel_label, move_record
from .services import MoveInvalid, move_submit


class NoClient(HttpBearer):
    """Refuses every request: the router's authentication until its mount gives the real one."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        return None


router = Router(tags=["moves"], auth=NoClient())

MOVE_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["from", "to", "move_date", "applicant", "procedures", "consent"],
    "additionalProperties": False,
    "properties": {
        "from": object_schema(ADDRESS),
        "to": object_schema(ADDRESS),
        "move_date": {"type": "string", "description": "西暦 or 和暦: 2026-04-01, 令和8年4月1日, R8.4.1"},
        "applicant": object_schema(APPLICANT),
        "members": {"type": "array", "maxItems": MAX_MEMBERS, "items": object_schema(MEMBER)},
        "household": {
            "type": "object",
            "additionalProperties": False,
            "description": "世帯主 (head of household) at the new address: the applicant (also when `household` "
            'is left out), one of the `members` (`"members[0]"` …) or someone already living '
            'there (`"other"`, with `head_name`). Every `relationship` is the 続柄 to this '
            "世帯主, required for everyone but the 世帯主.",
            "properties": {
                "head": {"type": "string", "pattern": r"^(applicant|other|members\[[0-9]{1,2}\])$"},
                "head_name": HEAD_NAME.json_schema(),
            },
        },
        "procedures": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "additionalProperties": False,
                "properties": {"id": {"type": "string"}, "fields": {"type": "object"}},
            },
        },
        "choices": {
            "type": "object",
            "description": "Optional: the mover's answer for each procedure that applies but is not listed under "
            "`procedures` (those are applied for here): `arranged` (already arranged), "
            "`other_company` (with another company), `not_needed`. Kept with the move for "
            "statistics (no personal data) and returned as `choices`, with `apply` for each "
            "listed procedure. Only the resident registration notification (住民異動届) is "
            "required.",
            "additionalProperties": {"type": "string", "enum": list(ProcedureChoice.values)},
        },
        "consent": {
            "type": "boolean",
            "const": True,
            "description": "The mover agrees that the data goes to the organisations of the chosen procedures: "
            "the common data (applicant, household members, both addresses, moving day) and "
            "each procedure's own fields, to the organisation of that procedure by its channel "
            "(web, e-mail, fax; nothing is sent for a window procedure, whose form is printed). "
            "Show this to the mover before sending. Required, and must be true; it is stored "
            "with the move (when, by which user, text version " + DATA_SHARING_VERSION + ").",
        },
    },
}


class TimelineEventOut(Schema):
    status: str = Field(
        description="sent (it reached the organisation), or the organisation's answer (処理状況): "
        "received, processing, action_needed (不備あり: see message), done, refused (受付不可: see message)"
    )
    label: str
    at: str
    message: str = Field("", description="The organisation's words to the mover (empty after erasure).")
    reference: str = Field("", description="The organisation's reference, on the receipt's received.")


class MoveProcedureOut(Schema):
    id: str
    version: int
    name: str
    organisation: str
    channel: str
    channel_label: str
    status: str
    status_label: str
    reference: str
    deadline_from: str | None
    deadline_to: str | None
    office: dict
    answer_status: str = Field(
        "", description="The organisation's latest answer (処理状況; empty before any): see timeline."
    )
    timeline: list[TimelineEventOut] = []


class ConsentOut(Schema):
    given_at: str
    version: str


class MoveOut(Schema):
    id: str
    number: str | None = Field(
        None,
        description="申請番号: the application number people read and type "
        "(e.g. K7P2X-9M4QD), given at submission; null for a draft.",
    )
    status: str
    kinds: list[str]
    move_date: str | None
    submitted_at: str | None
    erased_at: str | None = None  # personal data erased after the retention time
    consent: ConsentOut | None = None  # the agreement to which data goes where
    procedures: list[MoveProcedureOut]
    choices: dict[str, str] = {}  # the mover's choice per procedure that applied
    documents: list[str]
    warnings: list[dict] = []


def move_payload(move, warnings=()) -> dict:
    entries = []
    for entry in move.procedures.all():
        definition = entry.definition
        entries.append(
            {
                "id": definition["slug"],
                "version": entry.version.number,
                "name": definition["name"],
                # A window procedure is done at its office (the ward office), not at the city hall.
                "organisation": (
                    entry.office["name"]
                    if channels.in_person(definition["channel"]) and entry.office
                    else entry.version.procedure.organisation.name
                ),
                "channel": definition["channel"],
                "channel_label": channel_label(definition["channel"]),
                "status": entry.status,
                "status_label": str(ProcedureStatus(entry.status).label),
                "reference": entry.reference,
                "deadline_from": entry.deadline_from.isoformat() if entry.deadline_from else None,
                "deadline_to": entry.deadline_to.isoformat() if entry.deadline_to else None,
                "office": entry.office,
                "answer_status": entry.answer_status,
                "timeline": [{**event, "at": event["at"].isoformat()} for event in timeline(entry)],
            }
        )
    return {
        "id": str(move.public_id),
        "number": move.number,
        "status": move.status,
        "kinds": move.kinds,
        "move_date": move.move_date.isoformat() if move.move_date else None,
        "submitted_at": move.submitted_at.isoformat() if move.submitted_at else None,
        "erased_at": move.erased_at.isoformat() if move.erased_at else None,
        "consent": (
            {"given_at": move.consent_at.isoformat(), "version": move.consent_version} if move.consent_at else None
        ),
        "procedures": entries,
        "choices": dict(move.procedure_choices or {}),
        "documents": document_names(move),
        "warnings": list(warnings),
    }


def document_names(move) -> list[str]:
    from hikkoshi.documents.services import document_names as names

    if move.status != MoveStatus.SUBMITTED or move.erased_at:
        return []  # a draft has no documents yet; an erased move has none any more
    return names(move_record(move))


def _invalid(errors: dict[str, str]) -> Problem:
    return Problem(
        422,
        "invalid-move",
        _("The move cannot be accepted"),
        _("%(count)d field(s) are not valid.") % {"count": len(errors)},
        [invalid_param(path, message) for path, message in errors.items()],
    )


class _NumberTooLong(ValueError):
    """An integer in a JSON body longer than Python converts (``sys.get_int_max_str_digits``)."""


def _json_int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # the only way the JSON parser's digits fail: too many of them
        raise _NumberTooLong from None


@router.post(
    "/moves",
    response={201: MoveOut, 200: MoveOut},
    summary="Submit a move (ワンストップ申請)",
    description="Common data once and the chosen procedures with their own fields, and the mover's "
    'agreement to which data goes where (`"consent": true`, required). Stored whole or '
    "not at all; every invalid field is listed by its path in `invalid-params`. With an "
    "`Idempotency-Key` header, sending the same key again answers 200 with the move "
    "first made with it, and stores nothing new.",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": MOVE_REQUEST_SCHEMA}}},
        "responses": {
            401: {"description": "No valid bearer token", "content": {"application/problem+json": {}}},
            422: {"description": "Invalid move", "content": {"application/problem+json": {}}},
            429: {
                "description": "Too many moves submitted (see Retry-After)",
                "content": {"application/problem+json": {}},
            },
        },
    },
)
def move_create(request):
    if request.content_type != "application/json":
        raise _invalid({"body": _("Send the move as application/json.")})
    try:
        payload = json.loads(request.body or b"null", parse_int=_json_int)
    except _NumberTooLong:
        raise _invalid({"body": _("A number in the body has more than 4,300 digits.")}) from None
    except ValueError:  # not JSON, not UTF-8
        raise _invalid({"body": _("The body is not valid JSON.")}) from None
    except RecursionError:
        raise _invalid({"body": _("The body is nested too deeply.")}) from None
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 100 or any(not (32 < ord(c) < 127) for c in key):
        raise _invalid({"Idempotency-Key": _("Use up to 100 visible ASCII characters.")})
    if not (key and Move.objects.filter(owner=request.auth, idempotency_key=key).exists()):  # a replay is free
        from .limits import TooManySubmissions, submission_refused

        if (refusal := submission_refused(request.auth)) is not None:
            raise TooManySubmissions(refusal)
    try:
        move = move_submit(owner=request.auth, payload=payload, idempotency_key=key, require_consent=True)
    except MoveInvalid as exc:
        raise _invalid(exc.errors) from exc
    except IntegrityError:
        # The same key sent twice at once: the other request stored the move.
        move = Move.objects.get(owner=request.auth, idempotency_key=key)
    replayed = bool(key) and not hasattr(move, "warnings")  # only a new move carries warnings
    if not replayed:
        request.auth.hikkoshi_acting_as = "mover"
        record(request, action=Action.CONSENT, move=move, target=DATA_SHARING_VERSION, user=request.auth)
        record(request, action=Action.SUBMIT, move=move, user=request.auth)
    return Status(200 if replayed else 201, move_payload(move, getattr(move, "warnings", ())))


def _own_move(request, move_id: str):
    try:
        public_id = uuid.UUID(move_id)
    except ValueError:
        public_id = None
    move = move_visible_to(request.auth, public_id) if public_id else None
    if move is None:
        raise Problem(
            404,
            "move-not-found",
            _("Move not found"),
            _("There is no such move of yours."),
            [invalid_param("id", _("There is no such move of yours."))],
        )
    request.auth.hikkoshi_acting_as = {"own": "mover", "agency": "agency", "callcentre": "operator"}[area_of(move)]
    return move


_NOT_FOUND = {
    404: {"description": "Not found", "content": {"application/problem+json": {}}},
    401: {"description": "No valid bearer token", "content": {"application/problem+json": {}}},
}


@router.get(
    "/moves/{move_id}",
    response={200: MoveOut},
    summary="A move and where each procedure stands",
    openapi_extra={"responses": _NOT_FOUND},
)
def move_detail(request, move_id: str):
    move = _own_move(request, move_id)
    record(request, action=Action.VIEW, move=move, user=request.auth)
    return move_payload(move)


@router.get(
    "/moves/{move_id}/documents/{name}",
    summary="A document of a move (PDF or iCalendar)",
    openapi_extra={
        "responses": {
            200: {"description": "The document", "content": {"application/pdf": {}, "text/calendar": {}}},
            **_NOT_FOUND,
        }
    },
)
def move_document(request, move_id: str, name: str):
    from hikkoshi.documents.services import document_language, render_document

    move = _own_move(request, move_id)
    rendered = None
    if move.status == MoveStatus.SUBMITTED and not move.erased_at:
        with document_language():
            rendered = render_document(move_record(move), name)
    if rendered is None:
        raise Problem(
            404,
            "document-not-found",
            _("Document not found"),
            _("This move has no document of that name."),
            [invalid_param("name", _("Unknown document."))],
        )
    record(request, action=Action.PRINT, move=move, target=name, user=request.auth)
    content, content_type = rendered
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
