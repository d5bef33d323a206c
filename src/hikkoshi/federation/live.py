"""Partner portals that offer only a search per place (関西's ``kansai-json``): asked live.

The organisation search (the page and ``/api/v1/organisations``) adds, after the entries of its
index, what each such peer serving the place answers for the postal code: asked through its
adapter with a total deadline (``live_deadline``, not a time per read) and a size cap
(``live_max_bytes``), checked by the rules of a copied directory (markup, links, areas inside
those the operator allowed), and kept in a table (``LiveAnswer``) for ``live_ttl`` seconds, so
every process and host asks the peer once per place and period. A failure counts towards the
peer's cool-off (a row every process shares: after 3, nobody asks it for a while); meanwhile
the last answer is shown with its date, or the page says the portal cannot be reached.

Without a postal code (a search by address) the peer cannot be asked: its entries are missing
then. No transaction is open while a peer is asked.

Each process memoises what it read: an answer still valid until it expires (nobody replaces
it before), the absence of a valid one for ``ABSENT_RECHECK`` seconds, the organisations built
from an answer (bounded), and the peers asked live with their cool-off for
``PEERS_CHECK_INTERVAL`` seconds — so a place already answered costs no query, and a peer
cooling off costs none either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hikkoshi.directory.memo import BoundedMemo
from hikkoshi.directory.models import Organisation, PortalCopy
from hikkoshi.directory.selectors import OrganisationMatch
from hikkoshi.directory.transfer import DirectoryImportError, checked_portal_entries
from hikkoshi.directory.validators import area_within
from hikkoshi.places.municipalities import municipality_code as registration_code_of

from . import adapters
from .endpoints import endpoint
from .errors import FederationError
from .models import LiveAnswer, Peer

logger = logging.getLogger(__name__)

PEERS_CHECK_INTERVAL = 5.0  # seconds: which peers are asked live, re-read at most this often
ABSENT_RECHECK = 1.0  # seconds: a place without a valid answer is looked up again at most this often
MEMO_SIZE = 2048  # answers and their organisations kept per process
DEFAULTS = {"live_deadline": 3.0, "live_ttl": 15 * 60, "live_max_bytes": 1024 * 1024}


def _config(name: str) -> Any:
    return settings.HIKKOSHI_FEDERATION.get(name, DEFAULTS.get(name))


@dataclass(frozen=True)
class LiveUnreachable:
    """A per-query peer serving the place that could not be asked now: its name, and the date
    of the answer shown instead (None: none is held)."""

    name: str
    copied_at: datetime | None


@dataclass
class LiveResult:
    matches: list[OrganisationMatch] = field(default_factory=list)
    unreachable: list[LiveUnreachable] = field(default_factory=list)


def is_live(peer: Peer) -> bool:
    """Whether a peer is asked per place: its adapter offers a search and no directory."""
    if not peer.adapter:
        return False
    try:
        adapter = adapters.get(peer.adapter)
    except LookupError:
        return False
    return adapter.offers_search and not adapter.offers_directory


_lock = threading.Lock()
_peers: tuple[float, str, list[Peer]] | None = None


def live_peers() -> list[Peer]:
    """The peers asked per place (read again every few seconds: a search reads no row for
    them unless one serves the place)."""
    global _peers
    now = time.monotonic()
    database = str(settings.DATABASES["default"].get("NAME"))
    held = _peers
    if held is None or now - held[0] >= PEERS_CHECK_INTERVAL or held[1] != database:
        with _lock:
            peers = [peer for peer in Peer.objects.exclude(adapter="").order_by("slug") if is_live(peer)]
            held = _peers = (now, database, peers)
    return held[2]


def served_areas() -> list[str]:
    """Where the peers asked live serve: there their entries win over this portal's own (the
    directory's index leaves those out, as where a copy was taken)."""
    return sorted({code for peer in Peer.objects.exclude(adapter="") if is_live(peer) for code in peer.areas})


def forget_peers() -> None:
    global _peers
    _peers = None
    _answers.clear()
    _built.clear()


# (peer pk, postal code) -> (monotonic time read, the row or None); the organisations built from
# an answer by (peer pk, postal code, answered at).
_answers = BoundedMemo(MEMO_SIZE)
_built = BoundedMemo(MEMO_SIZE)


