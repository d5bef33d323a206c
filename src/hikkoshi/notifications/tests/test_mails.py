"""Each kind of mail through a real SMTP conversation (aiosmtpd on 127.0.0.1), once each."""

from datetime import date, timedelta

from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from hikkoshi.delivery import services as delivery
from hikkoshi.delivery.models import Delivery
from hikkoshi.moves.answers import answer_record
from hikkoshi.moves.constants import AnswerStatus, ProcedureStatus
from hikkoshi.moves.lifecycle import move_withdraw, moves_delete
from hikkoshi.moves.models import MoveProcedure, ProcedureAnswer
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.notifications import dates, services
from hikkoshi.notifications.models import Kind, Notification, Preference, Status
from hikkoshi.notifications.views import inbox_rows

from .conftest import Recorder


def _submit(mover):
    return move_submit(owner=mover, payload=sapporo_relocation())


def _one(move, kind):
    return Notification.objects.get(move=move, kind=kind)


def _text(msg):
    return msg.get_body(("plain",)).get_content()


def _html(msg):
    return msg.get_body(("html",)).get_content()


def test_confirmation_arrives_once_with_each_procedure_and_no_personal_data(sapporo, mover, smtp_server):
    handler = Recorder()
    smtp_server(handler)
    move = _submit(mover)
    note = _one(move, Kind.CONFIRMATION)
    assert services.send(note.pk) == "sent"
    assert services.send(note.pk) == "not due"  # a second task for it (the sweeper's) sends nothing
    [msg] = handler.messages()
    assert msg["To"] == "mover@example.jp"
    assert msg["Subject"] == f"【受付完了】引越しの申請を受け付けました（申請番号 {move.number}）"
    text, html = _text(msg), _html(msg)
    for body in (text, html):
        assert "水道" in body and "窓口" in body  # each procedure and its channel
        assert str(move.public_id) in body  # the link to the move
        assert "札幌 太郎" not in body and "大通西" not in body and "090-1234" not in body
    assert msg["Message-ID"] == services.message_id(note)
    note.refresh_from_db()
    assert note.status == Status.SENT and note.sent_at and note.data_at


def test_confirmation_in_english_when_the_mover_chose_it(sapporo, mover, smtp_server):
    handler = Recorder()
    smtp_server(handler)
    Preference.objects.create(user=mover, language="en")
    move = _submit(mover)
    services.send(_one(move, Kind.CONFIRMATION).pk)
    [msg] = handler.messages()
    assert "We received your move" in msg["Subject"]


def test_easy_japanese_can_be_chosen_for_the_mails(sapporo, mover, smtp_server):
    """やさしい日本語 (ja-x-easy) is one of the languages a mover can choose, and the mail is
    written in it (moves/tests/test_easy_japanese.py checks its body and procedure names)."""
    handler = Recorder()
    smtp_server(handler)
    preference = Preference(user=mover, language="ja-x-easy")
    preference.full_clean()
    preference.save()
    move = _submit(mover)
    services.send(_one(move, Kind.CONFIRMATION).pk)
    [msg] = handler.messages()
    assert "We received your move" not in msg["Subject"]
    assert str(move.number) in msg["Subject"] and "受（う）け付（つ）けました" in msg["Subject"]


def test_a_delivery_failed_for_good_mails_the_mover(sapporo, mover, smtp_server, settings):
    handler = Recorder()
    smtp_server(handler)
    settings.HIKKOSHI_DELIVERY = {**settings.HIKKOSHI_DELIVERY, "max_age": 0}  # no retry: final at once
    move = _submit(mover)
    web = Delivery.objects.filter(entry__move=move, channel="web").first()
    web.entry.version.procedure.channel_settings = {"endpoint": "http://127.0.0.1:9/nothing"}
    web.entry.version.procedure.save()
    assert delivery.deliver(web.pk).startswith("failed")
    note = Notification.objects.get(move=move, kind=Kind.ACTION)
    assert note.procedure_id == web.entry_id and note.topic == ProcedureStatus.FAILED
    assert services.send(note.pk) == "sent"
    [msg] = handler.messages()
    assert msg["Subject"] == f"【要対応】対応が必要な申請があります（申請番号 {move.number}）"
    assert "について対応が必要です" in _text(msg)


