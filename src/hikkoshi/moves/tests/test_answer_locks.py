"""An organisation's answer (処理状況) and the mover's correction (訂正) of the same procedure at the
same moment (PostgreSQL: two writers at once; SQLite runs one writer at a time)."""

from datetime import date, timedelta
import threading

from django.db import connection, connections
from django.db.models.signals import post_save
import pytest

from hikkoshi.delivery import services as delivery
from hikkoshi.delivery.models import Delivery
from hikkoshi.moves.answers import answer_record
from hikkoshi.moves.constants import AnswerStatus, ProcedureStatus
from hikkoshi.moves.lifecycle import move_correct
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_an_answer_while_the_mover_corrects_the_same_procedure_deadlocks_nothing(sapporo, mover):
    """A correction takes the move's lock, then changes the procedure; an answer took the
    procedure's lock and then the move's as well: each waited for the other, and PostgreSQL
    aborted one (the mover's correction, or the organisation's answer). The answer locks only
    the procedure now: both are recorded."""
    move = move_submit(owner=mover, payload=sapporo_relocation())
    entry = next(e for e in MoveProcedure.objects.filter(move=move) if e.definition["slug"] == "sapporo-water-start")
    delivery._set(Delivery.objects.get(entry=entry), status=ProcedureStatus.DELIVERED)
    new_start = (date.fromisoformat(entry.values["start_date"]) + timedelta(days=1)).isoformat()
    holding, outcome = threading.Event(), {}

    def pause_holding_the_move(sender, instance, **kwargs):
        # In the correction's transaction, after it locked the move (its contact saved) and
        # before it changes the procedure: the answer comes now.
        if threading.get_ident() == outcome.get("correcting"):
            holding.set()
            threading.Event().wait(1.0)

    def correct():
        outcome["correcting"] = threading.get_ident()
        try:
            outcome["corrected"] = move_correct(
                move=Move.objects.get(pk=move.pk),
                user=None,
                request_key="fix",
                values={entry.pk: {**entry.values, "start_date": new_start}},
                contact={"phone": "090-9999-0000"},
            )
        except Exception as exc:  # noqa: BLE001 (what went wrong is the test's answer)
            outcome["correction failed"] = repr(exc)
        finally:
            holding.set()
            connections.close_all()

    def answer():
        holding.wait(10)
        try:
            outcome["answered"] = answer_record(
                entry_id=entry.pk, status=AnswerStatus.RECEIVED, message="", key="org-1", source="web"
            )
        except Exception as exc:  # noqa: BLE001
            outcome["answer failed"] = repr(exc)
        finally:
            connections.close_all()

    post_save.connect(pause_holding_the_move, sender=Move, dispatch_uid="test-pause")
    try:
        threads = [threading.Thread(target=correct, daemon=True), threading.Thread(target=answer, daemon=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        post_save.disconnect(dispatch_uid="test-pause", sender=Move)
    assert "correction failed" not in outcome and "answer failed" not in outcome, outcome
    assert entry.pk in [e.pk for e in outcome["corrected"]]
    assert outcome["answered"].created
    entry.refresh_from_db()
    assert (entry.values["start_date"], entry.answer_status) == (new_start, AnswerStatus.RECEIVED)
