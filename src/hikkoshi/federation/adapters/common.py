"""What every adapter does alike: a peer's status, its entries validated, the hand-over's record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
import hashlib
import logging
from typing import Any
from urllib.parse import urljoin, urlsplit

from hikkoshi.directory.transfer import FORMAT, VERSION, ImportProblem, validate_partner_directory
from hikkoshi.federation.dataset import DataSetInvalid, validate

from . import BadAnswer, PeerEndpoint, PeerUnreachable, Refused
from .http import Response

logger = logging.getLogger("hikkoshi.federation.adapters")


def now() -> datetime:
    return datetime.now(UTC)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def url(peer: PeerEndpoint, path: str) -> str:
    return peer.base_url.rstrip("/") + "/" + path.lstrip("/")


def check_status(peer: PeerEndpoint, response: Response, *, ok: Sequence[int] = (200,)) -> None:
    """A 5xx is the peer failing (another try may help), another status not in ``ok`` a refusal."""
    if response.status in ok:
        return
    logger.warning("federation_adapter_status peer=%s status=%d", peer.slug, response.status)
    if response.status >= 500:
        raise PeerUnreachable(f"HTTP {response.status}")
    raise Refused(f"HTTP {response.status}", status=response.status)


def checked_entries(peer: PeerEndpoint, organisations: list[dict[str, Any]], problems: list[ImportProblem]):
    """The peer's entries as a ``hikkoshi-directory`` document once every rule holds (those of
    ``directory import`` and of a copy from elsewhere), else ``DirectoryRefused`` — whole."""
    from . import DirectoryRefused

    document = {"format": FORMAT, "version": VERSION, "organisations": organisations}
    problems = [*problems, *validate_partner_directory(document, allowed_areas=peer.areas)]
    if problems:
        logger.warning("federation_adapter_refused_data peer=%s problems=%d", peer.slug, len(problems))
        raise DirectoryRefused(problems)
    return document


def valid_document(document: dict[str, Any]) -> None:
    """A hand-over starts from a valid data set (``DataSetInvalid`` with every problem)."""
    errors = validate(document)
    if errors:
        raise DataSetInvalid(errors)


def continue_url(peer: PeerEndpoint, base: str, href: str) -> str:
    """Where the mover continues: http(s), on the peer's own host (an answer cannot send the
    mover anywhere else)."""
    target = urljoin(base, href.strip())
    parts, home = urlsplit(target), urlsplit(peer.base_url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != (home.hostname or "").lower():
        raise BadAnswer("the continue URL is not on the peer's host")
    return target
