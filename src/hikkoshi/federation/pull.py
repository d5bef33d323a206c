"""Copying partner portals' directories here (事業者情報の取り込み), every 15 minutes.

For each peer not cooling off, ``pull_directory`` asks ``GET /federation/v1/directory`` with the
ETag of the copy held (``If-None-Match``): a 304 rewrites nothing; a new copy is checked by the
rules of ``hikkoshi directory import``, every area must meet the region the peer's verified
document claims (an area elsewhere, or without a code, refuses the whole copy), and is cut to
where the peer counts here (``Peer.served_areas``: its region inside the areas the operator
allowed); then it replaces the previous copy whole (``directory.transfer``). A bad copy changes
nothing: the last good one stays and keeps its date. The call to the peer is made
with no database transaction open; its deadline, size cap and cool-off are ``client``'s.

A peer reached through an adapter (``Peer.adapter``; 引越れんらく帳's CP932 CSV with
``Last-Modified``) is pulled through it (``fetch_through_adapter``): the adapter reads its
format, the copy is asked again with ``If-Modified-Since``, and what it gives goes through the
same checks and writing (``store_copy``), cut to the areas the operator allowed it (it has no
signed region). Its failures (down, too slow, over the size cap, bytes that are not CP932)
count towards the same cool-off. A peer that offers only a search per place is not pulled
(``federation.live`` asks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import json
import logging

from django.conf import settings

from hikkoshi.directory.models import PortalCopy
from hikkoshi.directory.transfer import (
    DirectoryImportError,
    portal_copy,
    portal_copy_unchanged,
    replace_portal_copy,
)
from hikkoshi.directory.validators import area_within

from . import adapters, client
from .endpoints import endpoint
from .errors import DirectoryRefused, FederationError, NotOffered
from .live import is_live
from .models import Peer

logger = logging.getLogger(__name__)

EVERY = 15 * 60  # seconds between two pulls by the worker


@dataclass(frozen=True)
class Fetched:
    """What a peer answered for its directory: unchanged (304), or a copy and its ETag."""

    unchanged: bool
    text: str = ""
    etag: str = ""


SHOWN_PROBLEMS = 20  # of a refused copy, on the console (never in the logs: they may quote its data)


@dataclass(frozen=True)
class PullResult:
    """``outcome``: copied, unchanged, refused (the copy broke a rule: ``problems`` of them),
    failed (``reason``: unreachable, deadline, too_large, bad_signature, http_404, …), skipped
    (cooling off) or adapter (not pulled here)."""

    peer: str
    outcome: str
    organisations: int = 0
    problems: int = 0
    reason: str = ""
    details: tuple[str, ...] = ()  # the first problems of a refused copy, for the operator's console


@dataclass(frozen=True)
class Unreachable:
    """A peer serving a place that did not answer its last call: its name, and the date of the
    copy shown instead (None: no copy is held)."""

    name: str
    copied_at: datetime | None


def unreachable_for(municipality_code: str) -> list[Unreachable]:
    """The peers serving a place (a ward's city counts) whose last call failed, for a page to
    say so beside the copy it shows (peers are few: one query, and one for their copies)."""
    peers = [
        peer
        for peer in Peer.objects.filter(failures__gt=0).order_by("slug")
        if area_within(municipality_code, peer.served_areas) and not is_live(peer)  # ``live`` says those
    ]
    if not peers:
        return []
    copies = dict(PortalCopy.objects.filter(portal__in=[p.slug for p in peers]).values_list("portal", "copied_at"))
    return [Unreachable(peer.name or peer.slug, copies.get(peer.slug)) for peer in peers]


class UnexpectedStatus(client.FederationError):
    reason = "status"


def fetch_directory(peer: Peer, etag: str) -> Fetched:
    """The peer's directory over the signed interface, or ``Fetched(unchanged=True)`` when it
    answers 304 to ``etag``. Raises ``client.FederationError``."""
    headers = {"If-None-Match": etag} if etag else {}
    answer = client.request(peer, "GET", "directory", headers=headers)
    if answer.status == 304 and etag:
        return Fetched(unchanged=True)
    if answer.status != 200:
        error = UnexpectedStatus(f"HTTP {answer.status}")
        error.reason = f"http_{answer.status}"
        raise error
    try:
        text = answer.body.decode("utf-8")
    except UnicodeDecodeError:
        text = "\ufffd"  # not JSON: refused by the checks, like any malformed copy
    return Fetched(unchanged=False, text=text, etag=answer.headers.get("etag", ""))


def store_copy(peer: Peer, fetched: Fetched) -> PullResult:
    """Keep what was fetched: the date of an unchanged copy, or a new copy if every rule holds."""
    if fetched.unchanged:
        portal_copy_unchanged(peer.slug)
        logger.info("federation_directory_unchanged peer=%s", peer.slug)
        return PullResult(peer.slug, "unchanged")
    claimed = (peer.document.get("region") or {}).get("areas") if isinstance(peer.document, dict) else None
    region = [code for code in claimed if isinstance(code, str)] if isinstance(claimed, list) else []
    # An adapter's peer signs no region: it counts where the operator allowed it, no further.
    served = list(peer.areas) if peer.adapter else list(peer.served_areas)
    try:
        result = replace_portal_copy(
            portal=peer.slug,
            name=peer.name or peer.slug,
            served=served,
            region=region or served,
            etag=fetched.etag,
            text=fetched.text,
        )
    except DirectoryImportError as exc:
        # The peer answered (it is not down): no failure towards the cool-off, but the operator
        # sees why in ``peer list``; the messages may quote the peer's data, so only their count.
        Peer.objects.filter(pk=peer.pk).update(last_error=f"directory refused: {len(exc.errors)} problem(s)")
        logger.warning("federation_directory_refused peer=%s problems=%d", peer.slug, len(exc.errors))
        return PullResult(
            peer.slug, "refused", problems=len(exc.errors), details=tuple(str(e) for e in exc.errors[:SHOWN_PROBLEMS])
        )
    logger.info("federation_directory_copied peer=%s organisations=%d", peer.slug, result.created)
    return PullResult(peer.slug, "copied", organisations=result.created)


def fetch_through_adapter(peer: Peer, since: str) -> Fetched:
    """The directory of a peer reached through its adapter, in the ``hikkoshi-directory``
    format, or ``Fetched(unchanged=True)`` when it has not changed since ``since`` (its
    ``Last-Modified``). Raises ``FederationError``: ``NotOffered`` for a per-query peer,
    ``DirectoryRefused`` for data breaking a rule (not a failure: the peer answered), others
    after counting a failure towards the cool-off."""
    try:
        adapter = adapters.get(peer.adapter)
    except LookupError as exc:
        raise NotOffered(f"no adapter {peer.adapter!r} is installed") from exc
    if not adapter.offers_directory:
        raise NotOffered(f"the {adapter.name} interface has no directory")
    try:
        answer = adapter.directory(endpoint(peer), since=since or None)
    except (NotOffered, DirectoryRefused):
        raise
    except FederationError as exc:
        peer.record_failure(exc.reason, cool_off=float(settings.HIKKOSHI_FEDERATION["cool_off"]))
        logger.warning("federation_call_failed peer=%s reason=%s failures=%d", peer.slug, exc.reason, peer.failures)
        raise
    peer.record_success()
    if isinstance(answer, adapters.NotModified):
        return Fetched(unchanged=True)
    return Fetched(
        unchanged=False,
        text=json.dumps(answer.document, ensure_ascii=False),
        etag=answer.last_modified[:200],
    )


def pull_directory(peer: Peer) -> PullResult:
    """Pull one peer's directory (see the module's docstring)."""
    if peer.skipped():
        return PullResult(peer.slug, "skipped", reason=client.PeerSkipped.reason)
    held = portal_copy(peer.slug)
    try:
        if peer.adapter:
            fetched = fetch_through_adapter(peer, held.etag if held else "")
        else:
            fetched = fetch_directory(peer, held.etag if held else "")
    except NotOffered:
        return PullResult(peer.slug, "adapter", reason=peer.adapter)
    except DirectoryRefused as exc:
        # As a copy refused by ``store_copy``: the peer answered, the last good copy stays.
        Peer.objects.filter(pk=peer.pk).update(last_error=f"directory refused: {len(exc.problems)} problem(s)")
        logger.warning("federation_directory_refused peer=%s problems=%d", peer.slug, len(exc.problems))
        details = tuple(str(problem) for problem in exc.problems[:SHOWN_PROBLEMS])
        return PullResult(peer.slug, "refused", problems=len(exc.problems), details=details)
    except FederationError as exc:
        return PullResult(peer.slug, "failed", reason=exc.reason)
    return store_copy(peer, fetched)


def pull(slugs: list[str] | None = None) -> list[PullResult]:
    """Pull every peer's directory (or those named), one after the other."""
    peers = Peer.objects.order_by("slug")
    if slugs:
        peers = peers.filter(slug__in=slugs)
    return [pull_directory(peer) for peer in peers]


def pull_job() -> int:
    """The worker's job: how many copies were renewed."""
    return sum(result.outcome == "copied" for result in pull())
