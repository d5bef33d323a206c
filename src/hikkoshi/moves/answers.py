"""The organisations' answers about the applications they received (処理状況).

After its delivery, an application's life goes on at the organisation: received (受付) →
processing (処理中) → done (完了), or action needed (不備あり) or refused (受付不可)
(``constants.AnswerStatus``, whose ``allowed`` is the order). Each answer is a
``ProcedureAnswer``; ``answer_record`` adds one, under the procedure's lock, refusing one that
goes backwards, and sends ``signals.procedure_status_changed`` in the same transaction (the
notifications hear it there); ``receipt_record`` is its short way for the web channel's receipt,
the first answer.

Answers come two ways:

- a web organisation's receiver signs each update (RFC 9421) and POSTs it to the portal; the
  delivery app, which knows the application's idempotency key and the organisation's keys,
  verifies it and calls ``answer_record`` (``hikkoshi.delivery.answers``);
- an organisation without a system (e-mail, fax) has, on its 申込書 or FAX送付状, the answer
  page's URL, the application's answer reference and its answer code (made with the move's
  submission, ``answer_codes_make``; read when sent, ``answer_code_for``); its staff type them
  on the page (``moves.views.answer``), which checks them (``answer_code_check``).

The code is derived from the reference with the portal's secret key (HMAC), so every copy of
the document printed for the same application (a resend) carries the same code; only its hash
is stored. It is valid for that application only, until its move's personal data is erased or
the move deleted (the ``AnswerCode`` row goes with it).
"""

from dataclasses import dataclass
from datetime import datetime
import hashlib
import hmac

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from hikkoshi import application_number

from .constants import AnswerStatus
from .models import AnswerCode, Move, MoveProcedure, ProcedureAnswer
from .signals import procedure_status_changed

MESSAGE_MAX = 2000  # characters of an organisation's message to the mover
CODE_ALPHABET = application_number.ALPHABET
CODE_LENGTH = 12  # 60 bits: with the page's rate limit, not guessable
_CODE_SALT = "hikkoshi.moves.answers.code"


