"""Calling a peer: its signed well-known document, and signed requests to ``/federation/v1/``.

Every call has a total deadline — connecting, sending and every byte of the answer together,
not a time per read, so a peer that trickles bytes costs at most the deadline — and a cap on
the answer's size. Each failure (unreachable, too slow, too large, a 5xx, an answer whose
signature does not verify) counts towards the peer's cool-off, a database row that every
process and host shares (``Peer.record_failure``); a skipped peer is not called at all.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from hikkoshi import httpsig
from hikkoshi.delivery.keys import portal_key, portal_key_id

from . import services
from .document import WELL_KNOWN_PATH, DocumentError, verify_document
from .errors import (
    AnswerTooLarge,
    BadAnswer,
    BadSignature,
    DeadlineExceeded,
    FederationError,
    NotCommonInterface,
    PeerSkipped,
    PeerUnreachable,
)
from .http import Answer, exchange
from .models import Peer

logger = logging.getLogger(__name__)

API_PATH = "/federation/v1/"


def _config(name: str) -> Any:
    return settings.HIKKOSHI_FEDERATION[name]


def _fail(peer: Peer, error: FederationError) -> FederationError:
    peer.record_failure(error.reason, cool_off=float(_config("cool_off")))
    logger.warning("federation_call_failed peer=%s reason=%s failures=%d", peer.slug, error.reason, peer.failures)
    return error


def request(
    peer: Peer,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: bytes = b"",
    content_type: str = httpsig.JSON,
    headers: dict[str, str] | None = None,
    deadline: float | None = None,
    max_bytes: int | None = None,
    signing_key: tuple[Ed25519PrivateKey, str] | None = None,
) -> Answer:
    """A signed request to ``/federation/v1/<path>`` of a peer running hikkoshi, and its answer
    once its signature (by a key of the peer's, covering our request's signature) verifies.

    Any status comes back as an ``Answer`` (a 404 or 422 is the peer's answer, signed); raises
    ``PeerSkipped`` during the cool-off, ``PeerUnreachable`` and ``BadAnswer`` otherwise.
    ``headers`` are sent unsigned (``If-None-Match``); ``signing_key`` (key, key id) is this
    portal's key unless given."""
    if peer.adapter:
        raise NotCommonInterface(f"{peer.slug} is reached through its adapter {peer.adapter!r}")
    if peer.skipped():
        raise PeerSkipped(f"{peer.slug} is skipped until {peer.skipped_until:%H:%M:%S}")
    url = peer.base_url.rstrip("/") + API_PATH + path.lstrip("/")
    if params:
        url += "?" + urlencode(params)
    method = method.upper()
    private_key, key_id = signing_key or (portal_key(), portal_key_id())
    signed = httpsig.sign_message(
        httpsig.Request(method, url, {"Content-Type": content_type} if body else {}),
        tag=httpsig.FEDERATION_TAG,
        components=httpsig.federation_components(body),
        private_key=private_key,
        key_id=key_id,
        body=body or None,
    )
    headers = {**(headers or {}), **signed, "Accept": "application/json"}
    try:
        answer = exchange(
            method,
            url,
            headers=headers,
            body=body,
            max_bytes=max_bytes or int(_config("max_bytes")),
            deadline=deadline or float(_config("deadline")),
        )
    except PeerUnreachable as exc:
        raise _fail(peer, exc) from exc
    try:
        # Signed by the peer for exactly this request: its status, digest and type, and the
        # request's method, URL and signature (``;req``). No age limit: the request's is new.
        fields = httpsig.header_fields(answer.headers)
        if "content-digest" not in fields:
            raise httpsig.SignatureError("The answer has no Content-Digest.")
        httpsig.verify_message(
            httpsig.Response(int(answer.status), fields, httpsig.request_of_answer(method, url, signed)),
            tag=httpsig.FEDERATION_ANSWER_TAG,
            components=httpsig.answer_components(content_type="content-type" in fields, request_signature=True),
            body=answer.body,
            keys=services.peer_keys(peer),
        )
    except (httpsig.SignatureError, httpsig.KeyUnavailable) as exc:
        raise _fail(peer, BadSignature(str(exc))) from exc
    if answer.status >= 500:
        _fail(peer, PeerUnreachable(f"HTTP {answer.status}"))
    else:
        peer.record_success()
    logger.info(
        "federation_call peer=%s method=%s status=%d bytes=%d", peer.slug, method, answer.status, len(answer.body)
    )
    return answer


def refresh_document(peer: Peer, *, deadline: float | None = None) -> Peer:
    """Fetch the peer's well-known document, verify it with a pinned or trusted key and store
    what it says (its keys, its region cut to the allowed areas). Raises ``FederationError``
    (``DocumentError`` as ``BadAnswer``)."""
    if peer.adapter:
        raise NotCommonInterface(f"{peer.slug} is reached through its adapter {peer.adapter!r}")
    url = peer.base_url.rstrip("/") + WELL_KNOWN_PATH
    try:
        answer = exchange(
            "GET",
            url,
            headers={"Accept": "application/jose"},
            max_bytes=int(_config("document_max_bytes")),
            deadline=deadline or float(_config("deadline")),
        )
    except PeerUnreachable as exc:
        raise _fail(peer, exc) from exc
    if answer.status != 200:
        raise _fail(peer, PeerUnreachable(f"HTTP {answer.status}"))
    try:
        verified = verify_document(answer.body.strip(), peer_id=peer.slug, pinned=peer.thumbprints, trusted=peer.keys)
    except DocumentError as exc:
        logger.warning("federation_document_refused peer=%s reason=%s", peer.slug, str(exc)[:100])
        raise _fail(peer, BadSignature(str(exc))) from exc
    peer.record_success()
    return services.accept_document(peer, verified)


KEYS_REFETCH_DEADLINE = 3.0  # seconds per peer, while a request waits


def refresh_for_unknown_key() -> int:
    """A request named a key id no peer has: fetch again the documents of the peers due for it
    (``services.peers_due_for_keys``), each within a short deadline, so a peer that changed its
    key is recognised at once. How many documents verified."""
    refreshed = 0
    for peer in services.peers_due_for_keys():
        try:
            refresh_document(peer, deadline=KEYS_REFETCH_DEADLINE)
        except FederationError:
            continue
        refreshed += 1
    return refreshed


__all__ = [
    "Answer",
    "AnswerTooLarge",
    "BadAnswer",
    "BadSignature",
    "DeadlineExceeded",
    "FederationError",
    "NotCommonInterface",
    "PeerSkipped",
    "PeerUnreachable",
    "exchange",
    "refresh_document",
    "request",
]
