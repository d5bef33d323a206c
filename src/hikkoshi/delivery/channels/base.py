"""What every channel's ``send`` takes and gives (申請ラッピング; the channel itself is a
``hikkoshi.channels.Channel``).

A channel takes one ``Outgoing`` application and either returns an ``Outcome`` (the
organisation has it) or raises ``DeliveryError``. Whether the error is worth another try is the
channel's judgement (``retryable``); when and how often to try again is the retry policy's
(``hikkoshi.delivery.policy``), in one place for every channel.

A channel never touches the database: the outbox calls it outside any transaction and records
what it returned.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from hikkoshi.documents.data import MoveRecord, ProcedureRecord

if TYPE_CHECKING:
    from hikkoshi.documents.answer_slip import AnswerSlip

# A JSON object as it is stored (``JSONField``) or sent: its values are whatever JSON holds.
JSONObject = dict[str, Any]


class ProcedureRef(TypedDict):
    """The procedure an application is for: ``"procedure"`` of the JSON sent."""

    id: str  # its slug
    version: int
    name: str


class Household(TypedDict):
    """``"household"`` of an application: who the 世帯主 at the new address is."""

    head: str  # "applicant", "members[N]" or "other"
    head_name: str
    relationship_to: str  # always "head": every 続柄 is to the 世帯主


# 申請データ, ``hikkoshi.application/2``: what the web channel posts (``services.application_data``).
# The common items are there only when the organisation receives them (``"shared"``); "from" is a
# Python keyword, hence this form.
ApplicationData = TypedDict(
    "ApplicationData",
    {
        "format": str,
        "move_id": str,
        "number": str | None,  # 申請番号 (None for a move stored before numbers existed)
        "procedure": ProcedureRef,
        "organisation": str,
        "submitted_at": str | None,
        "kinds": list[str],
        "shared": list[str],
        "applicant": JSONObject,
        "move_date": NotRequired[str | None],
        "members": NotRequired[list[JSONObject]],
        "household": NotRequired[Household],
        "from": NotRequired[JSONObject],
        "to": NotRequired[JSONObject],
        # Always there; added last, after the optional items, which keeps the keys' order of the
        # JSON (and so its digest) what it has always been.
        "fields": NotRequired[JSONObject],
    },
)


class ApplicationRef(TypedDict):
    """The application a withdrawal or correction refers to."""

    reference: str  # the organisation's 受付番号
    idempotency_key: str
    move_id: str
    number: str | None


class NoticeBody(TypedDict):
    """``hikkoshi.withdrawal/1`` or ``hikkoshi.correction/1``: what the web channel posts for a
    notice (``notices.build_notice``), stored with it so every attempt sends the same."""

    format: str
    notice_id: str
    application: ApplicationRef
    procedure: ProcedureRef
    organisation: str
    requested_at: str
    changes: NotRequired[list[str]]  # a correction's: the paths that changed
    corrected: NotRequired[ApplicationData]  # a correction's: the application as it is now


@dataclass(frozen=True)
class Outgoing:
    """One application on its way to one organisation."""

    delivery_id: int
    idempotency_key: str  # stable across every attempt of this delivery (a UUID)
    attempt: int  # 1 for the first try
    procedure: str  # the procedure's slug, e.g. "sapporo-water-start"
    organisation: str  # the organisation's slug in the directory, e.g. "sapporo-waterworks"
    organisation_name: str
    settings: JSONObject  # the procedure's channel settings (endpoint, to, fax_number, …)
    # The move as documents show it, as this organisation may see it: the common items it
    # receives (``shares``), and of the procedures this one alone (``entry``).
    record: MoveRecord
    entry: ProcedureRecord  # this procedure of the move (its fields, deadline, …)
    # The application as JSON data, what the web channel posts: an ``ApplicationData`` (a
    # ``NoticeBody`` for a notice).
    application: Mapping[str, Any]
    # The organisation's public keys for receipts (JWK dicts), from the directory.
    receipt_keys: tuple[JSONObject, ...] = ()
    # The common items this procedure's organisation receives (``catalogue.constants.CommonItem``;
    # ``record`` holds only those); None: all of them.
    shares: frozenset[str] | None = None
    # E-mail and fax: where and with which code the organisation answers (処理状況; printed on
    # the 申込書 and the FAX送付状); None for the web channel, whose receiver signs its answers.
    answer: "AnswerSlip | None" = None
    # Called by the channel just before it hands the application over (the external call):
    # raises ``ClaimLost`` when this worker no longer holds the delivery (``delivery.lease``).
    # The channel still touches no database; what it calls is the outbox's.
    still_ours: Callable[[], None] | None = None

    def check_claim(self) -> None:
        """Just before the hand-over: go on only while this worker still holds the delivery."""
        if self.still_ours is not None:
            self.still_ours()


@dataclass
class Outcome:
    """What came back from a successful hand-over."""

    reference: str = ""  # the organisation's reference number (受付番号), when it gives one
    receipt: JSONObject = field(default_factory=dict)  # a signed receipt, a queue id, … (no personal data)
    message_id: str = ""  # an e-mail's Message-ID, a fax job id


class ClaimLost(Exception):
    """The worker's lease on what it was sending expired and another worker has it now (or
    staff closed it): this one must not hand it over."""


class DeliveryError(Exception):
    """The hand-over did not happen (or its outcome is unknown).

    ``code`` is a short machine word (``"timeout"``, ``"http_503"``, ``"smtp_550"``,
    ``"bad_receipt_signature"``, ``"not_configured"``, …); ``detail`` a short English text for
    staff, never with personal data in it. ``retryable`` says whether another try can help;
    ``retry_after`` (seconds) is the organisation's own wish, when it said one (HTTP 429/503).
    """

    def __init__(self, code: str, detail: str = "", *, retryable: bool, retry_after: float | None = None):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.retryable = retryable
        self.retry_after = retry_after