def _held(peer_pk: int, postcode: str) -> LiveAnswer | None:
    """The stored answer for a place, memoised: a valid one until it expires, none or an
    expired one for ``ABSENT_RECHECK`` seconds."""
    key = (peer_pk, postcode)
    now = time.monotonic()
    seen = _answers.get(key)
    if seen is not None:
        read_at, answer = seen
        if answer is not None and answer.expires_at > timezone.now():
            return answer
        if now - read_at < ABSENT_RECHECK:
            return answer
    answer = LiveAnswer.objects.filter(peer_id=peer_pk, place=postcode).first()
    _answers[key] = (now, answer)
    return answer


def _entries(peer: Peer, answer: LiveAnswer) -> list[Organisation]:
    """The organisations of a stored answer (checked again once per process: no query)."""
    key = (peer.pk, answer.place, answer.answered_at)
    built = _built.get(key)
    if built is not None:
        return built
    try:
        found = checked_portal_entries(portal=peer.slug, served=list(peer.areas), organisations=answer.organisations)
    except DirectoryImportError:
        return []
    copy = PortalCopy(portal=peer.slug, name=peer.name or peer.slug, copied_at=answer.answered_at)
    for org in found:
        org.portal_copy = copy
    _built[key] = found
    return found


def _ask(peer: Peer, postcode: str) -> LiveAnswer | None:
    """Ask the peer now; the stored answer, or None when it failed (counted)."""
    try:
        adapter = adapters.get(peer.adapter)
        organisations = adapter.search(
            endpoint(peer, deadline=float(_config("live_deadline")), max_bytes=int(_config("live_max_bytes"))),
            postcode,
        )
        checked_portal_entries(portal=peer.slug, served=list(peer.areas), organisations=organisations)
    except (FederationError, DirectoryImportError) as exc:
        reason = exc.reason if isinstance(exc, FederationError) else "invalid_data"
        peer.record_failure(reason, cool_off=float(settings.HIKKOSHI_FEDERATION["cool_off"]))
        logger.warning("federation_live_failed peer=%s reason=%s failures=%d", peer.slug, reason, peer.failures)
        return None
    except (LookupError, ValueError):  # no such adapter; a postal code it cannot take
        return None
    peer.record_success()
    now = timezone.now()
    values = {"organisations": organisations, "answered_at": now, "expires_at": now + timedelta(seconds=_ttl())}
    try:
        with transaction.atomic():
            answer, _ = LiveAnswer.objects.update_or_create(peer=peer, place=postcode, defaults=values)
    except IntegrityError:  # another process stored the same place first
        answer = LiveAnswer.objects.get(peer=peer, place=postcode)
    _answers[(peer.pk, postcode)] = (time.monotonic(), answer)
    logger.info("federation_live_answer peer=%s organisations=%d", peer.slug, len(organisations))
    return answer


def _ttl() -> float:
    return float(_config("live_ttl"))


def search(*, municipality_code: str, postcode: str = "", category: str | None = None) -> LiveResult:
    """What the per-query peers serving a place give for it (see the module's docstring)."""
    result = LiveResult()
    peers = [peer for peer in live_peers() if area_within(municipality_code, peer.areas)]
    if not peers or not postcode:
        return result
    registration = registration_code_of(municipality_code)
    for cached_peer in peers:
        answer = _held(cached_peer.pk, postcode)
        if answer is None or answer.expires_at <= timezone.now():
            if cached_peer.skipped():  # cooling off as of the last read (at most a few seconds old)
                peer: Peer | None = cached_peer
            else:
                peer = Peer.objects.filter(pk=cached_peer.pk).first()  # its cool-off as every process sees it
            if peer is None:
                continue
            fresh = None if peer.skipped() else _ask(peer, postcode)
            if fresh is None:
                result.unreachable.append(
                    LiveUnreachable(peer.name or peer.slug, answer.answered_at if answer else None)
                )
            answer = fresh or answer
        else:
            peer = cached_peer
        if answer is None:
            continue
        for org in _entries(peer, answer):
            if category and org.category != category:
                continue
            if any(area.covers(municipality_code, registration, postcode) for area in org.area_list):
                result.matches.append(OrganisationMatch(org))
    return result


def live_matches(*, municipality_code: str, postcode: str = "", category: str | None = None) -> list[OrganisationMatch]:
    """The live source of ``directory.selectors`` (``/api/v1/organisations``)."""
    return search(municipality_code=municipality_code, postcode=postcode, category=category).matches
