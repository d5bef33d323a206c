"""``POST /api/v1/answers``: a web organisation's signed answer about an application (処理状況).

The organisation's receiver (``hikkoshi receiver``) sends each status its staff set as a JSON
body signed with the organisation's receipt key (RFC 9421, tag ``hikkoshi-answer``: method,
URL, content type, digest and ``Idempotency-Key``; see ``hikkoshi.httpsig``)::

    {"type": "hikkoshi-answer", "version": 1,
     "application": {"idempotency_key": "<the portal's Idempotency-Key of the application>",
                     "reference": "<the reference of the organisation's receipt>"},
     "status": "received" | "processing" | "action_needed" | "done" | "refused",
     "message": "<to the mover; required for action_needed and refused>"}

The application's organisation must be the signer: the signature is verified with the keys
the directory holds for that organisation (``Organisation.receipt_keys``), at most 5 minutes
old, with a nonce never seen before; the reference must be the one its receipt gave. The
answer is then recorded (``moves.answers.answer_record``) under its own ``Idempotency-Key``:
the same update sent again is answered 200 with what was recorded, without a second row (unless
the move has been erased since: 410).

Answers: 201 recorded; 200 recorded before (same key); 400 not JSON or not an answer; 401 a
signature that is missing, wrong, too old or replayed; 404 no such application (or not this
organisation's, or its reference differs); 409 an update that goes backwards or follows a final
one (``AnswerStatus.allowed``); 410 the move's data was erased after its retention time (保存期間
経過後の消去: nothing more is stored for it); 422 a status without its required message. Problem details
(RFC 9457) with a ``code``. Only codes and ids are logged, never the message.
"""

from datetime import datetime, timedelta
import json
import logging
import uuid

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hikkoshi import httpsig
from hikkoshi.moves.answers import MESSAGE_MAX, AnswerRefused, answer_record
from hikkoshi.moves.models import ProcedureAnswer

from .models import AnswerNonce, Delivery

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


def _problem(status: int, code: str, title: str, **extra: object) -> JsonResponse:
    response = JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "code": code, **extra},
        status=status,
        content_type="application/problem+json",
    )
    response["Cache-Control"] = "no-store"
    return response


def _remember_nonce(key_id: str, nonce: str, signed_at: datetime) -> bool:
    """Record a verified answer's nonce; False if it was seen before (a replay)."""
    try:
        with transaction.atomic():
            AnswerNonce.objects.create(key_id=key_id, nonce=nonce, signed_at=signed_at)
    except IntegrityError:
        return False
    AnswerNonce.objects.filter(signed_at__lt=timezone.now() - timedelta(seconds=httpsig.replay_window())).delete()
    return True


@csrf_exempt  # signed by the organisation's key, not sent by a browser
@require_POST
def answers_endpoint(request: HttpRequest) -> JsonResponse:
    body = request.body
    if len(body) > MAX_BODY:
        return _problem(413, "too_large", "Request too large")
    if "signature" not in request.headers or "signature-input" not in request.headers:
        return _problem(401, "unsigned", "Sign the answer (RFC 9421, tag hikkoshi-answer)")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _problem(400, "not_json", "The body is not JSON")
    application = data.get("application") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("type") != httpsig.ANSWER_TYPE
        or not isinstance(application, dict)
        or not isinstance(data.get("status"), str)
        or not isinstance(data.get("message", ""), str)
    ):
        return _problem(400, "not_an_answer", "The body is not a hikkoshi-answer")
    try:
        key = uuid.UUID(str(application.get("idempotency_key", "")))
    except ValueError:
        return _problem(404, "unknown_application", "No such application")
    delivery = (
        Delivery.objects.select_related("entry__version__procedure__organisation")
        .filter(idempotency_key=key, channel="web")
        .first()
    )
    if delivery is None:
        return _problem(404, "unknown_application", "No such application")
    organisation = delivery.entry.version.procedure.organisation
    try:
        verified = httpsig.verify_message(
            httpsig.Request(
                request.method or "POST",
                request.build_absolute_uri(),
                {name.lower(): value for name, value in request.headers.items()},
            ),
            tag=httpsig.ANSWER_TAG,
            components=httpsig.ANSWER_COMPONENTS,
            body=body,
            keys=list(organisation.receipt_keys or []),
            max_age=httpsig.MAX_AGE,
        )
    except httpsig.SignatureError as exc:
        logger.info("answer_refused code=bad_signature delivery=%s detail=%s", delivery.pk, str(exc)[:80])
        return _problem(401, "bad_signature", "The signature does not verify with the organisation's keys")
    update_key = verified.covered.get('"idempotency-key"', "").strip()
    if not update_key or len(update_key) > 150:
        return _problem(400, "no_idempotency_key", "Give the update an Idempotency-Key")
    if not _remember_nonce(verified.key_id, verified.nonce, verified.created):
        logger.info("answer_refused code=replayed delivery=%s", delivery.pk)
        return _problem(401, "replayed", "This signature was used before: sign each update anew")
    if application.get("reference") != delivery.reference or not delivery.reference:
        logger.info("answer_refused code=other_reference delivery=%s", delivery.pk)
        return _problem(404, "unknown_application", "No such application")
    message = data.get("message", "")
    if len(message) > MESSAGE_MAX:
        return _problem(422, "message_too_long", f"The message has more than {MESSAGE_MAX} characters")
    try:
        recorded = answer_record(
            entry_id=delivery.entry_id,
            status=data["status"],
            message=message,
            key=f"web:{update_key}",
            source=ProcedureAnswer.Source.WEB,
            key_id=verified.key_id,
        )
    except AnswerRefused as refused:
        logger.info("answer_refused code=%s delivery=%s", refused.code, delivery.pk)
        status = 409 if refused.code in ("backwards", "final") else 410 if refused.code == "erased" else 422
        return _problem(status, refused.code, str(refused))
    answer = recorded.answer
    logger.info(
        "answer_recorded delivery=%s status=%s new=%s", delivery.pk, answer.status, "yes" if recorded.created else "no"
    )
    response = JsonResponse(
        {"recorded": True, "status": answer.status, "at": answer.at.isoformat()},
        status=201 if recorded.created else 200,
    )
    response["Cache-Control"] = "no-store"
    return response