def test_an_organisation_asking_for_something_mails_its_words(sapporo, mover, smtp_server):
    handler = Recorder()
    smtp_server(handler)
    move = _submit(mover)
    entry = MoveProcedure.objects.filter(move=move, status=ProcedureStatus.QUEUED).first()
    # The organisation's answers as the answers (処理状況) record them: the same answer twice
    # (its own key) is one mail; a second 不備あり after 処理中 is another.
    for status, key in (
        (AnswerStatus.RECEIVED, "a1"),
        (AnswerStatus.ACTION_NEEDED, "a2"),
        (AnswerStatus.ACTION_NEEDED, "a2"),
        (AnswerStatus.PROCESSING, "a3"),
        (AnswerStatus.ACTION_NEEDED, "a4"),
    ):
        answer_record(
            entry_id=entry.pk,
            status=status,
            message="住民票の写しをお送りください" if status == AnswerStatus.ACTION_NEEDED else "",
            key=key,
            source=ProcedureAnswer.Source.WEB,
        )
    notes = list(Notification.objects.filter(move=move, kind=Kind.ACTION))
    assert len(notes) == 2 and len({n.key for n in notes}) == 2
    services.send(notes[0].pk)
    [msg] = handler.messages()
    assert "住民票の写しをお送りください" in _text(msg) and "住民票の写しをお送りください" in _html(msg)


def test_summary_once_every_procedure_is_final(sapporo, mover, smtp_server):
    """Delivered is not an end (the organisation has still to process it): the summary waits
    for each organisation's final answer (完了 / 受付不可), and says it in words."""
    handler = Recorder()
    smtp_server(handler)
    move = _submit(mover)
    deliveries = list(Delivery.objects.filter(entry__move=move, channel="web"))
    for d in deliveries:
        delivery._set(d, status=ProcedureStatus.DELIVERED)
    assert not Notification.objects.filter(move=move, kind=Kind.SUMMARY).exists()
    sent = [d.entry_id for d in deliveries]
    for n, entry_id in enumerate(sent[:-1]):
        answer_record(entry_id=entry_id, status=AnswerStatus.DONE, message="", key=f"d{n}", source="web")
    assert not Notification.objects.filter(move=move, kind=Kind.SUMMARY).exists()
    for _ in range(2):  # the same answer told twice (its key): still one summary
        answer_record(
            entry_id=sent[-1], status=AnswerStatus.REFUSED, message="契約番号が違います", key="last", source="web"
        )
    note = _one(move, Kind.SUMMARY)
    assert services.send(note.pk) == "sent"
    [msg] = handler.messages()
    text = _text(msg)
    assert text.count("■") == 7
    with translation.override("ja"):
        assert str(AnswerStatus.DONE.label) in text and str(AnswerStatus.REFUSED.label) in text
    assert "refused" not in text and "done" not in text


def test_withdrawing_the_last_open_procedure_brings_the_summary(sapporo, mover, smtp_server):
    """The others answered (完了), one delivered and one not yet sent are withdrawn (取下げ): then
    everything is settled, and the summary comes (once)."""
    handler = Recorder()
    smtp_server(handler)
    move = _submit(mover)
    *answered, delivered, queued = list(Delivery.objects.filter(entry__move=move, channel="web"))
    for d in [*answered, delivered]:
        delivery._set(d, status=ProcedureStatus.DELIVERED)
    for n, d in enumerate(answered):
        answer_record(entry_id=d.entry_id, status=AnswerStatus.DONE, message="", key=f"d{n}", source="web")
    assert not Notification.objects.filter(move=move, kind=Kind.SUMMARY).exists()
    entries = list(MoveProcedure.objects.filter(pk__in=[delivered.entry_id, queued.entry_id]).select_related("move"))
    made = move_withdraw(move=move, entries=entries, user=mover, request_key="withdraw-1")
    assert len(made) == 2
    assert MoveProcedure.objects.get(pk=queued.entry_id).status == ProcedureStatus.WITHDRAWN
    note = _one(move, Kind.SUMMARY)
    assert services.send(note.pk) == "sent"
    [msg] = handler.messages()
    assert "取下げ済み" in _text(msg)  # the one withdrawn before it was sent, in words


