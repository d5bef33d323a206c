"""Hand-overs (引継ぎ) of a move between portals, with the mover's consent, and their records.

Origin side (this portal hands a move over):

- ``offer_handoff(move, peer, items, user)`` records the consent first (who, when, the hash of
  the peer's privacy policy from its verified document, the items) and the transfer record
  (個人情報保護法 Art. 29), then sends the common data set (``dataset.to_data_set``) — signed to
  a peer running hikkoshi (``POST /federation/v1/handoffs``), or through the peer's adapter —
  with no database transaction open, and stores the answer (its id and the continue URL).
  Nothing leaves without a consent row. ``retry_handoff`` sends a failed one again with the
  same key; ``remote_state`` and ``withdraw_outgoing`` ask and withdraw it at the peer.
- ``handoffs_erase(move_id)``: what the move's erasure (``privacy``) calls: the stored payloads
  (continue URL, what an adapter sent) are emptied; consent rows and transfer records stay.

Destination side (a peer hands a move here):

- ``receive_handoff(peer, key, body)``: the operation behind ``POST handoffs``: validated
  (``dataset.validate``), kept encrypted for ``HANDOFF_LIFETIME`` with a one-time claim token
  stored as its digest, recorded (Art. 30); the same ``Idempotency-Key`` again gives the same
  answer.
- ``claim_handoff(token, user, subject)``: the claim page's work: once, before expiry, for the
  mover the origin named (``subject_matches``); makes the mover's draft (``from_data_set``) and
  empties the stored document.
- ``withdraw_handoff`` (the origin's ``DELETE``), ``erase_expired_handoffs`` (hourly) and
  ``purge_transfer_records`` (after 3 years).

Every step is in the audit log (ids and codes only). No personal data is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import hashlib
import json
import logging
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hikkoshi.audit.services import Action, record
from hikkoshi.catalogue.constants import CommonItem
from hikkoshi.encryption.digests import token_digest
from hikkoshi.moves.models import Move
from hikkoshi.moves.services import move_draft_create

from . import adapters, client, dataset, signin
from .endpoints import endpoint
from .models import (
    HANDOFF_LIFETIME,
    Handoff,
    HandoffState,
    OutgoingHandoff,
    OutgoingState,
    Peer,
    TransferDirection,
    TransferRecord,
)

logger = logging.getLogger(__name__)

AUDIT_TARGET = "handoff:"  # audit targets: "handoff:<peer>"


def _target(peer: Peer) -> str:
    return (AUDIT_TARGET + peer.slug)[:60]


# --- who the mover is to a peer -------------------------------------------------------------------


def pairwise_subject(user, peer: Peer) -> str:
    """The mover's subject for ``peer`` (OpenID Connect pairwise ``sub``): the same for one user
    and peer, different per peer, never the database id, and independent of every key
    (``signin.pairwise_subject``) — the very ``sub`` this portal's provider signs them in to
    ``peer`` with."""
    return signin.pairwise_subject(user, peer.slug)


# --- origin side --------------------------------------------------------------------------------------


# Where each item of the common data set lies in a data set (``dataset.to_data_set``): an item
# goes to a peer behind an adapter when the peer's form carries one of its paths.
ITEM_PATHS: dict[str, tuple[str, ...]] = {
    CommonItem.APPLICANT_NAME: (f"{dataset.A}.申請者.氏", f"{dataset.A}.申請者.名"),
    CommonItem.APPLICANT_BIRTH_DATE: (f"{dataset.A}.申請者.生年月日",),
    CommonItem.APPLICANT_PHONE: (f"{dataset.A}.連絡先.連絡先電話番号",),
    CommonItem.APPLICANT_EMAIL: (f"{dataset.A}.連絡先.連絡先メールアドレス",),
    CommonItem.OLD_ADDRESS: (f"{dataset.B}.内容.旧住所",),
    CommonItem.NEW_ADDRESS: (f"{dataset.B}.内容.新住所",),
    CommonItem.MOVE_DATE: (f"{dataset.B}.内容.異動日",),
    CommonItem.MEMBERS: (
        f"{dataset.B}.内容.世帯主",
        f"{dataset.B}.内容.世帯員",
        f"{dataset.A}.申請者.続柄",
        f"{dataset.A}.申請者.性別",
    ),
}
MEMBERS_PATH = f"{dataset.B}.内容.世帯員"


@dataclass(frozen=True)
class HandoffPlan:
    """Exactly what a hand-over to a peer carries: the data set that goes, its items (the
    consent's), the items the peer's form has no field for, and the household members beyond
    the most it takes (``limit``) — those two never go. A peer speaking the common interface
    takes everything."""

    document: dict[str, Any]
    items: list[str]
    not_sent: list[str] = field(default_factory=list)
    left_out: list[dict[str, Any]] = field(default_factory=list)
    limit: int = 0


def _members(document: dict[str, Any]) -> list | None:
    listed = document.get(dataset.B, {}).get("内容", {}).get("世帯員")
    return listed if isinstance(listed, list) else None


def plan_handoff(move: Move, peer: Peer, items, *, today=None) -> HandoffPlan:
    """What a hand-over of ``move``'s ``items`` to ``peer`` would carry. Raises
    ``dataset.DataSetInvalid`` / ``ValueError`` as ``dataset.to_data_set`` does. An adapter's
    refusal (a character its form cannot carry) is left to the sending, which says why."""
    document = dataset.to_data_set(move, items, today=today)
    if not peer.adapter:
        return HandoffPlan(document, list(document["提供項目"]))
    try:
        adapter = adapters.get(peer.adapter)
    except LookupError:
        return HandoffPlan(document, list(document["提供項目"]))
    limit = adapter.handoff_limits().get(MEMBERS_PATH, 0)

    def fit(document: dict[str, Any]) -> list[dict[str, Any]]:
        members = _members(document)
        if not limit or members is None or len(members) <= limit:
            return []
        left_out = members[limit:]
        del members[limit:]
        return left_out

    left_out = fit(document)
    try:
        sent = adapter.plan_handoff(document).sent_paths
    except adapters.AdapterError:
        return HandoffPlan(document, list(document["提供項目"]), left_out=left_out, limit=limit)
    going = [
        item
        for item in document["提供項目"]
        if any(path.startswith(prefix) for path in sent for prefix in ITEM_PATHS.get(item, ()))
        # Nobody else moves: an empty household goes as the consent's word for it.
        or (item == CommonItem.MEMBERS and _members(document) == [])
    ]
    not_sent = [item for item in document["提供項目"] if item not in going]
    if not_sent:
        document = dataset.to_data_set(move, going, today=today)
        fit(document)
    return HandoffPlan(document, going, not_sent, left_out, limit)


class HandoffNotSent(Exception):
    """Nothing was accepted by the peer (or nothing left here); ``reason`` is a short code."""

    def __init__(self, reason: str, outgoing: OutgoingHandoff | None = None) -> None:
        super().__init__(reason)
        self.reason, self.outgoing = reason, outgoing


def peer_policy_sha256(peer: Peer) -> str:
    """The hash of the peer's privacy policy, from its last verified document ("" if none)."""
    policy = (peer.document or {}).get("privacy_policy") or {}
    value = policy.get("sha256", "") if isinstance(policy, dict) else ""
    return value if isinstance(value, str) else ""


def record_consent(move: Move, peer: Peer, items: list[str], user, *, idempotency_key: str = "") -> OutgoingHandoff:
    """The mover's consent to hand ``items`` of ``move`` to ``peer``, and the transfer record
    (Art. 29), in one transaction: without this row nothing is sent. ``idempotency_key`` (at
    most 64 characters; a new random one when empty) is unique: the same form sent twice
    raises ``IntegrityError`` and records nothing more."""
    now = timezone.now()
    with transaction.atomic():
        outgoing = OutgoingHandoff.objects.create(
            move=move,
            peer=peer,
            user_id=user.pk,
            consent_at=now,
            policy_sha256=peer_policy_sha256(peer),
            items=sorted(items),
            subject=pairwise_subject(move.owner or user, peer),
            idempotency_key=idempotency_key or secrets.token_urlsafe(32),
        )
        TransferRecord.objects.create(
            at=now,
            direction=TransferDirection.SENT,
            peer_slug=peer.slug,
            peer_name=peer.name,
            person=outgoing.subject,
            move_public_id=move.public_id,
            items=outgoing.items,
            consent_at=now,
            policy_sha256=outgoing.policy_sha256,
            reference=f"outgoing:{outgoing.pk}",
        )
        record(None, action=Action.CONSENT, move=move, target=_target(peer), user=user, via="page")
    return outgoing


def offer_handoff(
    move: Move,
    peer: Peer,
    items: list[str],
    user,
    *,
    today=None,
    idempotency_key: str = "",
    plan: HandoffPlan | None = None,
) -> OutgoingHandoff:
    """Hand ``move`` over to ``peer`` with the ``items`` the mover agreed to; the hand-over,
    ``SENT`` with its continue URL. Raises ``HandoffNotSent`` when nothing was accepted (the
    state says ``FAILED`` and why) — or ``dataset.DataSetInvalid`` / ``ValueError`` before any
    consent is recorded for a move that cannot make a data set. Must not be called inside a
    transaction (it calls the peer). ``idempotency_key``: the consent form's own (see
    ``record_consent``), so a form sent twice hands the move over once. ``plan``: the caller's
    ``plan_handoff`` of this ``move`` (as it is now: the same request) for ``peer``, whose
    ``items`` the mover agreed to — used as it is instead of being made again."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("offer_handoff calls another portal: never inside a transaction")
    if plan is None or plan.items != items:
        plan = plan_handoff(move, peer, items, today=today)  # only what the peer takes goes
    outgoing = record_consent(move, peer, plan.items, user, idempotency_key=idempotency_key)
    return _send(outgoing, plan.document, user)


def retry_handoff(outgoing: OutgoingHandoff, user) -> OutgoingHandoff:
    """Send a ``FAILED`` hand-over again — the same data set, consent and ``Idempotency-Key``,
    so a peer that had it after all answers the same hand-over, never a second one. Raises
    ``HandoffNotSent`` as ``offer_handoff`` does (also when the move was erased meanwhile)."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("retry_handoff calls another portal: never inside a transaction")
    if outgoing.state != OutgoingState.FAILED:
        return outgoing
    document = (outgoing.payload or {}).get("document")
    if not isinstance(document, dict):
        raise HandoffNotSent("nothing_to_send", outgoing)
    return _send(outgoing, document, user)


def _send(outgoing: OutgoingHandoff, document: dict, user) -> OutgoingHandoff:
    peer, move = outgoing.peer, outgoing.move
    consent = {
        "at": outgoing.consent_at.isoformat(),
        "policy_sha256": outgoing.policy_sha256,
        "items": outgoing.items,
    }
    try:
        if peer.adapter:
            payload, remote_id = _through_adapter(peer, document, outgoing.idempotency_key)
        else:
            payload, remote_id = _through_interface(peer, document, consent, outgoing)
    except HandoffNotSent as failed:
        # The data set is kept (encrypted) for a retry with the same key, until the move's erasure.
        outgoing.state, outgoing.error, outgoing.payload = (
            OutgoingState.FAILED,
            failed.reason[:40],
            {"document": document},
        )
        outgoing.save(update_fields=["state", "error", "payload", "updated_at"])
        record(None, action=Action.EXPORT, move=move, target=_target(peer)[:50] + ":failed", user=user, via="system")
        logger.warning("federation_handoff_failed peer=%s reason=%s", peer.slug, failed.reason)
        failed.outgoing = outgoing
        raise
    outgoing.state, outgoing.remote_id, outgoing.payload, outgoing.error = OutgoingState.SENT, remote_id, payload, ""
    outgoing.save(update_fields=["state", "remote_id", "payload", "error", "updated_at"])
    record(None, action=Action.EXPORT, move=move, target=_target(peer), user=user, via="system")
    logger.info("federation_handoff_sent peer=%s items=%d", peer.slug, len(outgoing.items))
    return outgoing


def _through_interface(
    peer: Peer, document: dict, consent: dict, outgoing: OutgoingHandoff
) -> tuple[dict[str, Any], str]:
    body = json.dumps(
        {"document": document, "consent": consent, "subject": outgoing.subject}, ensure_ascii=False
    ).encode("utf-8")
    try:
        answer = client.request(
            peer, "POST", "handoffs", body=body, headers={"Idempotency-Key": outgoing.idempotency_key}
        )
    except client.FederationError as exc:
        raise HandoffNotSent(exc.reason) from exc
    if answer.status != 201:
        raise HandoffNotSent(f"http_{answer.status}")
    try:
        data = answer.json()
        remote_id, claim_url, expires_at = str(data["id"]), str(data["claim_url"]), str(data["expires_at"])
    except (ValueError, KeyError, TypeError) as exc:
        raise HandoffNotSent("bad_answer") from exc
    if not claim_url.startswith(peer.base_url.rstrip("/") + "/"):
        raise HandoffNotSent("foreign_url")  # the mover is sent only to the peer itself
    return {"continue_url": claim_url, "expires_at": expires_at}, remote_id


def _through_adapter(peer: Peer, document: dict, key: str) -> tuple[dict[str, Any], str]:
    try:
        adapter = adapters.get(peer.adapter)
        answer = adapter.handoff(_endpoint(peer), document, idempotency_key=key)
    except LookupError as exc:
        raise HandoffNotSent("no_adapter") from exc
    except adapters.AdapterError as exc:
        raise HandoffNotSent(exc.reason) from exc
    except dataset.DataSetInvalid as exc:
        raise HandoffNotSent("invalid_data_set") from exc
    sent = answer.sent
    return {
        "continue_url": answer.continue_url,
        "answer_sha256": answer.answer_sha256,
        "answer_status": answer.answer_status,
        "signed": False,
        "sent": {
            "method": sent.method,
            "url": sent.url,
            "content_type": sent.content_type,
            "body_sha256": hashlib.sha256(sent.body).hexdigest(),
            "fields": [list(pair) for pair in sent.fields],
            "sent_paths": list(sent.sent_paths),
            "not_sent": list(sent.not_sent),
            "sent_at": sent.sent_at.isoformat(),
        },
    }, answer.reference


def _endpoint(peer: Peer) -> adapters.Endpoint:
    return endpoint(peer)


def remote_state(outgoing: OutgoingHandoff) -> str:
    """The state of a sent hand-over at a peer running hikkoshi (``GET handoffs/{id}``):
    offered, claimed, withdrawn or expired; "" when it cannot be asked (an adapter's peer, not
    sent, the peer unreachable). For the mover's list of hand-overs."""
    if outgoing.state != OutgoingState.SENT or outgoing.peer.adapter or not outgoing.remote_id:
        return ""
    try:
        answer = client.request(outgoing.peer, "GET", f"handoffs/{outgoing.remote_id}")
        state = answer.json().get("state", "") if answer.status == 200 else ""
    except (client.FederationError, ValueError, AttributeError):
        return ""
    return state if state in HandoffState.values else ""


def withdraw_outgoing(outgoing: OutgoingHandoff, user) -> OutgoingHandoff:
    """The mover withdraws a hand-over sent to a peer running hikkoshi (``DELETE``; the peer
    erases the data). Raises ``HandoffNotSent`` when the peer could not be told (nothing
    changed here) or has no such operation (an adapter's peer). Outside any transaction."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("withdraw_outgoing calls another portal: never inside a transaction")
    if outgoing.state != OutgoingState.SENT:
        return outgoing
    if outgoing.peer.adapter:
        raise HandoffNotSent("not_offered", outgoing)
    try:
        answer = client.request(outgoing.peer, "DELETE", f"handoffs/{outgoing.remote_id}")
    except client.FederationError as exc:
        raise HandoffNotSent(exc.reason, outgoing) from exc
    if answer.status not in (200, 404):  # 404: the peer has nothing of it (any more)
        raise HandoffNotSent(f"http_{answer.status}", outgoing)
    if answer.status == 200:
        try:
            there = answer.json().get("state", "")
        except (ValueError, AttributeError) as exc:
            raise HandoffNotSent("bad_answer", outgoing) from exc
        if there == HandoffState.CLAIMED:  # the mover continued there already: nothing to withdraw
            raise HandoffNotSent("already_claimed", outgoing)
    outgoing.state, outgoing.payload = OutgoingState.WITHDRAWN, {}
    outgoing.save(update_fields=["state", "payload", "updated_at"])
    record(
        None,
        action=Action.WITHDRAW,
        move=outgoing.move,
        target=_target(outgoing.peer),
        user=user,
        via="page",
    )
    logger.info("federation_handoff_withdrawn_at_peer peer=%s", outgoing.peer.slug)
    return outgoing


def handoffs_erase(*, move_id: int) -> int:
    """Erase what the hand-overs of a move keep of its data (the continue URLs, what an
    adapter sent): called by ``privacy`` when it erases the move. The consent rows and the
    transfer records stay (Art. 29: 3 years). How many hand-overs were emptied."""
    emptied = 0
    for outgoing in OutgoingHandoff.objects.filter(move_id=move_id):
        outgoing.payload = {}
        outgoing.save(update_fields=["payload", "updated_at"])
        emptied += 1
    received = Move.objects.filter(pk=move_id).values_list("public_id", flat=True).first()
    if received is not None:
        for handoff in Handoff.objects.filter(move_public_id=received):
            handoff.document, handoff.answer = {}, {}
            handoff.save(update_fields=["document", "answer"])
    return emptied


# --- destination side ----------------------------------------------------------------------------------


class HandoffRefused(Exception):
    """A ``POST handoffs`` that is not accepted: ``status`` and ``slug`` of the problem, and for
    an invalid document ``errors`` by item path."""

    def __init__(self, status: int, slug: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(slug)
        self.status, self.slug, self.errors = status, slug, errors or {}


def _claim_url(token: str) -> str:
    return settings.HIKKOSHI_PORTAL_URL.rstrip("/") + reverse("federation-claim", kwargs={"token": token})


def _answer(handoff: Handoff, claim_url: str) -> dict[str, Any]:
    return {"id": handoff.pk, "claim_url": claim_url, "expires_at": handoff.expires_at.isoformat()}


def _consent(data: Any, document: dict) -> tuple[datetime, str, list[str]]:
    if not isinstance(data, dict):
        raise HandoffRefused(422, "consent-missing", {"consent": "required"})
    at = parse_datetime(str(data.get("at", "")))
    policy = data.get("policy_sha256")
    items = data.get("items")
    errors = {}
    if at is None or timezone.is_naive(at):
        errors["consent.at"] = "a date-time with its offset"
    if not isinstance(policy, str) or len(policy) > 64:
        errors["consent.policy_sha256"] = "a SHA-256 in hex"
    if not isinstance(items, list) or sorted(map(str, items)) != sorted(document.get("提供項目", [])):
        errors["consent.items"] = "exactly the items of 提供項目"
    if errors:
        raise HandoffRefused(422, "consent-invalid", errors)
    return at, policy, sorted(map(str, items))  # type: ignore[arg-type, return-value]


def receive_handoff(peer: Peer, idempotency_key: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """Accept a hand-over from ``peer``: (201, {id, claim_url, expires_at}); the same key and
    body again: the same answer. Raises ``HandoffRefused``."""
    if not idempotency_key or len(idempotency_key) > 200:
        raise HandoffRefused(400, "idempotency-key-required")
    request_sha256 = hashlib.sha256(body).hexdigest()
    known = Handoff.objects.filter(origin=peer, idempotency_key=idempotency_key).first()
    if known is not None:
        return _again(known, request_sha256)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HandoffRefused(400, "not-json") from exc
    if not isinstance(data, dict):
        raise HandoffRefused(400, "not-json")
    document = data.get("document")
    errors = dataset.validate(document)
    if errors or not isinstance(document, dict):
        raise HandoffRefused(422, "invalid-data-set", errors)
    consent_at, policy, items = _consent(data.get("consent"), document)
    subject = data.get("subject")
    if not isinstance(subject, str) or not 1 <= len(subject) <= 200:
        raise HandoffRefused(422, "subject-missing", {"subject": "the mover's pairwise subject"})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    handoff = Handoff(
        id=secrets.token_urlsafe(32),
        origin=peer,
        idempotency_key=idempotency_key,
        request_sha256=request_sha256,
        document=document,
        claim_digest=token_digest(token),
        subject=subject,
        consent_at=consent_at,
        policy_sha256=policy,
        items=items,
        offered_at=now,
        expires_at=now + HANDOFF_LIFETIME,
    )
    handoff.answer = _answer(handoff, _claim_url(token))
    try:
        with transaction.atomic():
            handoff.save(force_insert=True)
            TransferRecord.objects.create(
                at=now,
                direction=TransferDirection.RECEIVED,
                peer_slug=peer.slug,
                peer_name=peer.name,
                person=subject,
                items=items,
                consent_at=consent_at,
                policy_sha256=policy,
                reference=f"handoff:{handoff.pk[:12]}",
            )
            record(None, action=Action.CREATE, target=_target(peer), via="api")
    except IntegrityError:  # the same key at the same moment from another process
        known = Handoff.objects.filter(origin=peer, idempotency_key=idempotency_key).first()
        if known is None:
            raise
        return _again(known, request_sha256)
    logger.info("federation_handoff_received peer=%s items=%d", peer.slug, len(items))
    return 201, dict(handoff.answer)


def _again(known: Handoff, request_sha256: str) -> tuple[int, dict[str, Any]]:
    if known.request_sha256 != request_sha256:
        raise HandoffRefused(422, "idempotency-key-reused")
    if known.state != HandoffState.OFFERED or not known.answer:
        raise HandoffRefused(409, "handoff-" + known.state)
    return 201, dict(known.answer)


def handoff_of(peer: Peer, handoff_id: str) -> Handoff | None:
    """The hand-over ``peer`` offered here, or None (another peer's is None too)."""
    handoff = Handoff.objects.filter(pk=handoff_id, origin=peer).first()
    if handoff is not None and handoff.state == HandoffState.OFFERED and handoff.expires_at <= timezone.now():
        _expire(handoff.pk)
        handoff.refresh_from_db()
    return handoff


def state_of(handoff: Handoff) -> dict[str, Any]:
    return {
        "id": handoff.pk,
        "state": handoff.state,
        "offered_at": handoff.offered_at.isoformat(),
        "expires_at": handoff.expires_at.isoformat(),
        "finished_at": handoff.finished_at.isoformat() if handoff.finished_at else None,
    }


def withdraw_handoff(peer: Peer, handoff_id: str) -> Handoff | None:
    """The origin withdraws its hand-over: the document is erased, the state ``withdrawn``
    (a claimed or expired one stays as it is). None when ``peer`` has no such hand-over."""
    with transaction.atomic():
        handoff = Handoff.objects.select_for_update().filter(pk=handoff_id, origin=peer).first()
        if handoff is None:
            return None
        if handoff.state == HandoffState.OFFERED:
            handoff.state, handoff.finished_at = HandoffState.WITHDRAWN, timezone.now()
            handoff.document, handoff.answer = {}, {}
            handoff.save(update_fields=["state", "finished_at", "document", "answer"])
            record(None, action=Action.WITHDRAW, target=_target(peer), via="api")
            logger.info("federation_handoff_withdrawn peer=%s", peer.slug)
    return handoff


def _expire(pk: str) -> bool:
    with transaction.atomic():
        handoff = (
            Handoff.objects.select_for_update()
            .filter(pk=pk, state=HandoffState.OFFERED, expires_at__lte=timezone.now())
            .select_related("origin")
            .first()
        )
        if handoff is None:
            return False
        handoff.state, handoff.finished_at = HandoffState.EXPIRED, timezone.now()
        handoff.document, handoff.answer = {}, {}
        handoff.save(update_fields=["state", "finished_at", "document", "answer"])
        record(None, action=Action.ERASE, target=_target(handoff.origin), via="system")
    return True


def erase_expired_handoffs(*, now: datetime | None = None) -> int:
    """Erase every hand-over not claimed before its expiry (hourly, ``hikkoshi worker``), and
    the transfer records past their 3 years; how many hand-overs were erased."""
    now = now or timezone.now()
    pks = Handoff.objects.filter(state=HandoffState.OFFERED, expires_at__lte=now).values_list("pk", flat=True)
    erased = sum(1 for pk in list(pks) if _expire(pk))
    purge_transfer_records(now=now)
    if erased:
        logger.info("federation_handoffs_expired count=%d", erased)
    return erased


def purge_transfer_records(*, now: datetime | None = None) -> int:
    deleted, _ = TransferRecord.objects.filter(keep_until__lte=now or timezone.now()).delete()
    return deleted


# --- the claim (destination side, the mover's browser) ---------------------------------------------------


class ClaimRefused(Exception):
    """Why a claim URL does not open a draft: ``unknown`` (never was, or used), ``expired``,
    ``withdrawn``, ``claimed``, ``other_person`` (signed in at the origin as someone else),
    ``sign_in`` (not signed in through the origin's provider yet)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def subject_matches(handoff: Handoff, subject: str | None) -> bool:
    """THE CHECK OF WHO CLAIMS: whether the signed-in mover is the person the origin named.
    ``subject`` is the ``sub`` the mover signed in with through the origin's OpenID Connect
    provider (``claimant_subject``, left in the session by ``signin.PeerSignInAdapter``).

    Refused when no subject is known (the mover has not signed in through the origin) and when
    the subject differs: holding the one-time URL is never enough."""
    if not subject:
        return False
    return secrets.compare_digest(subject.encode(), handoff.subject.encode())


SESSION_SUBJECTS = signin.SESSION_SUBJECTS  # {peer slug: sub}, set by the sign-in through a peer


def claimant_subject(request, peer: Peer) -> str | None:
    """The ``sub`` the signed-in user has at the origin ``peer``, as the OIDC sign-in through
    the origin's provider left it in the session; None while there is none."""
    subjects = request.session.get(SESSION_SUBJECTS) or {}
    value = subjects.get(peer.slug) if isinstance(subjects, dict) else None
    return value if isinstance(value, str) else None


def claim_handoff(token: str, user, *, request=None) -> Move:
    """Open the hand-over of this one-time ``token`` for ``user``: a new draft of theirs,
    pre-filled (``dataset.from_data_set``), and the stored document erased. Raises
    ``ClaimRefused``; a token works once."""
    digest = token_digest(token)
    with transaction.atomic():
        handoff = Handoff.objects.select_for_update().select_related("origin").filter(claim_digest=digest).first()
        if handoff is None:
            raise ClaimRefused("unknown")
        if handoff.state != HandoffState.OFFERED:
            raise ClaimRefused(handoff.state)
        if handoff.expires_at <= timezone.now():
            expired = True
        else:
            expired = False
            subject = claimant_subject(request, handoff.origin) if request is not None else None
            if subject is None:
                raise ClaimRefused("sign_in")  # first through the origin's provider
            if not subject_matches(handoff, subject):
                logger.warning("federation_claim_refused reason=other_person peer=%s", handoff.origin.slug)
                raise ClaimRefused("other_person")
            draft = dataset.from_data_set(handoff.document)
            move = move_draft_create(owner=user, draft=draft, idempotency_key="handoff:" + handoff.pk)
            handoff.state, handoff.finished_at, handoff.move_public_id = (
                HandoffState.CLAIMED,
                timezone.now(),
                move.public_id,
            )
            handoff.document, handoff.answer = {}, {}
            handoff.save(update_fields=["state", "finished_at", "move_public_id", "document", "answer"])
            record(request, action=Action.CREATE, move=move, target=_target(handoff.origin), user=user)
    if expired:
        _expire(handoff.pk)
        raise ClaimRefused("expired")
    logger.info("federation_handoff_claimed peer=%s", handoff.origin.slug)
    return move
