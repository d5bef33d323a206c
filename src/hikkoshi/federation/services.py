"""Peers: pinning, the areas that count, finding a peer by its key, replays and rates.

No call to another system happens here with a transaction open: ``client`` fetches, and only
then are rows written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
import logging
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hikkoshi import httpsig
from hikkoshi.directory.transfer import drop_portal_copy
from hikkoshi.directory.validators import AREA_CODE
from hikkoshi.places.municipalities import municipality_code

from . import adapters
from .document import VerifiedDocument
from .models import Peer, RateWindow, SeenNonce

logger = logging.getLogger(__name__)

THUMBPRINT = re.compile(r"^[A-Za-z0-9_-]{43}$")  # SHA-256 in base64url without padding
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class PeerError(ValueError):
    """What an operator typed cannot make a peer; the text says why (English, for the CLI)."""


# --- areas -----------------------------------------------------------------------------------------


def parse_areas(text: str) -> list[str]:
    """``25,26,01100`` → the codes; raise ``PeerError`` for one that is not a JIS X 0402 code."""
    codes = [part.strip() for part in text.split(",") if part.strip()]
    bad = [code for code in codes if not AREA_CODE.match(code)]
    if bad:
        raise PeerError(f"not a prefecture (2 digits) or municipality (5 digits) code: {', '.join(bad)}")
    return sorted(set(codes))


def _covers(area: str, code: str) -> bool:
    """Whether ``area`` (a prefecture, a municipality, a designated city) covers ``code``."""
    if area == code:
        return True
    if len(area) == 2:
        return code.startswith(area)
    return len(code) == 5 and municipality_code(code) == area


def intersect_areas(claimed: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The part of a peer's claimed region inside the areas the operator allowed, as the
    smallest list of codes: ``["27"]`` ∩ ``["27100", "26"]`` = ``["27100"]``."""
    claimed = [c for c in claimed if AREA_CODE.match(c)]
    allowed = list(allowed)
    both = {c for c in claimed if any(_covers(a, c) for a in allowed)}
    both |= {a for a in allowed if any(_covers(c, a) for c in claimed)}
    return sorted(code for code in both if not any(other != code and _covers(other, code) for other in both))


# --- pinning -----------------------------------------------------------------------------------------


def add_peer(
    slug: str,
    base_url: str,
    *,
    thumbprints: list[str],
    areas: list[str],
    adapter: str = "",
    name: str = "",
    credential: str = "",
) -> Peer:
    """Pin a peer running hikkoshi by its key thumbprints, or add one reached through an
    ``adapter`` (which cannot sign: no thumbprint; its ``credential`` is kept encrypted, and
    the areas the operator allowed are where it counts, as it has no signed document)."""
    if not SLUG.match(slug):
        raise PeerError("the id must be lower-case letters, digits and hyphens (at most 40)")
    bad = [t for t in thumbprints if not THUMBPRINT.match(t)]
    if adapter:
        _check_adapter(adapter, thumbprints, credential)
    elif not thumbprints or bad:
        raise PeerError("give the peer's key thumbprint (RFC 7638: 43 characters of base64url)")
    peer = Peer(
        slug=slug,
        base_url=base_url.rstrip("/"),
        thumbprints=thumbprints,
        areas=areas,
        adapter=adapter,
        name=name,
        credential=credential.strip(),
        served_areas=list(areas) if adapter else [],
    )
    try:
        peer.full_clean(exclude=["slug", "thumbprints"])  # checked above (none for an adapter's peer)
    except ValidationError as exc:
        messages = [f"{field}: {' '.join(str(m) for m in errors)}" for field, errors in exc.message_dict.items()]
        raise PeerError("; ".join(messages)) from exc
    if not peer.base_url.startswith(("https://", "http://")):
        raise PeerError("the URL must be http(s)")
    try:
        with transaction.atomic():
            peer.save()
    except IntegrityError as exc:
        raise PeerError(f"a peer {slug!r} exists already: remove it first") from exc
    logger.info("federation_peer_added peer=%s adapter=%s areas=%d", slug, adapter or "-", len(areas))
    return peer


def _check_adapter(adapter: str, thumbprints: list[str], credential: str) -> None:
    if adapter not in adapters.registry():
        raise PeerError(f"no adapter {adapter!r} (installed: {', '.join(adapters.registry().names())})")
    if thumbprints:
        raise PeerError("a peer reached through an adapter cannot sign: give no thumbprint")
    if not credential.strip():
        raise PeerError("give the credential (API key or bearer token) the peer gave this portal")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in credential.strip()):
        raise PeerError("the credential must be printable ASCII without spaces (it goes in an HTTP header)")


def set_areas(slug: str, areas: list[str]) -> Peer:
    """Change the areas the operator allows a peer; where it counts follows at once (its
    signed region cut to them, or the areas themselves for an adapter's peer). The copy of its
    directory is cut to them at its next pull."""
    peer = Peer.objects.filter(slug=slug).first()
    if peer is None:
        raise PeerError(f"no peer {slug!r}")
    peer.areas = areas
    try:
        peer.full_clean(exclude=["slug", "thumbprints"])
    except ValidationError as exc:
        raise PeerError("; ".join(" ".join(str(m) for m in errors) for errors in exc.message_dict.values())) from exc
    if peer.adapter:
        peer.served_areas = list(areas)
    else:
        claimed = (peer.document.get("region") or {}).get("areas") if isinstance(peer.document, dict) else None
        peer.served_areas = intersect_areas([c for c in claimed or [] if isinstance(c, str)], areas)
    peer.save(update_fields=["areas", "served_areas"])
    logger.info("federation_peer_areas peer=%s areas=%d served=%d", slug, len(areas), len(peer.served_areas))
    return peer


