"""A move after it is submitted: the only code that changes its rows from then on.

moves owns ``Move`` and ``MoveProcedure``; the apps above it change them only through these
services, and hear what happens to a move through ``moves.signals``:

- ``procedure_status_record`` — a procedure's status and the organisation's reference as its
  delivery moves on (called by the delivery app, inside its own short transactions);
- ``move_withdraw`` / ``move_correct`` — the mover's withdrawal (取下げ) and correction (訂正);
  the organisations are told by the receivers of ``move_withdrawn`` / ``move_corrected``;
- ``move_erase`` — the personal data emptied after the retention time (保存期間経過後の消去;
  ``hikkoshi.privacy`` decides when and calls each app's erase service);
- ``moves_delete`` — deleted by the owner or with the owner's account (``moves_deleting`` first);
  ``draft_delete_stale`` — a draft entered for a customer and left untouched.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from hikkoshi.catalogue.constants import CommonItem
from hikkoshi.catalogue.models import shared_items
from hikkoshi.encryption.fields import bound, update_rows

from .answers import answers_erase
from .constants import MoveStatus, ProcedureStatus
from .models import Move, MoveProcedure
from .notices import ANSWERED_TOO_FAR, why_not_changeable, with_notices
from .signals import move_corrected, move_erased, move_withdrawn, moves_deleting

CONTACT_FIELDS = ("phone", "email")
# The common item (``Procedure.shares``) each contact field of a correction belongs to.
CONTACT_ITEMS = {"applicant.phone": CommonItem.APPLICANT_PHONE, "applicant.email": CommonItem.APPLICANT_EMAIL}


def procedure_status_record(*, procedure_id: int, status: str, reference: str = "") -> None:
    """A procedure's status (``ProcedureStatus``) as its delivery moved on, with the organisation's
    reference (受付番号) once it gave one. Call inside the transaction that changes the delivery,
    so both change together."""
    fields: dict = {"status": ProcedureStatus(status)}
    if reference:
        fields["reference"] = reference
    if status == ProcedureStatus.DELIVERED:  # the timeline's "sent" (the first time only)
        fields["sent_at"] = Coalesce(F("sent_at"), Value(timezone.now()))
    MoveProcedure.objects.filter(pk=procedure_id).update(**fields)


def move_withdraw(*, move: Move, entries: list[MoveProcedure], user, request_key: str) -> list:
    """取下げ of these procedures of ``move`` (all of them: the whole move); those that can no
    longer be changed are left out. Returns what the receivers of ``move_withdrawn`` made of it
    (the delivery app: a notice per procedure) — empty when nothing was withdrawn."""
    for entry in entries:
        entry.move = move
    open_ = [e for e in with_notices(entries) if not why_not_changeable(e)]
    if not open_:
        return []
    answers = move_withdrawn.send(sender=Move, move=move, procedures=open_, user=user, request_key=request_key)
    return [made for _receiver, answer in answers for made in (answer or [])]


def move_correct(
    *, move: Move, user, request_key: str, values: dict[int, dict] | None = None, contact: dict | None = None
) -> list[MoveProcedure]:
    """訂正: new own fields of some procedures (``values``: entry id → the whole cleaned values)
    and/or new contact data (``contact``: phone, email), in one transaction under the move's lock.
    Only what really changed counts, and only for the procedures that can still be changed; a
    contact field only for an organisation that receives it (``Procedure.shares``). The
    receivers of ``move_corrected`` hear it in the same transaction. Returns the procedures
    corrected."""
    values = values or {}
    corrected: list[tuple[MoveProcedure, list[str]]] = []
    with transaction.atomic():
        # FOR NO KEY UPDATE: corrections of the move wait for each other, but not a worker that
        # adds a row pointing at the move (a notification, at its commit PostgreSQL checks the
        # foreign key with FOR KEY SHARE) while this correction waits for that worker's delivery.
        locked = Move.objects.select_for_update(no_key=True).get(pk=move.pk)
        contact_changes = []
        if contact:
            applicant = dict(locked.applicant)
            for name in CONTACT_FIELDS:
                if name in contact and (applicant.get(name) or "") != (contact[name] or ""):
                    applicant[name] = contact[name]
                    contact_changes.append(f"applicant.{name}")
            if contact_changes:
                locked.applicant = applicant
                locked.save(update_fields=["applicant", "updated_at"])
        procedures = with_notices(list(locked.procedures.select_related("version")))
        for entry in procedures:
            entry.move = locked
            if why_not_changeable(entry):
                continue
            shares = set(shared_items(entry.definition))
            changes = [path for path in contact_changes if CONTACT_ITEMS[path] in shares]
            new = values.get(entry.pk)
            if new is not None:
                changed = sorted(k for k in set(new) | set(entry.values) if new.get(k) != entry.values.get(k))
                if changed:
                    # Unless the organisation's answer has gone too far since the check above: an
                    # answer holds the procedure's row until it commits, and the UPDATE reads the
                    # row anew once it may have it (an organisation's answer locks the procedure
                    # alone, not the move this correction holds).
                    stored = (
                        MoveProcedure.objects.filter(pk=entry.pk)
                        .exclude(answer_status__in=ANSWERED_TOO_FAR)
                        .update(values=bound(entry, "values", new))
                    )
                    if not stored:
                        continue
                    entry.values = new
                    changes += [f"fields.{name}" for name in changed]
            if changes:
                corrected.append((entry, changes))
        if corrected:
            move_corrected.send(sender=Move, move=locked, changes=corrected, user=user, request_key=request_key)
    return [entry for entry, _changes in corrected]


def move_erase(*, move_id: int, now: datetime) -> None:
    """Empty the personal data of a move (``hikkoshi.privacy`` calls it, under the move's lock,
    once the retention time has passed): applicant, members, household (世帯主), both addresses
    and the draft, each procedure's own values; ``erased_at`` says when. What stays: the move
    (owner, public id, status, kinds, moving day, dates) and its procedures (version, kinds,
    status, period, reference, office, the organisations' answer statuses without their
    messages; the answer codes are deleted)."""
    # Each row's empty values sealed for that row (``encryption.fields``).
    update_rows(
        Move.objects.filter(pk=move_id),
        applicant={},
        members=[],
        household={},
        old_address={},
        new_address={},
        draft={},
        erased_at=now,
        updated_at=now,
    )
    update_rows(MoveProcedure.objects.filter(move_id=move_id), values={})
    # The organisations' messages (処理状況) emptied, their answer codes deleted.
    answers_erase(move_id=move_id)
    # What the apps above keep of the move (the survey's comment), in the same transaction.
    move_erased.send(sender=Move, move_id=move_id)


def moves_delete(*, move_ids) -> int:
    """Delete these moves, their procedures and what other apps keep of them (their rows go by
    the database's cascade; what they keep elsewhere they remove on ``moves_deleting``, sent
    first, in the same transaction). The number of moves deleted."""
    ids = list(move_ids)
    if not ids:
        return 0
    with transaction.atomic():
        moves_deleting.send(sender=Move, move_ids=ids)
        _total, deleted = Move.objects.filter(pk__in=ids).delete()
    return deleted.get(Move._meta.label, 0)


def draft_delete_stale(*, move_id: int, untouched_before: datetime) -> bool:
    """Delete a draft untouched since ``untouched_before``; False when it was touched, submitted
    or deleted meanwhile. (A draft was never sent: nothing of it is kept outside the database.)"""
    stale = Move.objects.filter(pk=move_id, status=MoveStatus.DRAFT, updated_at__lt=untouched_before)
    return bool(stale.delete()[0])