class AnswerRefused(Exception):
    """An answer that cannot be recorded: ``code`` says why (``backwards``, ``final``,
    ``not_delivered``, ``message_required``, ``bad_status``, ``erased``)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class Recorded:
    answer: ProcedureAnswer
    created: bool  # False: the same update (its key) was recorded before


def answer_record(
    *,
    entry_id: int,
    status: str,
    message: str,
    key: str,
    source: str,
    key_id: str = "",
    at: datetime | None = None,
) -> Recorded:
    """Record an organisation's answer about a procedure (``MoveProcedure`` id ``entry_id``).

    The same ``key`` again answers with what was recorded (nothing changes). Refused
    (``AnswerRefused``, nothing changed) when the status is unknown, needs a message it lacks, or
    does not follow the latest answer (``AnswerStatus.allowed``). Sends
    ``procedure_status_changed`` with the old and new answer status inside the transaction."""
    message = (message or "").strip()
    if status not in AnswerStatus.values:
        raise AnswerRefused("bad_status", "unknown status")
    if status in AnswerStatus.needs_message() and not message:
        raise AnswerRefused("message_required", "this status needs a message to the mover")
    if len(message) > MESSAGE_MAX:
        raise AnswerRefused("message_too_long", f"at most {MESSAGE_MAX} characters")
    # No savepoint of its own inside the caller's transaction (a worker's, recording a receipt):
    # nothing is written before a refusal, which is raised once the block is left.
    refused: AnswerRefused | None = None
    with transaction.atomic(savepoint=False):
        # The procedure's row alone (OF self): its move's too would wait for a correction that
        # holds the move and then changes this procedure, while that correction waits for this.
        entry = MoveProcedure.objects.select_for_update(of=("self",)).select_related("move").get(pk=entry_id)
        # Erased (保存期間経過後の消去) — perhaps while this waited for the procedure's lock (the
        # erasure writes every procedure row): asked anew, the move joined above may be older. An
        # answer's message stored now would never be erased.
        erased = Move.objects.filter(pk=entry.move_id, erased_at__isnull=False).exists()
        earlier = None if erased else ProcedureAnswer.objects.filter(entry=entry, key=key).first()
        if earlier is not None:
            return Recorded(earlier, False)
        old = entry.answer_status
        if erased:
            refused = AnswerRefused("erased", "the application's data was erased")
        elif old in AnswerStatus.final():
            refused = AnswerRefused("final", "the application's answer is final already")
        elif not AnswerStatus.allowed(old, status):
            refused = AnswerRefused("backwards", f"{status} cannot follow {old}")
        else:
            now = at or timezone.now()
            try:
                with transaction.atomic():
                    answer = ProcedureAnswer.objects.create(
                        entry=entry, key=key, status=status, message=message, source=source, key_id=key_id, at=now
                    )
            except IntegrityError:  # the same update at the same moment: the lock makes this rare
                return Recorded(ProcedureAnswer.objects.get(entry=entry, key=key), False)
            MoveProcedure.objects.filter(pk=entry.pk).update(answer_status=status, answer_at=now)
            entry.answer_status, entry.answer_at = status, now
            procedure_status_changed.send(
                sender=MoveProcedure,
                procedure=entry,
                old_status=old,
                new_status=status,
                message=message,
            )
    if refused is not None:
        raise refused
    return Recorded(answer, True)


def receipt_record(*, entry: MoveProcedure, key: str, at: datetime, source: str) -> None:
    """A signed receipt as the procedure's answer received (受付), inside the caller's
    transaction (a worker's, that has just stored the delivery and read ``entry``
    for the announcement): what ``answer_record`` records, in two statements where it takes six.

    A receipt comes right after its delivery: as good as always the procedure's first answer.
    Then one ``UPDATE`` both takes the procedure's lock and checks that it has no answer yet, and
    the answer's row is added (a conflict with a row of the same key, which cannot exist while
    the procedure has no answer, would be ignored rather than abort the worker's transaction).
    Should the organisation have answered already, ``answer_record`` decides as for any answer
    (the same receipt again, or one that would go backwards, changes nothing)."""
    received = AnswerStatus.RECEIVED.value
    with transaction.atomic(savepoint=False):
        first = MoveProcedure.objects.filter(pk=entry.pk, answer_status="").update(answer_status=received, answer_at=at)
        if not first:
            try:
                answer_record(entry_id=entry.pk, status=received, message="", key=key, source=source, at=at)
            except AnswerRefused:  # the organisation's system answered further already
                pass
            return
        ProcedureAnswer.objects.bulk_create(
            [ProcedureAnswer(entry_id=entry.pk, key=key, status=received, message="", source=source, at=at)],
            ignore_conflicts=True,
        )
        entry.answer_status, entry.answer_at = received, at
        procedure_status_changed.send(
            sender=MoveProcedure, procedure=entry, old_status="", new_status=received, message=""
        )


# --- answer codes (e-mail and fax organisations) -------------------------------------------------


def _derive(reference: str) -> str:
    digest = salted_hmac(_CODE_SALT, reference, algorithm="sha256").digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _position in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def code_display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def answer_codes_make(entry_ids: list[int]) -> None:
    """The answer codes of these procedures, made in one statement (call in the submission's
    transaction, for the procedures sent by e-mail or fax), so that sending them only reads
    their code. A procedure that has one keeps it; a reference drawn twice (as good as never)
    leaves that procedure without one, and ``answer_code_for`` makes it on first use."""
    rows = []
    for entry_id in entry_ids:
        reference = application_number.generate()
        rows.append(AnswerCode(entry_id=entry_id, reference=reference, code_hash=_hash(_derive(reference))))
    if rows:
        AnswerCode.objects.bulk_create(rows, ignore_conflicts=True)


def answer_code_for(entry_id: int, *, known: AnswerCode | None = None) -> tuple[str, str]:
    """The answer reference and code (as printed, ``ABCD-EFGH-JKMN``) of a procedure: made at
    submission (``answer_codes_make``), else on first use. The same procedure always gets the
    same pair. ``known``: its row, when the caller read it with the procedure."""
    found = known or AnswerCode.objects.filter(entry_id=entry_id).first()
    if found is None:
        for _attempt in range(5):
            reference = application_number.generate()
            try:
                with transaction.atomic():
                    found = AnswerCode.objects.create(
                        entry_id=entry_id, reference=reference, code_hash=_hash(_derive(reference))
                    )
                break
            except IntegrityError:
                found = AnswerCode.objects.filter(entry_id=entry_id).first()
                if found is not None:
                    break
        if found is None:  # pragma: no cover - five references drawn twice in a row
            raise RuntimeError("no unused answer reference")
    code = _derive(found.reference)
    if not hmac.compare_digest(_hash(code), found.code_hash):
        # The portal's secret key changed since: the code printed before no longer matches
        # what is derived now; the one printed from now on is the one that counts.
        AnswerCode.objects.filter(pk=found.pk).update(code_hash=_hash(code))
    return found.reference, code_display(code)


def normalise_code(text: str) -> str:
    return application_number.compact(text)


def answer_code_check(reference: str, code: str) -> MoveProcedure | None:
    """The procedure whose answer reference and code these are, or None (either wrong, or the
    code of another application, or erased)."""
    shown = application_number.parse(reference)
    if shown is None:
        return None
    found = AnswerCode.objects.select_related("entry__move").filter(reference=shown).first()
    typed = normalise_code(code)
    if found is None or len(typed) != CODE_LENGTH or not hmac.compare_digest(_hash(typed), found.code_hash):
        return None
    if found.entry.move.erased_at is not None:
        return None
    return found.entry


def answers_erase(*, move_id: int) -> None:
    """Erasure (保存期間経過後の消去): the organisations' messages emptied, the answer codes
    deleted (no more answers by code). The statuses and times stay (no personal data)."""
    from hikkoshi.encryption.fields import update_rows

    update_rows(ProcedureAnswer.objects.filter(entry__move_id=move_id), message="")
    AnswerCode.objects.filter(entry__move_id=move_id).delete()


def timeline(entry: MoveProcedure, *, answers: list[ProcedureAnswer] | None = None) -> list[dict]:
    """What the mover sees of a procedure after submission, oldest first: sent (when its
    delivery reached the organisation), then each answer (status, label, time, message,
    source; the receipt's "received" with the organisation's reference)."""
    rows = answers if answers is not None else list(entry.answers.all())
    sent = (
        [
            {
                "status": "sent",
                "label": str(_("Sent to the organisation")),
                "at": entry.sent_at,
                "message": "",
                "source": "",
            }
        ]
        if entry.sent_at
        else []
    )
    return sent + [
        {
            "status": a.status,
            "label": str(AnswerStatus(a.status).label),
            "at": a.at,
            "message": a.message or "",
            "source": a.source,
            "reference": entry.reference if a.source == ProcedureAnswer.Source.RECEIPT else "",
        }
        for a in rows
    ]
