"""The common interface between portals, ``/federation/v1/`` (django-ninja, its own OpenAPI
document at ``/federation/v1/openapi.json``).

Every request is signed by a pinned peer and every answer is signed by this portal: that is
``middleware.FederationSignatureMiddleware``, around these operations. Errors are RFC 9457
problem details (``hikkoshi.web``), signed like everything else.
"""

from functools import lru_cache
import hashlib
import json

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.translation import gettext as _, gettext_lazy as _lazy
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.renderers import JSONRenderer

from hikkoshi.directory.api import search_text
from hikkoshi.directory.selectors import derived, directory_snapshot
from hikkoshi.directory.transfer import directory_json
from hikkoshi.places.regions import get_region
from hikkoshi.web import Problem, invalid_param, json_text_response, problem_response

from . import dataset, handoffs

SIGNED = (
    "Every request carries an RFC 9421 HTTP Message Signature (label `hikkoshi`, tag "
    "`hikkoshi-federation`, Ed25519, `keyid` one of the calling portal's keys, `nonce`, `created` at most "
    '5 minutes ago) covering `"@method" "@target-uri"` (and `content-type`, `content-digest` with a body). '
    "Every answer, errors included, is signed by this portal (tag `hikkoshi-federation-answer`) and covers "
    '`"@status" "content-digest" "content-type"` and the request\'s `"@method";req "@target-uri";req '
    '"signature";req;key="hikkoshi"`. A missing, bad, stale, replayed or unknown-key signature is a 401 '
    "problem; over its rate a portal gets a 429 with `Retry-After`."
)


class _Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=_Renderer(),
    title="hikkoshi federation API",
    version="1",
    description="ポータル間連携の共通インターフェース / The common interface between moving portals. " + SIGNED,
    urls_namespace="federation-v1",
    docs_url=None,
)

