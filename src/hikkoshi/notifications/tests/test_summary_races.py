"""The summary (すべての手続きの結果) when the move's last procedures end at the same moment in
two workers: each worker asks inside its own transaction, where the other's change is not yet
seen (PostgreSQL, READ COMMITTED; SQLite runs one writer at a time)."""

from django.db import connection
import pytest

from hikkoshi.delivery import services as delivery
from hikkoshi.delivery.models import Delivery
from hikkoshi.moves.answers import answer_record
from hikkoshi.moves.constants import AnswerStatus, ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.notifications.models import Kind, Notification
from hikkoshi.tests.writers import together

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _two_left(mover):
    """A move whose web procedures but the last two were answered 完了."""
    move = move_submit(owner=mover, payload=sapporo_relocation())
    *answered, first, second = list(Delivery.objects.filter(entry__move=move, channel="web").order_by("pk"))
    for n, d in enumerate(answered):
        delivery._set(d, status=ProcedureStatus.DELIVERED)
        answer_record(entry_id=d.entry_id, status=AnswerStatus.DONE, message="", key=f"d{n}", source="web")
    return move, first, second


def test_the_last_two_procedures_failing_at_once_bring_the_summary_once(sapporo, mover):
    """Each worker saw the other's procedure still open, and the summary never came; the one that
    commits last asks again after its commit, and sees both."""
    move, first, second = _two_left(mover)
    together(
        lambda: delivery._set(first, status=ProcedureStatus.FAILED),
        lambda: delivery._set(second, status=ProcedureStatus.FAILED),
    )
    assert Notification.objects.filter(move=move, kind=Kind.SUMMARY).count() == 1


def test_a_failure_and_the_last_final_answer_at_once_bring_the_summary_once(sapporo, mover):
    """One delivery fails for good while the organisation of the other answers 完了."""
    move, first, second = _two_left(mover)
    delivery._set(second, status=ProcedureStatus.DELIVERED)
    together(
        lambda: delivery._set(first, status=ProcedureStatus.FAILED),
        lambda: answer_record(entry_id=second.entry_id, status=AnswerStatus.DONE, message="", key="last", source="web"),
    )
    assert Notification.objects.filter(move=move, kind=Kind.SUMMARY).count() == 1


def test_a_correction_while_a_delivery_fails_for_good_deadlocks_nothing(sapporo, mover):
    """A correction takes the move's lock, then its deliveries'; a worker its delivery's, then asks
    for the summary. Neither waits for the other in a circle (PostgreSQL would abort one)."""
    from hikkoshi.moves.lifecycle import move_correct
    from hikkoshi.moves.models import Move

    move, first, _second = _two_left(mover)
    outcome = {}

    def correct():
        outcome["corrected"] = move_correct(
            move=Move.objects.get(pk=move.pk), user=None, request_key="fix-phone", contact={"phone": "090-9999-0000"}
        )

    together(lambda: delivery._set(first, status=ProcedureStatus.FAILED), correct)
    assert "corrected" in outcome
    assert Delivery.objects.get(pk=first.pk).status == ProcedureStatus.FAILED
