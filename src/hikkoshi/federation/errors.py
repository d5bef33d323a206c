"""What can go wrong calling another portal — signed or through an adapter — as one hierarchy.

``reason`` is a short code for logs, ``Peer.last_error`` and the cool-off; neither it nor the
message holds personal data or the peer's own words.

- ``PeerUnreachable`` (down, refused, reset, a 5xx) and its ``DeadlineExceeded`` and
  ``AnswerTooLarge``: another try later may help; counts towards the cool-off.
- ``BadAnswer``: an answer that cannot be used (not the peer's format, bad CP932 bytes, a
  redirect elsewhere); its ``BadSignature`` (a signed answer that does not verify) and
  ``DirectoryRefused`` (data breaking a rule, refused whole).
- ``Refused``: the peer said no (a 4xx); ``NotOffered``, ``NotRepresentable``,
  ``NotCommonInterface``: nothing was sent; ``PeerSkipped``: cooling off, not called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class FederationError(Exception):
    """A call to a peer did not give a usable, trustworthy answer; ``reason`` is a short code."""

    reason = "error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.reason)


class PeerSkipped(FederationError):
    """The peer is cooling off after failures (a row every process shares): not called."""

    reason = "cooling_off"


class PeerUnreachable(FederationError):
    """Down, refused, reset, a 5xx: another try later may help. Counts towards the cool-off."""

    reason = "unreachable"


class DeadlineExceeded(PeerUnreachable):
    reason = "deadline"


class AnswerTooLarge(PeerUnreachable):
    reason = "too_large"


class BadAnswer(FederationError):
    """An answer that cannot be read as the peer's format (bad CP932 bytes, no 受付番号, a
    redirect elsewhere). Counts towards the cool-off; nothing of it is used."""

    reason = "bad_answer"


class BadSignature(BadAnswer):
    """A signed answer (or well-known document) that does not verify with the peer's keys."""

    reason = "bad_signature"


class NotCommonInterface(FederationError):
    """The peer is reached through an adapter, not the signed common interface."""

    reason = "adapter"


class NotOffered(FederationError):
    """The peer's interface has no such operation (a per-query portal has no directory)."""

    reason = "not_offered"


class Refused(FederationError):
    """The peer refused the request (a 4xx: a wrong key, a form it rejects); ``status`` is
    its HTTP status. For a hand-over: the peer says nothing was accepted."""

    reason = "refused"

    def __init__(self, message: str = "", *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class DirectoryRefused(BadAnswer):
    """The peer's data broke a rule (markup, a ``javascript:`` link, an area outside those
    allowed …): refused whole; ``problems`` says where (``directory.transfer.ImportProblem``)."""

    reason = "invalid_data"

    def __init__(self, problems: Sequence[Any]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the peer's data")
        self.problems = list(problems)


class NotRepresentable(FederationError):
    """The document holds a value the peer's format cannot carry (a character outside
    Shift_JIS, a date before 明治 in 和暦): nothing was sent. ``path`` names the item."""

    reason = "not_representable"

    def __init__(self, path: str, message: str = "") -> None:
        super().__init__(message or f"{path} cannot be written in the peer's format")
        self.path = path