_SIGNED_ERRORS = {
    401: {
        "description": "Missing, bad, stale, replayed or unknown-key signature",
        "content": {"application/problem+json": {}},
    },
    429: {
        "description": "Over this portal's rate for the caller (Retry-After)",
        "content": {"application/problem+json": {}},
    },
}


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    return problem_response(exc, request.path)


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    return problem_response(
        Problem(422, "invalid-parameters", _("Invalid parameters"), _("Some parameters are not valid.")), request.path
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem_response(Problem(exc.status_code, "error", str(exc)), request.path)


def _etag(text: bytes) -> str:
    return '"' + hashlib.sha256(text).hexdigest()[:40] + '"'


def _export(_snapshot) -> tuple[bytes, str]:
    """The export and its ETag, made once per revision of the directory and process."""
    body = directory_json(within=list(get_region().areas)).encode("utf-8")
    return body, _etag(body)


@api.get(
    "/directory",
    summary="This portal's directory (hikkoshi-directory)",
    description=(
        "The organisations this portal keeps itself, in the `hikkoshi-directory` JSON format of "
        "`hikkoshi directory export` (version 1), with a strong `ETag`: send it back in "
        "`If-None-Match` to get a 304 when nothing changed. " + SIGNED
    ),
    openapi_extra={
        "responses": {
            200: {"description": "hikkoshi-directory JSON"},
            304: {"description": "Unchanged"},
            **_SIGNED_ERRORS,
        }
    },
)
def directory(request):
    body, etag = derived(directory_snapshot(), "federation.directory_export", _export)
    wanted = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    if etag in wanted or "*" in wanted:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    return response


@api.get(
    "/organisations",
    summary="Organisations serving a place (事業者情報検索)",
    description=(
        "The answer of this portal's own organisation search (`/api/v1/organisations`) for a postal "
        "code, optionally of one category: only the organisations this portal keeps itself, never "
        "those of its copies of other portals' directories. " + SIGNED
    ),
    openapi_extra={
        "parameters": [
            {"name": "postcode", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "category", "in": "query", "required": False, "schema": {"type": "string"}},
        ],
        "responses": {
            404: {"description": "Unknown postal code", "content": {"application/problem+json": {}}},
            422: {"description": "Invalid parameter", "content": {"application/problem+json": {}}},
            **_SIGNED_ERRORS,
        },
    },
)
def organisations(request):
    return json_text_response(search_text(request.GET.get("postcode"), request.GET.get("category"), own=True))


@lru_cache(maxsize=2)
def _published(name: str) -> bytes:
    document = dataset.schema() if name == "schema" else dataset.mapping()
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _json_document(request, name: str, content_type: str) -> HttpResponse:
    body = _published(name)
    etag = _etag(body)
    wanted = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    response = HttpResponseNotModified() if etag in wanted else HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    return response


@api.get(
    "/schema",
    summary="The common moving data set (共通データセット), JSON Schema",
    description=(
        "The versioned JSON Schema (draft 2020-12) of the data every hand-over carries: applicant, "
        "household, old and new address, move date, contact, and the items consented to. Built on "
        "the Digital Agency's GIF core data model (申請（個人）, 個人, 住所, 連絡先), whose item names it uses; "
        "`schema/mapping` gives each item's GIF class and item. " + SIGNED
    ),
    openapi_extra={
        "responses": {200: {"description": "JSON Schema"}, 304: {"description": "Unchanged"}, **_SIGNED_ERRORS}
    },
)
def schema(request):
    return _json_document(request, "schema", "application/schema+json")


@api.get(
    "/schema/mapping",
    summary="The data set's mapping to GIF and to hikkoshi's fields",
    description=(
        "For each item of the data set: its path, the consent item it belongs to, the GIF class and "
        "item it follows (with the GIF file), and the hikkoshi field it comes from. " + SIGNED
    ),
    openapi_extra={"responses": {200: {"description": "The mapping table"}, **_SIGNED_ERRORS}},
)
def schema_mapping(request):
    return _json_document(request, "mapping", "application/json; charset=utf-8")


# --- hand-overs (引継ぎ) ---------------------------------------------------------------------------------

_HANDOFF_TITLES = {
    "idempotency-key-required": (_lazy("Idempotency-Key required"), _lazy("Send an Idempotency-Key header.")),
    "not-json": (_lazy("Not JSON"), _lazy("The body must be a JSON object.")),
    "invalid-data-set": (_lazy("Invalid data set"), _lazy("Some items of the data set are not valid.")),
    "consent-missing": (_lazy("Consent missing"), _lazy("A hand-over needs the mover's consent.")),
    "consent-invalid": (_lazy("Invalid consent"), _lazy("The consent does not match the data set.")),
    "subject-missing": (_lazy("Subject missing"), _lazy("Name the mover by their pairwise subject.")),
    "idempotency-key-reused": (
        _lazy("Idempotency-Key reused"),
        _lazy("This Idempotency-Key was used with another body."),
    ),
}


def _refused(exc: handoffs.HandoffRefused) -> Problem:
    title, detail = _HANDOFF_TITLES.get(
        exc.slug, (_lazy("Hand-over not open"), _lazy("This hand-over was claimed, withdrawn or has expired."))
    )
    return Problem(
        exc.status,
        exc.slug,
        title,
        detail,
        invalid_params=[invalid_param(path, reason) for path, reason in sorted(exc.errors.items())],
    )


def _not_found() -> Problem:
    return Problem(404, "not-found", _lazy("Not found"), _lazy("Your portal has no hand-over of this id here."))


_HANDOFF_ANSWER = {
    "type": "object",
    "required": ["id", "claim_url", "expires_at"],
    "properties": {
        "id": {"type": "string"},
        "claim_url": {"type": "string", "format": "uri", "description": "Works once, until expires_at"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}
_HANDOFF_STATE = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": ["offered", "claimed", "withdrawn", "expired"]},
        "offered_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
    },
}


@api.post(
    "/handoffs",
    summary="Hand a move over (引継ぎ), with the mover's consent",
    description=(
        'The body is `{"document": <the common data set, see /schema>, "consent": {"at": <date-time>, '
        '"policy_sha256": <hex SHA-256 of this portal\'s privacy policy as shown>, "items": <exactly the '
        "document's 提供項目>}, \"subject\": <the mover's pairwise subject at the calling portal>}`. "
        "Answers 201 with a one-time claim URL valid for 10 minutes: the mover opens it signed in here as "
        "that subject and continues in a pre-filled wizard. `Idempotency-Key` is required: the same key "
        "and body again get the same answer (409 once the hand-over was claimed, withdrawn or expired). "
        "An invalid document is a 422 problem naming each item in `invalid-params`. Unclaimed hand-overs "
        "are erased when they expire. " + SIGNED
    ),
    openapi_extra={
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string"}}],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["document", "consent", "subject"],
                        "properties": {
                            "document": {
                                "type": "object",
                                "description": "The common data set: " + dataset.SCHEMA_ID + " (see /schema)",
                            },
                            "consent": {
                                "type": "object",
                                "required": ["at", "policy_sha256", "items"],
                                "properties": {
                                    "at": {"type": "string", "format": "date-time"},
                                    "policy_sha256": {"type": "string"},
                                    "items": {"type": "array", "items": {"type": "string"}},
                                },
                            },
                            "subject": {"type": "string"},
                        },
                    }
                }
            },
        },
        "responses": {
            201: {"description": "Accepted", "content": {"application/json": {"schema": _HANDOFF_ANSWER}}},
            400: {"description": "No Idempotency-Key, or not JSON", "content": {"application/problem+json": {}}},
            409: {"description": "Claimed, withdrawn or expired", "content": {"application/problem+json": {}}},
            422: {"description": "Invalid data set or consent", "content": {"application/problem+json": {}}},
            **_SIGNED_ERRORS,
        },
    },
)
def handoff_create(request):
    try:
        status, answer = handoffs.receive_handoff(
            request.federation_peer, request.headers.get("Idempotency-Key", ""), request.body
        )
    except handoffs.HandoffRefused as exc:
        raise _refused(exc) from exc
    return json_text_response(json.dumps(answer, ensure_ascii=False), status=status)


