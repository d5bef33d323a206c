"""Erasure (消去) meeting an organisation's answer or a worker on the same move (PostgreSQL: two
writers at once; SQLite runs one writer at a time)."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone
import pytest

from hikkoshi.delivery.models import Delivery
from hikkoshi.moves.answers import answer_record
from hikkoshi.moves.constants import AnswerStatus
from hikkoshi.moves.models import Move, ProcedureAnswer
from hikkoshi.notifications.models import Notification
from hikkoshi.privacy.services import erase_expired
from hikkoshi.tests.writers import together

from .test_erasure import finish

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_an_answer_as_the_move_is_erased_deadlocks_nothing(keys, submitted):
    """An organisation answers 不備あり (its notification points at the move: PostgreSQL checks that
    at commit with FOR KEY SHARE on the move) while the erasure, holding the move, waits to scrub
    the procedure the answer holds. The erasure held the move FOR UPDATE, which FOR KEY SHARE
    waits for: each waited for the other and PostgreSQL aborted one. FOR NO KEY UPDATE now (the
    erasure changes the move's row, never its key): the answer commits, then the erasure runs and
    takes the answer's notification with the rest."""
    finish(submitted)
    web = Delivery.objects.filter(entry__move=submitted, channel="web").first()
    outcome = {}

    def answer():
        try:
            outcome["answered"] = answer_record(
                entry_id=web.entry_id,
                status=AnswerStatus.ACTION_NEEDED,
                message="印鑑が必要です",
                key="a1",
                source="web",
            )
        except Exception as exc:  # noqa: BLE001 (what went wrong is the test's answer)
            outcome["answer failed"] = repr(exc)

    def erase():
        try:
            outcome["erased"] = erase_expired(now=timezone.now() + timedelta(days=3650))
        except Exception as exc:  # noqa: BLE001
            outcome["erasure failed"] = repr(exc)

    together(answer, erase)
    assert "answer failed" not in outcome and "erasure failed" not in outcome, outcome
    assert outcome["erased"] == 1 and outcome["answered"].created
    assert Move.objects.get(pk=submitted.pk).erased_at is not None
    assert not Notification.objects.filter(move=submitted).exists()
    assert ProcedureAnswer.objects.get(entry_id=web.entry_id).message == ""  # erased after it


def test_an_answer_waiting_for_the_erasure_is_refused_and_stores_nothing(keys, submitted):
    """The erasure first: it holds every procedure of the move until it commits; the answer waits
    for its procedure, then finds the move erased (asked anew: the move it joined before the
    wait is older) and stores nothing — its message would never be erased."""
    from hikkoshi.moves.answers import AnswerRefused

    finish(submitted)
    web = Delivery.objects.filter(entry__move=submitted, channel="web").first()
    outcome = {}

    def erase():
        outcome["erased"] = erase_expired(now=timezone.now() + timedelta(days=3650))

    def answer():
        try:
            answer_record(
                entry_id=web.entry_id,
                status=AnswerStatus.ACTION_NEEDED,
                message="印鑑が必要です",
                key="a1",
                source="web",
            )
        except AnswerRefused as refused:
            outcome["refused"] = refused.code

    together(erase, answer)
    assert outcome == {"erased": 1, "refused": "erased"}
    assert not ProcedureAnswer.objects.filter(entry_id=web.entry_id).exists()
    assert not Notification.objects.filter(move=submitted).exists()