def set_credential(slug: str, credential: str) -> Peer:
    """Replace an adapter's peer's credential (kept encrypted)."""
    peer = Peer.objects.filter(slug=slug).first()
    if peer is None:
        raise PeerError(f"no peer {slug!r}")
    if not peer.adapter:
        raise PeerError(f"{slug} runs hikkoshi: it signs, and takes no credential")
    _check_adapter(peer.adapter, [], credential)
    peer.credential = credential.strip()
    peer.save(update_fields=["credential"])
    logger.info("federation_peer_credential peer=%s", slug)
    return peer


def remove_peer(slug: str) -> bool:
    """Forget a peer, and the copy of its directory kept here."""
    deleted, _ = Peer.objects.filter(slug=slug).delete()
    if deleted:
        removed = drop_portal_copy(slug)
        logger.info("federation_peer_removed peer=%s organisations=%d", slug, removed)
    return bool(deleted)


def accept_document(peer: Peer, verified: VerifiedDocument) -> Peer:
    """Store a verified document: its claims, the keys that now count, the served areas. When its
    ``oidc_issuer`` changed, the sign-in through its provider follows it (``signin.register_peer``,
    as ``peer refresh`` does), whichever path fetched the document (the worker's, a request naming
    an unknown key)."""
    issuer_before = (peer.document or {}).get("oidc_issuer")
    peer.document = verified.claims
    peer.document_verified_at = timezone.now()
    peer.keys = verified.keys
    peer.served_areas = intersect_areas(verified.region_areas, peer.areas)
    name = verified.claims.get("name")
    if isinstance(name, str) and name.strip() and not peer.name:
        peer.name = name.strip()[:200]
    peer.save(update_fields=["document", "document_verified_at", "keys", "served_areas", "name"])
    ignored = len(verified.region_areas) - len(peer.served_areas)
    logger.info(
        "federation_document_accepted peer=%s signed_by=%s keys=%d areas=%d",
        peer.slug,
        verified.signed_by,
        len(peer.keys),
        len(peer.served_areas),
    )
    if ignored > 0:
        logger.info("federation_areas_ignored peer=%s outside_allowed=%d", peer.slug, ignored)
    if verified.claims.get("oidc_issuer") != issuer_before:
        from .signin import register_peer

        register_peer(peer)
        if issuer_before:
            logger.info("federation_oidc_issuer_changed peer=%s", peer.slug)
    return peer


# --- who signed a request -------------------------------------------------------------------------------


def peer_keys(peer: Peer) -> dict[str, Ed25519PublicKey]:
    return httpsig.keys_from_jwks(peer.keys, strict=False)


def peer_for_key(key_id: str) -> tuple[Peer, Ed25519PublicKey] | None:
    """The peer holding a trusted key with this id, and the key (peers are few: scanned)."""
    for peer in Peer.objects.filter(adapter="").exclude(keys=[]):
        key = peer_keys(peer).get(key_id)
        if key is not None:
            return peer, key
    return None


KEYS_REFETCH_INTERVAL = 30.0  # seconds: a peer's document is fetched again for an unknown key at most this often


def peers_due_for_keys(now: datetime | None = None) -> list[Peer]:
    """Peers speaking the common interface whose document may be fetched again because a
    request named a key id nobody has: not cooling off, not verified in the last 30 seconds."""
    now = now or timezone.now()
    recent = now - timedelta(seconds=KEYS_REFETCH_INTERVAL)
    return list(
        Peer.objects.filter(adapter="")
        .exclude(skipped_until__gt=now)
        .exclude(document_verified_at__gte=recent)
        .order_by("slug")
    )


# --- replays and rates ------------------------------------------------------------------------------------


class Replayed(Exception):
    """The signature's nonce was accepted before."""


def remember_nonce(key_id: str, nonce: str, signed_at: datetime) -> None:
    """Record a verified request's nonce; raise ``Replayed`` if it was seen (the receiver's rule,
    ``httpsig.check_nonce`` and ``httpsig.replay_window``, in the federation's own table)."""
    try:
        with transaction.atomic():
            SeenNonce.objects.create(key_id=key_id, nonce=nonce, signed_at=signed_at)
    except IntegrityError as exc:
        raise Replayed from exc
    SeenNonce.objects.filter(signed_at__lt=timezone.now() - timedelta(seconds=httpsig.replay_window())).delete()


def over_rate(peer: Peer, now: datetime | None = None) -> int:
    """Count this request in the peer's minute; the seconds until the next minute when it is
    over its rate, else 0."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    limit = peer.rate_per_minute or int(settings.HIKKOSHI_FEDERATION["rate_per_minute"])
    if not RateWindow.objects.filter(peer=peer, minute=minute).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateWindow.objects.create(peer=peer, minute=minute, count=1)
        except IntegrityError:  # another process made this minute's row first
            RateWindow.objects.filter(peer=peer, minute=minute).update(count=F("count") + 1)
        RateWindow.objects.filter(minute__lt=minute - timedelta(minutes=5)).delete()
    count = RateWindow.objects.filter(peer=peer, minute=minute).values_list("count", flat=True).first() or 0
    if count > limit:
        return max(1, 60 - now.second)
    return 0
