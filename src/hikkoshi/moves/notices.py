"""Withdrawals (取下げ) and corrections (訂正) as the mover sees them, and whether a procedure can
still be changed.

The notices themselves — what goes to the organisations — are kept by the delivery app,
which ranks above moves: moves never imports it. Delivery registers, in its
``AppConfig.ready()``, the one function that reads them (``register_notice_source``); moves asks
it for the notices of some moves (``notices_by_procedure``: one query however many) and gets plain
``NoticeView`` values in its own vocabulary (``moves.constants.NoticeKind`` / ``NoticeStatus``).
Without a source (no delivery installed) a move simply has no notices.

With the data the portal has, a procedure is **processed** — and can no longer be withdrawn or
corrected here (``why_not_changeable``) — when the organisation said so (it answered an earlier
withdrawal or correction with HTTP 409: a notice "refused"), the mover said so (a window
procedure marked as filed at the counter), our staff dealt with it another way (handled), or it
is withdrawn already, or the move's personal data was erased.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from .constants import AnswerStatus, MoveStatus, NoticeKind, NoticeStatus, ProcedureStatus


@dataclass(frozen=True)
class NoticeView:
    """One withdrawal or correction of a procedure, as the result page and the rules here read
    it (no personal data: ``changes`` names fields, the values are the move's)."""

    entry_id: int
    kind: str  # NoticeKind
    status: str  # NoticeStatus
    created_at: datetime
    reference: str = ""  # the organisation's reference of the notice, once delivered
    changes: tuple[str, ...] = ()
    request_key: str = ""  # the mover's request it came from


# move ids → {entry id: [its notices, oldest first]}
NoticeSource = Callable[[list[int]], dict[int, list[NoticeView]]]
_source: NoticeSource | None = None


def register_notice_source(source: NoticeSource) -> None:
    """Where the notices come from (called once, by the app that keeps them, in its ``ready()``)."""
    global _source
    if _source is not None and _source is not source:
        raise ImproperlyConfigured("a second source of withdrawal and correction notices was registered")
    _source = source


def notices_by_procedure(move_ids: Iterable[int]) -> dict[int, list[NoticeView]]:
    """The notices of these moves by entry id, oldest first (one query)."""
    ids = list(move_ids)
    if _source is None or not ids:
        return {}
    return _source(ids)


def with_notices(entries: list) -> list:
    """``entries`` (procedures of moves), each with its notices as ``entry.notices`` (one query
    for those that have none yet)."""
    missing = [entry for entry in entries if getattr(entry, "notices", None) is None]
    if missing:
        found = notices_by_procedure({entry.move_id for entry in missing})
        for entry in missing:
            entry.notices = found.get(entry.pk, [])
    return entries


def notices_of(entry) -> list[NoticeView]:
    """The notices of one procedure: those ``with_notices`` attached, else read now."""
    found = getattr(entry, "notices", None)
    if found is None:
        found = with_notices([entry])[0].notices
    return found


def request_known(move, request_key: str) -> bool:
    """Whether this request of the mover (a form's key) was already acted on."""
    return any(n.request_key == request_key for found in notices_by_procedure([move.pk]).values() for n in found)


def live_withdrawal(notices: list[NoticeView]) -> bool:
    """A withdrawal on its way or delivered: the procedure counts as withdrawn."""
    return any(
        n.kind == NoticeKind.WITHDRAWAL and n.status in (*NoticeStatus.unfinished(), NoticeStatus.DELIVERED)
        for n in notices
    )


# The organisation's answers after which the mover can no longer change an application here
# (``why_not_changeable``): it is being processed, or it is done with.
ANSWERED_TOO_FAR = (AnswerStatus.PROCESSING, AnswerStatus.DONE, AnswerStatus.REFUSED)


def why_not_changeable(entry) -> str:
    """Why this procedure can no longer be withdrawn or corrected here ("" when it can)."""
    move = entry.move
    if move.status != MoveStatus.SUBMITTED or move.erased_at is not None:
        return _("This move can no longer be changed.")
    notices = notices_of(entry)
    if entry.status == ProcedureStatus.WITHDRAWN or _withdrawal_pending_or_sent(notices):
        return _("This procedure is withdrawn.")
    if entry.filed_at is not None:
        return _("You filed this at the counter: ask the office there to change or withdraw it.")
    if entry.status == ProcedureStatus.HANDLED:
        return _("Our staff dealt with this application another way: contact the organisation to change it.")
    if any(n.status == NoticeStatus.REFUSED for n in notices):
        return _("The organisation has already processed this application: contact them to change it.")
    if entry.answer_status == AnswerStatus.PROCESSING:
        return _("The organisation is processing this application: contact them to change it.")
    if entry.answer_status in ANSWERED_TOO_FAR:  # done with (完了, 受付不可)
        return _("The organisation has already processed this application: contact them to change it.")
    return ""


def _withdrawal_pending_or_sent(notices: list[NoticeView]) -> bool:
    return any(
        n.kind == NoticeKind.WITHDRAWAL and n.status not in (NoticeStatus.REFUSED, NoticeStatus.FAILED) for n in notices
    )


def changeable(entries) -> list:
    return [e for e in entries if not why_not_changeable(e)]
