"""What every channel's ``send`` takes and gives (申請ラッピング; the channel itself is a
``hikkoshi.channels.Channel``).

A channel takes one ``Outgoing`` application and either returns an ``Outcome`` (the
organisation has it) or raises ``DeliveryError``. Whether the error is worth another try is the
channel's judgement (``retryable``); when and how often to try again is the retry policy's
(``hikkoshi.delivery.policy``), in one place for every channel.

A channel never touches the database: the outbox calls it outside any transaction and records
what it returned.
"""

from dataclasses import dataclass, field

from hikkoshi.documents.data import MoveRecord, ProcedureEntry


@dataclass(frozen=True)
class Outgoing:
    """One application on its way to one organisation."""

    delivery_id: int
    idempotency_key: str  # stable across every attempt of this delivery (a UUID)
    attempt: int  # 1 for the first try
    procedure: str  # the procedure's slug, e.g. "sapporo-water-start"
    organisation: str  # the organisation's slug in the directory, e.g. "sapporo-waterworks"
    organisation_name: str
    settings: dict  # the procedure's channel settings (endpoint, to, fax_number, …)
    record: MoveRecord  # the whole move as documents show it
    entry: ProcedureEntry  # this procedure of the move (its fields, deadline, …)
    application: dict  # the application as JSON data (what the web channel posts)
    receipt_keys: tuple = ()  # the organisation's public keys for receipts (JWK dicts), from the directory
    # The common items this procedure's organisation receives (``catalogue.constants.CommonItem``;
    # ``record`` holds only those); None: all of them.
    shares: frozenset[str] | None = None


@dataclass
class Outcome:
    """What came back from a successful hand-over."""

    reference: str = ""  # the organisation's reference number (受付番号), when it gives one
    receipt: dict = field(default_factory=dict)  # a signed receipt, a queue id, … (no personal data)
    message_id: str = ""  # an e-mail's Message-ID, a fax job id


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
