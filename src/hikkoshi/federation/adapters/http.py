"""HTTP to a partner portal for the adapters: ``federation.http.exchange`` with the peer's
deadline and size cap, redirects (at most ``MAX_REDIRECTS``) followed on its own host only."""

from __future__ import annotations

from hikkoshi.federation.http import Answer, exchange as _exchange

from . import PeerEndpoint

MAX_REDIRECTS = 3

Response = Answer  # the name the adapters use


def exchange(peer: PeerEndpoint, method: str, url: str, *, headers: dict[str, str], body: bytes = b"") -> Answer:
    """One HTTP exchange with ``peer`` (redirects within its host included), all of it within
    ``peer.deadline`` seconds and at most ``peer.max_bytes`` of answer read; see
    ``federation.http.exchange`` for what it raises."""
    return _exchange(
        method,
        url,
        headers=headers,
        body=body,
        max_bytes=peer.max_bytes,
        deadline=peer.deadline,
        redirects=MAX_REDIRECTS,
    )
