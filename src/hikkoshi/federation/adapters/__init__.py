"""Adapters for partner portals that do not speak the common interface (連携アダプタ).

A portal running hikkoshi is reached through ``/federation/v1/`` (signed, ``federation.client``).
A portal with its own older interface — Kanto's 引越れんらく帳 (``renrakucho``), the 関西引越し
手続きサービス's JSON (``kansai-json``) — is reached through an adapter: one module named in
``settings.HIKKOSHI_FEDERATION_ADAPTERS`` (dotted paths; ``DEFAULT_ADAPTERS`` when unset) that
defines a subclass of ``Adapter`` and names it ``ADAPTER``, as the delivery channels do
(``hikkoshi.channels``). The registry refuses two adapters of one name.

An adapter works against a ``PeerEndpoint`` — the little it needs to know of a peer: where it
is, its credential, the areas the operator allowed it, the deadline and the size cap — and
never touches the database (the caller keeps the copy, counts failures for the cool-off and
records the hand-over, outside any transaction while the adapter runs). Its operations:

- ``directory(peer, since=None)``: the peer's whole directory as a ``DirectoryCopy`` in the
  ``hikkoshi-directory`` format, validated with the rules of ``directory import`` plus those
  of a copy from elsewhere (``directory.transfer.validate_partner_directory``: areas inside the
  allowed ones, http(s) links only, no markup), or ``NotModified``; a copy with any problem is
  refused whole (``DirectoryRefused``), never half a copy;
- ``search(peer, postcode)``: the entries a per-query portal gives for one place, validated the
  same way;
- ``handoff(peer, document, idempotency_key=…)``: a common data set (``federation.dataset``)
  handed over in the peer's own format; the ``HandoffAnswer`` keeps exactly what was sent and a
  SHA-256 of the answer. These portals cannot sign: that record is all there is to show, and
  nothing more is claimed (``signed`` is False);
- ``plan_handoff(document)``: what ``handoff`` would send, without sending (which items go,
  which the peer has no field for), for the review page.

Mappings are data (``mappings/<name>.json``: field names, code tables, converters by name);
the code is the conversions (``mapping``) and the wire formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
import re
from typing import Any, ClassVar, Protocol

from hikkoshi import plugins
from hikkoshi.federation.errors import (
    AnswerTooLarge,
    BadAnswer,
    DeadlineExceeded,
    DirectoryRefused,
    FederationError,
    NotOffered,
    NotRepresentable,
    PeerUnreachable,
    Refused,
)

SETTING = "HIKKOSHI_FEDERATION_ADAPTERS"
DEFAULT_ADAPTERS = (
    "hikkoshi.federation.adapters.renrakucho",
    "hikkoshi.federation.adapters.kansai_json",
)
# Stored as ``Peer.adapter`` (at most 40 characters there).
NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


# -- what an adapter is given -------------------------------------------------------------------


class PeerEndpoint(Protocol):
    """The little an adapter needs to know of a peer (the ``Peer`` model, or a dataclass)."""

    @property
    def slug(self) -> str: ...  # the peer's id here: prefixes its entries' slugs, names it in logs

    @property
    def base_url(self) -> str: ...

    @property
    def credential(self) -> str: ...  # its API key or bearer token for this portal

    @property
    def areas(self) -> Sequence[str]: ...  # JIS X 0402 codes (2 or 5 digits) the operator allowed

    @property
    def deadline(self) -> float: ...  # seconds for a whole call

    @property
    def max_bytes(self) -> int: ...  # the largest answer read


@dataclass(frozen=True)
class Endpoint:
    """A ``PeerEndpoint`` as plain data (tests, the demo, or what the ``Peer`` model makes)."""

    slug: str
    base_url: str
    credential: str = ""
    areas: Sequence[str] = ()
    deadline: float = 10.0
    max_bytes: int = 8 * 1024 * 1024


# -- what it answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryCopy:
    """A peer's whole directory, valid: ``document`` is a ``hikkoshi-directory`` JSON object
    (the format of ``directory import``), its slugs prefixed with the peer's."""

    document: dict[str, Any]
    last_modified: str = ""  # the peer's validator, sent back as ``since`` next time
    fetched_at: datetime | None = None
    answer_sha256: str = ""  # of the bytes as received

    @property
    def organisations(self) -> list[dict[str, Any]]:
        return list(self.document["organisations"])


@dataclass(frozen=True)
class NotModified:
    """The peer says its directory has not changed since ``last_modified``: keep the copy."""

    last_modified: str = ""


