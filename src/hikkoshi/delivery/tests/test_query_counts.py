"""Issue 14: what the workers do per delivery, in queries — the answer codes made at submission
(one statement) and only read when sent, a status change on a move not yet settled, the
receipt's answer and a mail to the mover. Each bound was missed before its change."""

from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hikkoshi.delivery import services
from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.tests.test_email_channel import Recorder, smtp_server  # noqa: F401
from hikkoshi.moves.answers import answer_code_for, answer_record
from hikkoshi.moves.constants import AnswerStatus, ProcedureStatus
from hikkoshi.moves.models import AnswerCode, ProcedureAnswer
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import moving_day, sapporo_relocation
from hikkoshi.notifications import services as notifications
from hikkoshi.notifications.models import Kind, Notification


def _writes_to(queries: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT") and f'"{table}"' in q["sql"]]


def _submit(mover):
    """A move with web, e-mail (固定資産税) and fax (新聞) procedures, as in the bench."""
    from hikkoshi.catalogue.models import Procedure

    newspaper = Procedure.objects.get(slug="hokkaido-shimbun-subscription")
    newspaper.channel_settings = {"fax_number": "011-210-5555"}
    newspaper.save()
    tax = Procedure.objects.get(slug="sapporo-property-tax")
    tax.channel_settings = {"to": "shisanzei@city.example.jp"}
    tax.save()
    payload = sapporo_relocation()
    payload["procedures"] += [
        {"id": "hokkaido-shimbun-subscription", "fields": {"start_date": moving_day().isoformat()}},
        {"id": "sapporo-property-tax", "fields": {"property_location": "札幌市北区北24条西6丁目"}},
    ]
    return move_submit(owner=mover, payload=payload)


def test_the_answer_codes_are_made_at_submission_in_one_statement_and_read_when_sent(sapporo, mover):
    with CaptureQueriesContext(connection) as submitting:
        move = _submit(mover)
    coded = Delivery.objects.filter(entry__move=move, channel__in=["email", "fax"])
    assert sorted(coded.values_list("channel", flat=True)) == ["email", "fax"]
    assert len(_writes_to(submitting, "moves_answercode")) == 1
    assert set(AnswerCode.objects.filter(entry__move=move).values_list("entry_id", flat=True)) == set(
        coded.values_list("entry_id", flat=True)
    )  # the web and window procedures have none
    for delivery in coded:
        stored = AnswerCode.objects.get(entry_id=delivery.entry_id)
        with CaptureQueriesContext(connection) as sending:
            outgoing = services.build_outgoing(delivery)
        assert not _writes_to(sending, "moves_answercode")
        assert outgoing.answer is not None and outgoing.answer.reference == stored.reference
        assert answer_code_for(delivery.entry_id) == (stored.reference, outgoing.answer.code)


def test_an_application_is_built_from_one_read_with_its_answer_code(sapporo, mover):
    """The procedure with its move, version, procedure, organisation and (e-mail and fax) answer
    code in one query (it was the move, then its procedure by a prefetch; the answer code a
    second query)."""
    move = _submit(mover)
    for delivery in Delivery.objects.filter(entry__move=move).exclude(status=ProcedureStatus.IN_PERSON):
        with CaptureQueriesContext(connection) as building:
            outgoing = services.build_outgoing(delivery)
        assert len(building) == 1, [q["sql"][:80] for q in building.captured_queries]
        assert (outgoing.answer is not None) == (delivery.channel in services.ANSWER_CODE_CHANNELS)
        assert [p.slug for p in outgoing.record.procedures] == [outgoing.procedure]


def test_a_move_submitted_before_the_codes_were_made_at_submission_gets_one_when_sent(sapporo, mover):
    move = _submit(mover)
    delivery = Delivery.objects.get(entry__move=move, channel="fax")
    AnswerCode.objects.filter(entry_id=delivery.entry_id).delete()
    outgoing = services.build_outgoing(delivery)
    assert outgoing.answer is not None
    assert AnswerCode.objects.get(entry_id=delivery.entry_id).reference == outgoing.answer.reference


def test_a_delivered_status_change_costs_at_most_three_queries(sapporo, mover):
    """Delivered: the delivery, the procedure read (with whether a withdrawal of it was asked
    for) and written — no query for the summary: a delivery without a withdrawal cannot settle
    the move (it used to ask, and before that to read every procedure and its notices). No
    reminders to cancel: a procedure the portal sends never had one."""
    move = _submit(mover)
    first = Delivery.objects.filter(entry__move=move, channel="web").first()
    with CaptureQueriesContext(connection) as changing:
        assert services._set(first, status=ProcedureStatus.DELIVERED)
    assert len(changing) <= 3, [q["sql"][:80] for q in changing.captured_queries]
    assert not Notification.objects.filter(move=move, kind=Kind.SUMMARY).exists()


def test_the_receipts_answer_in_the_workers_transaction_costs_at_most_seven_queries(sapporo, mover):
    """The procedure locked, whether its move was erased meanwhile (asked anew under the lock), the
    same key looked for, the answer (in its savepoint, two) and the procedure written. No
    savepoint of its own in the worker's transaction, and no query for the summary: an answer
    that is not final cannot settle the move."""
    move = _submit(mover)
    first = Delivery.objects.filter(entry__move=move, channel="web").first()
    services._set(first, status=ProcedureStatus.DELIVERED)
    with transaction.atomic(), CaptureQueriesContext(connection) as answering:
        recorded = answer_record(
            entry_id=first.entry_id,
            status=AnswerStatus.RECEIVED,
            message="",
            key=f"receipt:{first.idempotency_key}",
            source=ProcedureAnswer.Source.RECEIPT,
        )
    assert recorded.created
    assert len(answering) <= 7, [q["sql"][:80] for q in answering.captured_queries]
    assert not Notification.objects.filter(move=move, kind=Kind.SUMMARY).exists()


def test_a_web_delivery_with_its_signed_receipt_is_recorded_in_six_statements(sapporo, mover):
    """The delivery and its procedure written, the procedure read for the announcement (not its
    move: neither a delivery's announcement nor a receipt's needs it, and a receiver that does
    reads it then), the attempt's event, and the receipt's answer in two: one UPDATE that takes the
    procedure's lock as it finds it without an answer, and the answer's row. The answer took six
    before (the procedure locked and read again with its move, the same key looked for, the row in
    a savepoint of its own, the procedure written). The savepoint is the test's transaction's:
    in the worker's, ``_succeeded`` opens the transaction."""
    move = _submit(mover)
    first = Delivery.objects.filter(entry__move=move, channel="web").first()
    Delivery.objects.filter(pk=first.pk).update(status=ProcedureStatus.SENDING, claim="c")
    outcome = services.Outcome(reference="SW-9", receipt={"signature": "sig=:x:", "body": {}})
    with CaptureQueriesContext(connection) as recording:
        services._succeeded(first, "c", outcome, "sapporo-waterworks")
    statements = [q["sql"] for q in recording.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) <= 6, [sql[:90] for sql in statements]
    assert not [sql for sql in statements if '"moves_move"' in sql], "the move was read"
    answer = ProcedureAnswer.objects.get(entry_id=first.entry_id)
    assert (answer.key, answer.status, answer.source) == (f"receipt:{first.idempotency_key}", "received", "receipt")
    assert answer.message == ""  # sealed for its row (entry, key) as create() seals it: it opens
    entry = first.entry
    entry.refresh_from_db()
    assert (entry.status, entry.reference, entry.answer_status) == ("delivered", "SW-9", "received")


def test_a_mail_to_the_mover_costs_at_most_eight_queries(sapporo, mover, smtp_server):
    """The claim (three, with its savepoint), the notification with its move, owner, settings
    and assisted row in one, the bounce check, the procedures for the text, DATA marked, sent."""
    handler = Recorder()
    smtp_server(handler)
    move = _submit(mover)
    note = Notification.objects.get(move=move, kind=Kind.CONFIRMATION)
    with CaptureQueriesContext(connection) as sending:
        assert notifications.send(note.pk) == "sent"
    assert len(sending) <= 8, [q["sql"][:80] for q in sending.captured_queries]
    assert len(handler.messages()) == 1


def test_an_attempt_is_claimed_and_read_in_one_statement(sapporo, mover, monkeypatch):
    """A delivery is claimed ("sending" under a new claim, its attempt counted) and read as claimed
    by one UPDATE … RETURNING, before its application is built: an update and a read in a
    transaction before. A delivery not due is not claimed."""
    move = _submit(mover)
    first = Delivery.objects.filter(entry__move=move, channel="web").first()
    seen = {}

    class Built(Exception):
        pass

    def build_outgoing(delivery):
        seen["queries"] = [q["sql"] for q in claiming.captured_queries]
        seen["delivery"] = delivery
        raise Built

    monkeypatch.setattr(services, "build_outgoing", build_outgoing)
    with CaptureQueriesContext(connection) as claiming:
        services.deliver(first.pk)
    assert len(seen["queries"]) == 1 and seen["queries"][0].startswith("UPDATE"), seen["queries"]
    claimed = seen["delivery"]
    assert (claimed.status, claimed.attempts, len(claimed.claim)) == ("sending", 1, 32)
    assert Delivery.objects.get(pk=first.pk).attempts == 1  # counted once, in the database too
    assert claimed.sending_since is not None and claimed.entry_id == first.entry_id
    # Now failed (Built is a defect: retried later), it is not due again at once.
    Delivery.objects.filter(pk=first.pk).update(
        status=ProcedureStatus.RETRYING, next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    assert services.deliver(first.pk) == "not due"
