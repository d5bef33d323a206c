"""An organisation's answer (処理状況) and the mover's correction (訂正) of the same procedure at the
same moment (PostgreSQL: two writers at once; SQLite runs one writer at a time)."""

from datetime import date, timedelta
import threading

from django.db import connection
from django.db.models.signals import post_save
import pytest

from hikkoshi.delivery import services as delivery
from hikkoshi.delivery.models import Delivery
from hikkoshi.moves import lifecycle
from hikkoshi.moves.answers import answer_record
from hikkoshi.moves.constants import AnswerStatus, ProcedureStatus
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.tests.writers import at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def water(sapporo, mover):
    """A move's delivered 水道 (使用開始) procedure, and the start day a correction moves it to."""
    move = move_submit(owner=mover, payload=sapporo_relocation())
    entry = next(e for e in MoveProcedure.objects.filter(move=move) if e.definition["slug"] == "sapporo-water-start")
    delivery._set(Delivery.objects.get(entry=entry), status=ProcedureStatus.DELIVERED)
    return entry, (date.fromisoformat(entry.values["start_date"]) + timedelta(days=1)).isoformat()


def _correction_meets_answer(entry, new_start, status, *, pause) -> dict:
    """The mover's correction of ``entry``'s start day (and phone) in one thread; the
    organisation's answer ``status`` in another, once the correction reaches ``pause`` (given a
    callable that marks the moment: ``pause(reached)``). What each returned or raised."""
    reached, answered, outcome = threading.Event(), threading.Event(), {}

    def correct():
        outcome["correcting"] = threading.get_ident()
        try:
            outcome["corrected"] = lifecycle.move_correct(
                move=Move.objects.get(pk=entry.move_id),
                user=None,
                request_key="fix",
                values={entry.pk: {**entry.values, "start_date": new_start}},
                contact={"phone": "090-9999-0000"},
            )
        except Exception as exc:  # noqa: BLE001 (what went wrong is the test's answer)
            outcome["correction failed"] = repr(exc)
        finally:
            reached.set()

    def answer():
        reached.wait(10)
        try:
            outcome["answered"] = answer_record(entry_id=entry.pk, status=status, message="", key="org-1", source="web")
        except Exception as exc:  # noqa: BLE001
            outcome["answer failed"] = repr(exc)
        finally:
            answered.set()

    def here():
        # In the correction's thread, once: the answer comes now; the correction goes on when it
        # is done, or after three seconds (an answer waiting for the correction never is).
        if threading.get_ident() == outcome.get("correcting") and not reached.is_set():
            reached.set()
            answered.wait(3.0)

    with pause(here):
        at_once(correct, answer)
    assert "correction failed" not in outcome and "answer failed" not in outcome, outcome
    return outcome


class _AfterTheMoveIsLocked:
    """Pause once the correction holds the move (its contact saved), before it changes anything else."""

    def __init__(self, here):
        self.here = here

    def __enter__(self):
        post_save.connect(self._saved, sender=Move, dispatch_uid="test-pause")

    def __exit__(self, *exc):
        post_save.disconnect(dispatch_uid="test-pause", sender=Move)

    def _saved(self, sender, instance, **kwargs):
        self.here()


class _AfterTheCheck:
    """Pause once the correction found the procedure changeable, before it writes it."""

    def __init__(self, here):
        self.here, self.original = here, lifecycle.why_not_changeable

    def __enter__(self):
        def checked(entry):
            why = self.original(entry)
            self.here()
            return why

        lifecycle.why_not_changeable = checked

    def __exit__(self, *exc):
        lifecycle.why_not_changeable = self.original


def test_an_answer_while_the_mover_corrects_the_same_procedure_deadlocks_nothing(water):
    """A correction takes the move's lock, then changes the procedure; an answer took the
    procedure's lock and then the move's as well: each waited for the other, and PostgreSQL
    aborted one (the mover's correction, or the organisation's answer). The answer locks only
    the procedure now: both are recorded."""
    entry, new_start = water
    outcome = _correction_meets_answer(entry, new_start, AnswerStatus.RECEIVED, pause=_AfterTheMoveIsLocked)
    assert entry.pk in [e.pk for e in outcome["corrected"]]
    assert outcome["answered"].created
    entry.refresh_from_db()
    assert (entry.values["start_date"], entry.answer_status) == (new_start, AnswerStatus.RECEIVED)


def test_a_correction_does_not_change_what_the_organisation_began_processing_meanwhile(water):
    """The correction found the procedure changeable; before it wrote it, the organisation's answer
    処理中 committed (it needs the procedure's lock alone): the start day stays as the organisation
    has it, and the correction does not count it as corrected (no notice goes)."""
    entry, new_start = water
    before = entry.values["start_date"]
    outcome = _correction_meets_answer(entry, new_start, AnswerStatus.PROCESSING, pause=_AfterTheCheck)
    assert outcome["answered"].created
    assert entry.pk not in [e.pk for e in outcome["corrected"]]
    entry.refresh_from_db()
    assert (entry.values["start_date"], entry.answer_status) == (before, AnswerStatus.PROCESSING)