@api.get(
    "/handoffs/{handoff_id}",
    summary="The state of a hand-over",
    description="Only the portal that offered it sees it (another gets a 404). " + SIGNED,
    openapi_extra={
        "responses": {
            200: {"description": "Its state", "content": {"application/json": {"schema": _HANDOFF_STATE}}},
            404: {"description": "No such hand-over of yours", "content": {"application/problem+json": {}}},
            **_SIGNED_ERRORS,
        }
    },
)
def handoff_state(request, handoff_id: str):
    handoff = handoffs.handoff_of(request.federation_peer, handoff_id)
    if handoff is None:
        raise _not_found()
    return json_text_response(json.dumps(handoffs.state_of(handoff)))


@api.delete(
    "/handoffs/{handoff_id}",
    summary="Withdraw a hand-over",
    description=(
        "The offering portal withdraws it (the mover changed their mind): the data is erased here and "
        "the claim URL no longer works. A claimed or expired hand-over stays as it is. " + SIGNED
    ),
    openapi_extra={
        "responses": {
            200: {"description": "Its state after", "content": {"application/json": {"schema": _HANDOFF_STATE}}},
            404: {"description": "No such hand-over of yours", "content": {"application/problem+json": {}}},
            **_SIGNED_ERRORS,
        }
    },
)
def handoff_withdraw(request, handoff_id: str):
    handoff = handoffs.withdraw_handoff(request.federation_peer, handoff_id)
    if handoff is None:
        raise _not_found()
    return json_text_response(json.dumps(handoffs.state_of(handoff)))