def test_a_procedure_withdrawn_while_on_its_way_brings_the_summary_once_delivered(sapporo, mover):
    """Every other procedure withdrawn before it was sent (as if never applied for), the last
    withdrawn while it was being sent: its withdrawal waits for the application. Nothing was
    sent yet, so no summary; once it is delivered (and its withdrawal on its way) it counts as
    withdrawn, and the summary comes — the one case a delivery settles a move."""
    move = _submit(mover)
    *others, flying = list(Delivery.objects.filter(entry__move=move).exclude(status=ProcedureStatus.IN_PERSON))
    Delivery.objects.filter(pk=flying.pk).update(status=ProcedureStatus.SENDING, claim="c1")
    entries = list(MoveProcedure.objects.filter(move=move).exclude(status=ProcedureStatus.IN_PERSON))
    assert len(move_withdraw(move=move, entries=entries, user=mover, request_key="withdraw-all")) == len(entries)
    assert {d.status for d in Delivery.objects.filter(pk__in=[d.pk for d in others])} == {ProcedureStatus.WITHDRAWN}
    assert not Notification.objects.filter(move=move, kind=Kind.SUMMARY).exists()
    assert delivery._set(flying, owned_by="c1", status=ProcedureStatus.DELIVERED)
    _one(move, Kind.SUMMARY)


def test_a_withdrawal_sent_again_by_staff_brings_the_summary(sapporo, mover):
    """A delivered procedure withdrawn (取下げ) while another was still open; its notice failed,
    so it counted as delivered again when the other was answered (no summary). Staff send the
    notice again: it counts as withdrawn, every procedure has ended, and the summary comes."""
    from hikkoshi.delivery.models import Notice
    from hikkoshi.delivery.notices import resend_notice

    move = _submit(mover)
    *answered, other, last = list(Delivery.objects.filter(entry__move=move, channel="web"))
    for d in [*answered, other, last]:
        delivery._set(d, status=ProcedureStatus.DELIVERED)
    for n, d in enumerate(answered):
        answer_record(entry_id=d.entry_id, status=AnswerStatus.DONE, message="", key=f"d{n}", source="web")
    entry = MoveProcedure.objects.select_related("move").get(pk=last.entry_id)
    [notice] = move_withdraw(move=move, entries=[entry], user=mover, request_key="withdraw-last")
    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.FAILED, next_attempt_at=None)
    answer_record(entry_id=other.entry_id, status=AnswerStatus.DONE, message="", key="other", source="web")
    assert not Notification.objects.filter(move=move, kind=Kind.SUMMARY).exists()
    assert resend_notice(Notice.objects.get(pk=notice.pk), user=None, reason="宛先を直しました")
    _one(move, Kind.SUMMARY)


def test_a_withdrawal_closed_because_staff_handled_its_application_brings_the_summary(sapporo, mover):
    """The only procedure sent was withdrawn while on its way, and staff then dealt with its
    application another way (手動対応済み): its withdrawal is not sent but closed, the procedure
    counts as handled — ended — and the summary comes."""
    from hikkoshi.delivery.models import Notice
    from hikkoshi.delivery.notices import send_notice
    from hikkoshi.delivery.services import mark_handled

    move = _submit(mover)
    flying = Delivery.objects.filter(entry__move=move).exclude(status=ProcedureStatus.IN_PERSON).last()
    Delivery.objects.filter(pk=flying.pk).update(status=ProcedureStatus.SENDING, claim="c1")
    entries = list(MoveProcedure.objects.filter(move=move).exclude(status=ProcedureStatus.IN_PERSON))
    move_withdraw(move=move, entries=entries, user=mover, request_key="withdraw-all")
    assert mark_handled(Delivery.objects.get(pk=flying.pk), user=None, reason="電話で受付済み")
    assert not Notification.objects.filter(move=move, kind=Kind.SUMMARY).exists()
    notice = Notice.objects.get(delivery=flying)
    assert send_notice(notice.pk, now=timezone.now() + timedelta(hours=1)) == "failed: application_handled"
    _one(move, Kind.SUMMARY)


