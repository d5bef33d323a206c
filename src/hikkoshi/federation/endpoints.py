"""A ``Peer`` as the ``adapters.PeerEndpoint`` an adapter works against: its URL, its
credential (decrypted from the peer's row), the areas the operator allowed it, the deadline
and the size cap of the settings (a live search's shorter deadline when given)."""

from __future__ import annotations

from django.conf import settings

from . import adapters
from .models import Peer


def endpoint(peer: Peer, *, deadline: float | None = None, max_bytes: int | None = None) -> adapters.Endpoint:
    config = settings.HIKKOSHI_FEDERATION
    return adapters.Endpoint(
        slug=peer.slug,
        base_url=peer.base_url,
        credential=str(peer.credential or ""),
        areas=tuple(peer.areas),
        deadline=float(deadline or config["deadline"]),
        max_bytes=int(max_bytes or config["max_bytes"]),
    )