@dataclass(frozen=True)
class Outgoing:
    """What a hand-over sends (``plan_handoff``): the peer's fields in order, the data-set
    paths they carry and those the document has but the peer has no field for."""

    fields: tuple[tuple[str, str], ...]
    sent_paths: tuple[str, ...]
    not_sent: tuple[str, ...]
    # Items sent in the peer's form of the same characters (CP932 reads 〜 as ～, − as －).
    altered: tuple[str, ...] = ()


@dataclass(frozen=True)
class SentRecord:
    """Exactly what went to the peer, kept as the record of the transfer (個人情報保護法 Art. 29):
    the request line, its content type and body bytes as sent (the credential is not kept)."""

    method: str
    url: str
    content_type: str
    body: bytes
    fields: tuple[tuple[str, str], ...]  # the body's fields, decoded
    sent_paths: tuple[str, ...]  # the data-set items they carry
    not_sent: tuple[str, ...]  # items of the document the peer has no field for
    sent_at: datetime
    altered: tuple[str, ...] = ()  # items the peer reads in its form of the same characters


@dataclass(frozen=True)
class HandoffAnswer:
    """A peer's answer to a hand-over: its reference (受付番号) and the URL where the mover
    continues. The peer cannot sign: ``sent`` and ``answer_sha256`` (of the answer's bytes as
    received) are the whole evidence, and nothing more is claimed of the answer."""

    reference: str
    continue_url: str
    sent: SentRecord
    answer_status: int
    answer_sha256: str
    received_at: datetime
    signed: ClassVar[bool] = False


# -- errors: the federation's one hierarchy (``federation.errors``) -----------------------------

AdapterError = FederationError  # a call through an adapter did not give a usable answer


# -- the base class -------------------------------------------------------------------------------


class Adapter:
    """One partner portal's interface. One instance serves every peer and thread: no state."""

    # Stored as ``Peer.adapter``: lower-case letters, digits and -, never changed once used.
    name: ClassVar[str] = ""
    # What it offers: a whole directory to replicate, a search per place, a hand-over.
    offers_directory: ClassVar[bool] = False
    offers_search: ClassVar[bool] = False
    offers_handoff: ClassVar[bool] = False

    def directory(self, peer: PeerEndpoint, since: str | None = None) -> DirectoryCopy | NotModified:
        raise NotOffered(f"the {self.name} interface has no directory")

    def search(self, peer: PeerEndpoint, postcode: str) -> list[dict[str, Any]]:
        raise NotOffered(f"the {self.name} interface has no search")

    def handoff_limits(self) -> dict[str, int]:
        """The most elements each list of the data set (its path: ``申請内容（B票）.内容.世帯員``)
        the peer takes; ``plan_handoff`` refuses a longer list (it never cuts one short)."""
        return {}

    def plan_handoff(self, document: dict[str, Any]) -> Outgoing:
        raise NotOffered(f"the {self.name} interface takes no hand-over")

    def handoff(self, peer: PeerEndpoint, document: dict[str, Any], *, idempotency_key: str) -> HandoffAnswer:
        """Hand a valid data set over. Raises ``DataSetInvalid`` or ``NotRepresentable`` before
        anything is sent; ``Refused`` when the peer said no (nothing accepted); ``BadAnswer`` or
        ``PeerUnreachable`` when the answer was unusable or missing — then the peer may or may
        not have the data: try again with the same ``idempotency_key`` (sent as
        ``Idempotency-Key``), never with a new one."""
        raise NotOffered(f"the {self.name} interface takes no hand-over")

    def __repr__(self) -> str:
        return f"<adapter {self.name}>"


class Registry(plugins.Registry[Adapter]):
    """Adapters by name, in the order they were registered; a name is taken once."""

    kind = plugins.Kind(
        noun="adapter",
        base=Adapter,
        attribute="ADAPTER",
        setting=SETTING,
        name=NAME,
        name_rule="lower-case letters, digits and -, at most 40 characters",
    )


# The installed adapters (``settings.HIKKOSHI_FEDERATION_ADAPTERS``, ``DEFAULT_ADAPTERS`` when
# unset), imported once, again when the setting changes (a test's ``override_settings``).
registry = plugins.Installed(Registry, DEFAULT_ADAPTERS)


def get(name: str) -> Adapter:
    """The adapter of this name (``Peer.adapter``); ``LookupError`` when none is installed."""
    return registry().get(name)


__all__ = [
    "DEFAULT_ADAPTERS",
    "SETTING",
    "Adapter",
    "AdapterError",
    "AnswerTooLarge",
    "BadAnswer",
    "DeadlineExceeded",
    "DirectoryCopy",
    "DirectoryRefused",
    "Endpoint",
    "HandoffAnswer",
    "NotModified",
    "NotOffered",
    "NotRepresentable",
    "Outgoing",
    "PeerEndpoint",
    "PeerUnreachable",
    "Refused",
    "Registry",
    "SentRecord",
    "get",
    "registry",
]