def test_an_erased_move_gets_no_summary_when_staff_close_what_is_left(sapporo, mover):
    """After the retention time the move's data and notifications are gone (消去): staff closing
    its last failed delivery make no お知らせ again."""
    from hikkoshi.delivery.services import mark_handled
    from hikkoshi.moves.models import Move

    move = _submit(mover)
    *answered, stuck = list(Delivery.objects.filter(entry__move=move, channel="web"))
    for n, d in enumerate(answered):
        delivery._set(d, status=ProcedureStatus.DELIVERED)
        answer_record(entry_id=d.entry_id, status=AnswerStatus.DONE, message="", key=f"d{n}", source="web")
    Delivery.objects.filter(pk=stuck.pk).update(status=ProcedureStatus.RETRYING)
    Move.objects.filter(pk=move.pk).update(erased_at=timezone.now())
    Notification.objects.filter(move=move).delete()
    assert mark_handled(Delivery.objects.get(pk=stuck.pk), user=None, reason="電話で受付済み")
    assert not Notification.objects.filter(move=move).exists()


def test_a_failed_withdrawal_of_an_erased_move_is_not_sent_again(sapporo, mover):
    """Its body went with the move's data: there is nothing to send (as for an application)."""
    from hikkoshi.delivery.models import Notice
    from hikkoshi.delivery.notices import resend_notice
    from hikkoshi.moves.models import Move

    move = _submit(mover)
    sent = Delivery.objects.filter(entry__move=move, channel="web").first()
    delivery._set(sent, status=ProcedureStatus.DELIVERED)
    entry = MoveProcedure.objects.select_related("move").get(pk=sent.entry_id)
    [notice] = move_withdraw(move=move, entries=[entry], user=mover, request_key="withdraw-one")
    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.FAILED, next_attempt_at=None)
    Move.objects.filter(pk=move.pk).update(erased_at=timezone.now())
    assert not resend_notice(Notice.objects.get(pk=notice.pk), user=None, reason="宛先を直しました")
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.FAILED


def test_staff_closing_the_last_open_delivery_brings_the_summary(sapporo, mover):
    """The others answered (完了); the last could not be sent and staff dealt with it another way
    (手動対応済み, handled): everything the portal sent has ended, and the summary comes."""
    from hikkoshi.delivery.services import mark_handled

    move = _submit(mover)
    *answered, stuck = list(Delivery.objects.filter(entry__move=move, channel="web"))
    for n, d in enumerate(answered):
        delivery._set(d, status=ProcedureStatus.DELIVERED)
        answer_record(entry_id=d.entry_id, status=AnswerStatus.DONE, message="", key=f"d{n}", source="web")
    Delivery.objects.filter(pk=stuck.pk).update(status=ProcedureStatus.RETRYING)
    assert not Notification.objects.filter(move=move, kind=Kind.SUMMARY).exists()
    assert mark_handled(stuck, user=None, reason="電話で受付済み")
    _one(move, Kind.SUMMARY)


def test_an_answer_is_named_in_words_in_the_mail(sapporo, mover, smtp_server):
    handler = Recorder()
    smtp_server(handler)
    move = _submit(mover)
    entry = MoveProcedure.objects.filter(move=move, status=ProcedureStatus.QUEUED).first()
    answer_record(entry_id=entry.pk, status=AnswerStatus.REFUSED, message="対象外の住所です", key="r", source="web")
    services.send(_one(move, Kind.ACTION).pk)
    [msg] = handler.messages()
    with translation.override("ja"):
        assert str(AnswerStatus.REFUSED.label) in _text(msg)
    assert "refused" not in _text(msg)


def test_reminders_wait_for_their_day_on_the_schedulers_clock(
    sapporo, mover, smtp_server, django_capture_on_commit_callbacks
):
    handler = Recorder()
    smtp_server(handler)
    with django_capture_on_commit_callbacks(execute=True):
        move = _submit(mover)
    day = _one(move, Kind.MOVING_DAY)
    assert day.due_at == services.reminder_at(move.move_date, services.DEFAULT_LEAD_DAYS)
    task = DBTaskResult.objects.get(pk=day.task_id)
    assert task.run_after == day.due_at  # stored with the task: it survives the workers' restarts
    assert services.send(day.pk) == "not due"  # today is weeks before
    assert handler.messages() == []
    assert services.send(day.pk, now=day.due_at) == "sent"  # the clock at its day
    assert services.send(day.pk, now=day.due_at + timedelta(hours=1)) == "not due"
    [msg] = handler.messages()
    assert msg["Subject"].startswith("【リマインド】引越し日は ")
    assert "行き先: " in _text(msg) and "ご自身で窓口へ" in _text(msg)  # where to go, for the 転入届


