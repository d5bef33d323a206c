"""Reads about the peers for the mover's pages: which partner portal serves a place, and what
its verified document says of it (name, privacy policy, phone) in a form a page may show.

A peer's document is verified (signed by a pinned or trusted key) but written by another
operator: nothing of it goes into a page unchecked — links only with http(s), a phone number
only as digits, hyphens and brackets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import re

from hikkoshi.directory.constants import Category
from hikkoshi.directory.selectors import organisations_for_place
from hikkoshi.directory.validators import area_within

from .models import Peer

PHONE = re.compile(r"^\+?[0-9][0-9()\- ]{3,28}[0-9]$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def peer_areas(peer: Peer) -> list[str]:
    """Where a peer counts: its verified region inside the areas the operator allowed; for a
    peer reached through an adapter (no signed document), the allowed areas themselves."""
    if peer.served_areas:
        return list(peer.served_areas)
    return list(peer.areas) if peer.adapter else []


def peers_serving(municipality_code: str) -> list[Peer]:
    """The peers serving a place (a ward's city and a prefecture count), as the directory's
    copies of their entries do (peers are few: one query)."""
    if not municipality_code:
        return []
    return [peer for peer in Peer.objects.order_by("slug") if area_within(municipality_code, peer_areas(peer))]


def _text(value: object, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _http_url(value: object) -> str:
    url = _text(value, 500)
    return url if url.startswith(("https://", "http://")) and not any(c.isspace() for c in url) else ""


@dataclass(frozen=True)
class PortalFacts:
    """What the mover is shown of a partner portal before agreeing to a hand-over."""

    slug: str
    name: str
    region: str
    policy_url: str  # "" when its document names none (an adapter's portal)
    policy_sha256: str
    verified_at: datetime | None  # when its document was last verified (the policy's date here)
    phone: str
    adapter: bool

    @property
    def phone_href(self) -> str:
        return "tel:" + re.sub(r"[^0-9+]", "", self.phone) if self.phone else ""


def portal_facts(peer: Peer) -> PortalFacts:
    document = peer.document if isinstance(peer.document, dict) else {}
    policy = document.get("privacy_policy")
    policy = policy if isinstance(policy, dict) else {}
    region = document.get("region")
    contact = document.get("contact")
    phone = _text(contact.get("phone"), 40) if isinstance(contact, dict) else ""
    sha256 = _text(policy.get("sha256"), 64)
    return PortalFacts(
        slug=peer.slug,
        name=peer.name or _text(document.get("name")) or peer.slug,
        region=_text(region.get("name")) if isinstance(region, dict) else "",
        policy_url=_http_url(policy.get("url")),
        policy_sha256=sha256 if SHA256.match(sha256) else "",
        verified_at=peer.document_verified_at,
        phone=phone if PHONE.match(phone) else "",
        adapter=bool(peer.adapter),
    )


@dataclass(frozen=True)
class Handled:
    """An organisation of the peer's directory serving the place, and what it does."""

    name: str
    category: str


def handled_there(peer: Peer, *, municipality_code: str, postcode: str = "") -> list[Handled]:
    """The organisations of the peer's directory (its copy here) that serve the place: what it
    handles there, offices first."""
    labels = dict(Category.choices)
    return [
        Handled(match.organisation.name, str(labels.get(match.organisation.category, match.organisation.category)))
        for match in organisations_for_place(municipality_code=municipality_code, postcode=postcode)
        if match.organisation.portal == peer.slug
    ]
