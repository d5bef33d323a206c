"""A submitted move's rows change only through ``moves.lifecycle``, and moves hands what happens on
through its signals (``moves.signals``) without knowing who receives them."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone, translation
import pytest

from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.moves import notices as move_notices
from hikkoshi.moves.constants import NoticeKind, NoticeStatus, ProcedureStatus
from hikkoshi.moves.lifecycle import draft_delete_stale, move_correct, move_erase, moves_delete
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.moves.services import move_draft_create, move_submit
from hikkoshi.moves.signals import move_corrected, move_submitted, moves_deleting

from .conftest import sapporo_relocation


def test_a_submitted_move_is_handed_on_inside_its_transaction_with_its_procedures(sapporo, mover):
    heard = []

    def receiver(sender, move, procedures, **kwargs):
        heard.append((transaction.get_connection().in_atomic_block, move.pk, [e.status for e in procedures]))

    move_submitted.connect(receiver, dispatch_uid="test-heard")
    try:
        move = move_submit(owner=mover, payload=sapporo_relocation())
    finally:
        move_submitted.disconnect(dispatch_uid="test-heard")
    [(in_transaction, move_id, statuses)] = heard
    assert in_transaction and move_id == move.pk
    assert statuses == list(move.procedures.order_by("position").values_list("status", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_fails_undoes_the_submission(sapporo, mover):
    def refuse(sender, **kwargs):
        raise RuntimeError("the outbox is full")

    move_submitted.connect(refuse, dispatch_uid="test-refuse")
    try:
        with pytest.raises(RuntimeError):
            move_submit(owner=mover, payload=sapporo_relocation())
    finally:
        move_submitted.disconnect(dispatch_uid="test-refuse")
    assert not Move.objects.exists() and not MoveProcedure.objects.exists()


def test_the_erase_service_empties_the_personal_data_and_keeps_the_rest(sapporo, mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    now = timezone.now()
    move_erase(move_id=move.pk, now=now)
    erased = Move.objects.get(pk=move.pk)
    assert (
        erased.applicant,
        erased.members,
        erased.household,
        erased.old_address,
        erased.new_address,
        erased.draft,
    ) == ({}, [], {}, {}, {}, {})
    assert erased.erased_at == now and erased.status == move.status and erased.number == move.number
    assert erased.kinds == move.kinds and erased.move_date == move.move_date
    entries = list(MoveProcedure.objects.filter(move=move))
    assert len(entries) == 7 and all(e.values == {} for e in entries)
    assert all(e.status in ProcedureStatus.values and e.version_id for e in entries)


def test_deleting_moves_tells_the_apps_above_first_in_the_same_transaction(sapporo, mover):
    moves = [move_submit(owner=mover, payload=sapporo_relocation()) for _ in range(2)]
    heard = []

    def receiver(sender, move_ids, **kwargs):
        heard.append(
            (
                sorted(move_ids),
                Move.objects.filter(pk__in=move_ids).count(),
                transaction.get_connection().in_atomic_block,
            )
        )

    moves_deleting.connect(receiver, dispatch_uid="test-deleting")
    try:
        assert moves_delete(move_ids=[m.pk for m in moves]) == 2
    finally:
        moves_deleting.disconnect(dispatch_uid="test-deleting")
    assert heard == [(sorted(m.pk for m in moves), 2, True)]  # before the rows went
    assert not Move.objects.exists() and not MoveProcedure.objects.exists()
    assert moves_delete(move_ids=[]) == 0


def test_a_stale_draft_is_deleted_only_while_it_is_one(sapporo, mover):
    draft = move_draft_create(owner=mover)
    later = timezone.now() + timedelta(days=1)
    assert not draft_delete_stale(move_id=draft.pk, untouched_before=timezone.now() - timedelta(days=1))
    submitted = move_submit(owner=mover, payload=sapporo_relocation())
    assert not draft_delete_stale(move_id=submitted.pk, untouched_before=later)
    assert draft_delete_stale(move_id=draft.pk, untouched_before=later)
    assert not Move.objects.filter(pk=draft.pk).exists() and Move.objects.filter(pk=submitted.pk).exists()


def test_a_correction_changes_only_what_changed_and_says_so(sapporo, mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = move.procedures.get(version__procedure__slug="sapporo-water-start")
    heard = []

    def receiver(sender, move, changes, **kwargs):
        heard.append({entry.definition["slug"]: paths for entry, paths in changes})

    move_corrected.connect(receiver, dispatch_uid="test-corrected")
    try:
        same = move_correct(
            move=move,
            user=mover,
            request_key="k" * 20,
            values={water.pk: dict(water.values)},
            contact={"phone": move.applicant["phone"]},
        )
        corrected = move_correct(
            move=move, user=mover, request_key="l" * 20, values={water.pk: {**water.values, "start_date": "2030-01-02"}}
        )
    finally:
        move_corrected.disconnect(dispatch_uid="test-corrected")
    assert same == [] and [e.pk for e in corrected] == [water.pk]
    assert heard == [{"sapporo-water-start": ["fields.start_date"]}]  # nothing heard for no change
    assert MoveProcedure.objects.get(pk=water.pk).values["start_date"] == "2030-01-02"


def test_moves_reads_notices_only_from_the_one_registered_source(sapporo, mover, monkeypatch):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = move.procedures.get(version__procedure__slug="sapporo-water-start")
    monkeypatch.setattr(move_notices, "_source", None)
    assert move_notices.notices_by_procedure([move.pk]) == {}  # no app keeps notices: none, and no error
    refused = move_notices.NoticeView(
        entry_id=water.pk,
        kind=NoticeKind.CORRECTION,
        status=NoticeStatus.REFUSED,
        created_at=timezone.now(),
        request_key="r" * 20,
    )

    def source(move_ids):
        return {water.pk: [refused]} if move.pk in move_ids else {}

    move_notices.register_notice_source(source)
    move_notices.register_notice_source(source)  # the same again (a second ready()) is fine
    with pytest.raises(ImproperlyConfigured):
        move_notices.register_notice_source(lambda move_ids: {})
    water.move = move
    with translation.override("en"):
        assert "already processed" in move_notices.why_not_changeable(water)
    assert move_notices.request_known(move, "r" * 20) and not move_notices.request_known(move, "s" * 20)