def test_a_submissions_notifications_are_stored_together_each_with_its_task(
    sapporo, mover, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        move = _submit(mover)
    made = list(Notification.objects.filter(move=move))
    assert sorted(n.kind for n in made) == sorted([Kind.CONFIRMATION, Kind.DEADLINE, Kind.MOVING_DAY])
    for notification in made:  # each queued for its own day, its task noted for the sweeper
        assert DBTaskResult.objects.get(pk=notification.task_id).run_after == notification.due_at
    # Told again (the same keys): nothing new, no task.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        services.on_submitted(move, list(move.procedures.all()))
    assert Notification.objects.filter(move=move).count() == 3 and queued == []


def test_one_notification_that_cannot_be_queued_leaves_the_others_queued(
    sapporo, mover, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """All of a submission's notifications are queued in one commit hook: the first failing
    (the task table away for a moment) must not leave the others without their tasks."""
    from hikkoshi.delivery import tasks

    real, notified = tasks.queue, []

    def first_fails(job, *args, **kwargs):
        if job is services.notify_task:
            notified.append(args)
            if len(notified) == 1:
                raise RuntimeError("the task table is away")
        return real(job, *args, **kwargs)

    monkeypatch.setattr(tasks, "queue", first_fails)
    with django_capture_on_commit_callbacks(execute=True):
        move = _submit(mover)
    made = Notification.objects.filter(move=move).order_by("pk")
    assert len(notified) == 3
    assert [bool(n.task_id) for n in made] == [False, True, True]
    assert "task_enqueue_failed" in caplog.text


def test_a_key_stored_meanwhile_leaves_one_row_and_the_others_stored(
    sapporo, mover, django_capture_on_commit_callbacks
):
    """Two of one batch with the same key (as when another transaction stored it between the
    look-up and the insert): the batch's insert fails in its savepoint, and they are stored one
    by one — one row for that key, the other notification too, the sender's transaction intact."""
    from django.db import connection

    assert connection.features.can_return_rows_from_bulk_insert  # the batch's path, not one by one
    move = _submit(mover)
    Notification.objects.filter(move=move).delete()
    a = services._new(move, Kind.CONFIRMATION, "test:twice")
    b = services._new(move, Kind.CONFIRMATION, "test:twice")
    c = services._new(move, Kind.SUMMARY, "test:other")
    with django_capture_on_commit_callbacks(execute=True):
        made = services._add_all([a, b, c])
    assert [n.key for n in made] == ["test:twice", "test:other"]
    assert sorted(Notification.objects.filter(move=move).values_list("key", flat=True)) == ["test:other", "test:twice"]
    assert all(n.task_id for n in Notification.objects.filter(move=move))


def test_a_deadline_reminder_is_cancelled_once_the_procedure_is_filed(sapporo, mover, smtp_server):
    handler = Recorder()
    smtp_server(handler)
    move = _submit(mover)
    note = _one(move, Kind.DEADLINE)
    entry = note.procedure
    assert note.topic == dates.next_open_day(entry.deadline_to).isoformat()
    MoveProcedure.objects.filter(pk=entry.pk).update(filed_at=timezone.now())
    assert services.send(note.pk, now=note.due_at) == "cancelled"
    assert handler.messages() == []


def test_a_deadline_on_a_holiday_moves_to_the_next_open_day():
    assert dates.next_open_day(date(2027, 5, 1)) == date(2027, 5, 6)  # Sat, Sun, 憲法記念日, みどりの日, こどもの日
    assert dates.next_open_day(date(2026, 11, 3)) == date(2026, 11, 4)  # 文化の日 (a Tuesday)
    assert dates.next_open_day(date(2026, 12, 29)) == date(2027, 1, 4)  # 年末年始 閉庁日
    assert dates.next_open_day(date(2027, 3, 22)) == date(2027, 3, 23)  # 振替休日 for 春分の日
    assert dates.next_open_day(date(2027, 5, 7)) == date(2027, 5, 7)  # an open Friday stays


def test_the_deadline_reminder_counts_from_the_next_open_day(sapporo, mover):
    move = _submit(mover)
    note = _one(move, Kind.DEADLINE)
    MoveProcedure.objects.filter(pk=note.procedure_id).update(deadline_to=date(2027, 5, 1))
    entry = MoveProcedure.objects.get(pk=note.procedure_id)
    assert services.deadline_of(entry) == date(2027, 5, 6)


def test_deleting_the_move_cancels_its_mails(sapporo, mover, smtp_server):
    handler = Recorder()
    smtp_server(handler)
    move = _submit(mover)
    ids = list(Notification.objects.filter(move=move).values_list("pk", flat=True))
    assert ids
    moves_delete(move_ids=[move.pk])
    assert not Notification.objects.filter(pk__in=ids).exists()
    assert all(services.send(pk, now=timezone.now() + timedelta(days=60)) == "not due" for pk in ids)
    assert handler.messages() == []


def test_a_turned_off_kind_stays_in_the_inbox_but_is_not_mailed(sapporo, mover, smtp_server, client):
    handler = Recorder()
    smtp_server(handler)
    Preference.objects.create(user=mover, confirmation=False)
    move = _submit(mover)
    note = _one(move, Kind.CONFIRMATION)
    assert services.send(note.pk) == "skipped"
    assert handler.messages() == []
    client.force_login(mover)
    page = client.get("/notifications/").content.decode()
    assert move.number in page and "1" in page


def test_opening_a_notification_marks_it_read_and_the_header_count_drops(sapporo, mover, client):
    move = _submit(mover)
    confirmation = _one(move, Kind.CONFIRMATION)
    client.force_login(mover)
    unread = len([n for n in inbox_rows(mover.pk) if n.read_at is None])
    assert unread >= 1
    inbox = client.get("/notifications/").content.decode()
    assert f'href="/notifications/{confirmation.pk}/"' in inbox
    assert f"未読 {unread} 件" in client.get("/").content.decode()

    opened = client.get(f"/notifications/{confirmation.pk}/")
    assert opened.status_code == 200 and move.number in opened.content.decode()
    confirmation.refresh_from_db()
    assert confirmation.read_at is not None
    header = client.get("/").content.decode()
    assert f"未読 {unread - 1} 件" in header if unread > 1 else 'id="unread-notifications"' not in header
    # Someone else's notification is not theirs to open (nor to mark).
    other = type(mover).objects.create_user(username="other@example.jp", email="other@example.jp", password="x")
    client.force_login(other)
    assert client.get(f"/notifications/{confirmation.pk}/").status_code == 404


def test_smtp_4xx_is_retried_with_the_delivery_policy_and_sent_once(sapporo, mover, smtp_server):
    handler = Recorder(replies=["451 4.3.0 try later"])
    smtp_server(handler)
    move = _submit(mover)
    note = _one(move, Kind.CONFIRMATION)
    assert services.send(note.pk) == "retry: smtp_451"
    note.refresh_from_db()
    assert note.status == Status.RETRYING and note.due_at > timezone.now()
    assert services.send(note.pk, now=note.due_at) == "sent"
    assert len(handler.messages()) == 1


def test_a_5xx_fails_for_staff_to_see(sapporo, mover, smtp_server, admin_client):
    handler = Recorder(rcpt_reply="550 5.1.1 no such user")
    smtp_server(handler)
    move = _submit(mover)
    note = _one(move, Kind.CONFIRMATION)
    assert services.send(note.pk) == "failed: smtp_550"
    page = admin_client.get("/admin/notifications/notification/?status=failed").content.decode()
    assert "smtp_550" in page


def test_the_account_settings_are_saved_and_bad_input_named(client, mover):
    client.force_login(mover)
    bad = client.post("/notifications/settings/", {"confirmation": "on", "lead_days": "40", "language": "en"})
    assert bad.status_code == 400 and "1" in bad.content.decode()
    ok = client.post("/notifications/settings/", {"reminders": "on", "lead_days": "5", "language": "en"})
    assert ok.status_code == 302
    preference = Preference.objects.get(user=mover)
    assert preference.lead_days == 5 and not preference.confirmation and preference.reminders
    assert "/notifications/settings/" in client.get("/accounts/").content.decode()


def test_erasure_removes_the_notifications(sapporo, mover):
    from hikkoshi.notifications.services import notifications_erase

    move = _submit(mover)
    assert Notification.objects.filter(move=move).exists()
    notifications_erase(move_id=move.pk)
    assert not Notification.objects.filter(move=move).exists()


def test_a_new_lead_time_moves_the_open_reminders(sapporo, mover, client, django_capture_on_commit_callbacks):
    move = _submit(mover)
    day = _one(move, Kind.MOVING_DAY)
    client.force_login(mover)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/notifications/settings/", {"reminders": "on", "lead_days": "7", "language": ""})
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.due_at == services.reminder_at(move.move_date, 7)
    assert DBTaskResult.objects.get(pk=day.task_id).run_after == day.due_at


def test_a_customers_mails_go_to_the_address_they_gave_else_to_whoever_entered_it(sapporo, world, smtp_server):
    from hikkoshi.assisted.models import AssistedMove
    from hikkoshi.moves.models import Move

    handler = Recorder()
    smtp_server(handler)
    move = move_submit(owner=world.staff, payload=sapporo_relocation())
    AssistedMove.objects.create(
        move=move, kind="agency", agency=world.agency, store=world.store, entered_by=world.staff
    )
    move = Move.objects.get(pk=move.pk)
    assert services.recipient(move) == "taro@example.jp"  # the customer's own address
    customer = Notification.objects.create(move=move, kind=Kind.SUMMARY, key="test:customer", due_at=timezone.now())
    assert services.send(customer.pk) == "sent"
    [to_customer] = handler.messages()
    assert to_customer["To"] == "taro@example.jp"
    assert str(move.public_id) not in _text(to_customer)  # no account: the portal's top page, not the move
    handler.envelopes.clear()
    applicant = dict(move.applicant)
    applicant.pop("email")
    stored = Move.objects.get(pk=move.pk)
    stored.applicant = applicant
    stored.save()
    assert services.recipient(Move.objects.get(pk=move.pk)) == world.staff.email  # the agency's staff
    note = _one(move, Kind.CONFIRMATION)
    assert services.send(note.pk) == "sent"
    [msg] = handler.messages()
    assert msg["To"] == world.staff.email
    assert f"/agency/moves/{move.public_id}/" in _text(msg)  # the move under the agency's pages
    assert not inbox_rows(world.staff.pk).exists()  # not the staff member's own お知らせ


def test_my_data_holds_the_notifications_and_their_settings(sapporo, mover, client):
    move = _submit(mover)
    Preference.objects.create(user=mover, lead_days=4, summary=False)
    client.force_login(mover)
    data = client.get("/accounts/data/").json()["notifications"]
    assert data["settings"]["lead_days"] == 4 and data["settings"]["summary"] is False
    [confirmation] = data["messages"]  # the reminders are not due yet
    assert confirmation["move"] == str(move.public_id) and confirmation["kind"] == "confirmation"
    assert move.number in confirmation["subject"]


def test_a_wrong_lead_time_is_shown_in_the_error_summary_and_a_save_said_once(mover, client):
    """Issue 12: −1 days gave a field error without the error summary at the top that every other
    form shows; a saved change was also said twice (the page repeated the header's banner)."""
    client.force_login(mover)
    response = client.post("/notifications/settings/", {"reminders": "on", "lead_days": "-1", "language": ""})
    page = response.content.decode()
    assert response.status_code == 400
    summary = page[page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))]
    assert 'href="#id_lead_days"' in summary and "14" in summary  # the range, named with the field
    assert page.index('class="error-summary"') < page.index('id="id_lead_days_error"')  # at the top
    response = client.post(
        "/notifications/settings/", {"reminders": "on", "lead_days": "5", "language": ""}, follow=True
    )
    page = response.content.decode()
    assert page.count('<li class="message success">') == 1 and 'class="notice"' not in page
