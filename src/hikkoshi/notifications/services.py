"""Making notifications, and mailing each exactly once.

- ``on_submitted`` / ``on_status_changed`` — in the transaction of what happened
  (``receivers``): a ``Notification`` per event, its ``key`` unique (the same event twice is
  one row); its task handed to the workers once that transaction commits, a reminder's task
  with ``run_after`` = the day it is due.
- ``send(id)`` — what a worker runs: claim the row (one statement), build the mail (in the
  mover's language), speak SMTP (``delivery.smtp``, the portal's own server) with no
  transaction open, record the outcome under the claim. The Message-ID comes from the key.
  Just before DATA the row is marked (``data_at``): a worker lost before that point sent
  nothing and the row is queued again (``sweep``); one lost after it may have sent the mail,
  so it is never sent again by itself — it is failed, "outcome unknown", for staff to see in
  the admin. Failures are retried with the delivery policy (``delivery.policy``).
- ``notifications_erase`` — for the erasure after the retention time (``hikkoshi.privacy``).
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
import hashlib
import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone, translation

from hikkoshi.delivery import policy, smtp
from hikkoshi.delivery.channels.base import DeliveryError
from hikkoshi.delivery.tasks import queue_each, queue_row
from hikkoshi.moves.constants import AnswerStatus, ProcedureStatus
from hikkoshi.moves.models import Move, MoveProcedure

from . import bounces, dates
from .models import OPEN, Kind, Notification, Preference, Status
from .tasks import notify_task

logger = logging.getLogger(__name__)

# The statuses that need the mover: failed for good, and the organisations' answers 不備あり
# (something missing) and 受付不可 (refused) (処理状況, ``moves.answers``).
ACTION_STATUSES = frozenset(
    {ProcedureStatus.FAILED.value, AnswerStatus.ACTION_NEEDED.value, AnswerStatus.REFUSED.value}
)
# A reminder is mailed at this local time of its day.
REMINDER_TIME = time(9, 0)
DEFAULT_LEAD_DAYS = 3
EARLY_SLACK = timedelta(seconds=1)


def _preference(user_id: int | None) -> Preference | None:
    return Preference.objects.filter(user_id=user_id).first() if user_id else None


def lead_days(move: Move) -> int:
    preference = _preference(move.owner_id)
    return preference.lead_days if preference else DEFAULT_LEAD_DAYS


def reminder_at(day: date, lead: int) -> datetime:
    """Nine in the morning (local), ``lead`` days before ``day``."""
    return timezone.make_aware(datetime.combine(day - timedelta(days=lead), REMINDER_TIME))


def deadline_of(entry: MoveProcedure) -> date | None:
    """The last day of a procedure's period, moved to the office's next open day (民法 Art. 142)."""
    return dates.next_open_day(entry.deadline_to) if entry.deadline_to else None


def _add(move: Move, kind: str, key: str, *, due_at: datetime | None = None, **fields: object) -> Notification | None:
    """A notification, unless its key is known already; its task once this transaction commits."""
    made = _add_all([_new(move, kind, key, due_at=due_at, **fields)])
    return made[0] if made else None


def _new(move: Move, kind: str, key: str, *, due_at: datetime | None = None, **fields: object) -> Notification:
    return Notification(
        move=move,
        kind=kind,
        key=key,
        due_at=due_at or timezone.now(),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        **fields,
    )


def _add_all(wanted: list[Notification]) -> list[Notification]:
    """The notifications whose keys are not known yet, stored in one statement, and their tasks
    queued once this transaction commits."""
    known = set(Notification.objects.filter(key__in=[n.key for n in wanted]).values_list("key", flat=True))
    new = [n for n in wanted if n.key not in known]
    if not new:
        return []
    try:
        # In a savepoint: the same event told at once by two transactions makes one row, and
        # the loser's IntegrityError must not undo what its sender was storing.
        with transaction.atomic():
            Notification.objects.bulk_create(new)
    except IntegrityError:  # told meanwhile by another transaction
        if len(new) == 1:
            return []
        for notification in new:  # the others one by one
            notification.pk = None
        return [made for notification in new for made in _add_all([notification])]
    transaction.on_commit(
        lambda: queue_each(notify_task, new, run_after=lambda notification: notification.due_at), robust=True
    )
    return new


def enqueue(notification_id: int, *, run_after: datetime | None = None) -> None:
    queue_row(notify_task, Notification, notification_id, run_after=run_after)


def on_submitted(move: Move, procedures: list[MoveProcedure]) -> None:
    """受付完了 now; a reminder before each deadline of what the mover files themselves, and
    before the moving day. Stored together (``_add_all``)."""
    wanted = [_new(move, Kind.CONFIRMATION, f"move:{move.public_id}:confirmation")]
    now = timezone.now()
    lead = lead_days(move)
    for entry in procedures:
        if entry.status != ProcedureStatus.IN_PERSON:
            continue  # the portal sends it: nothing for the mover to remember
        deadline = deadline_of(entry)
        if deadline is None:
            continue
        due = reminder_at(deadline, lead)
        if due > now:
            wanted.append(
                _new(
                    move,
                    Kind.DEADLINE,
                    f"procedure:{entry.pk}:deadline:{deadline.isoformat()}",
                    due_at=due,
                    procedure=entry,
                    topic=deadline.isoformat(),
                )
            )
    if move.move_date:
        due = reminder_at(move.move_date, lead)
        if due > now:
            wanted.append(
                _new(
                    move,
                    Kind.MOVING_DAY,
                    f"move:{move.public_id}:moving-day:{move.move_date.isoformat()}",
                    due_at=due,
                    topic=move.move_date.isoformat(),
                )
            )
    _add_all(wanted)


def on_status_changed(procedure: MoveProcedure, new_status: str, message: str, *, withdrawing: bool = True) -> None:
    """A mail when the application needs the mover; the summary once every procedure is final.

    Asked after every delivery and every answer, so it asks the database only what the change
    can alter. No reminder to cancel: deadline reminders are made only for what the mover files
    at the counter (``on_submitted``), whose changes are never announced, and one no longer due
    (filed, withdrawn, no longer in person) is dropped when its day comes (``_no_longer_needed``).
    An answer that is not final (受付, 処理中, 不備あり) cannot settle the move: the procedure's
    status, its withdrawal and whether it was ever delivered stay as they were, and its answer was
    not final before either (nothing follows a final one), so ``settled`` says what it said.
    Nor can a delivery (送達) without a withdrawal (``withdrawing`` False): delivered is no end,
    so afterwards the procedure has ended only if its answer is final — and then it had before
    too; ``settled`` stays as it was or turns false. Only a procedure withdrawn while on its way,
    never delivered before, starts to count (as withdrawn) once it is delivered: the one case a
    delivery can settle its move. The move is read (``procedure.move``) only for a mail or the
    summary, in this transaction: a delivery's announcement, the most frequent, reads none."""
    if new_status in ACTION_STATUSES:
        earlier = Notification.objects.filter(procedure=procedure, kind=Kind.ACTION, topic=new_status).count()
        _add(
            procedure.move,
            Kind.ACTION,
            f"procedure:{procedure.pk}:{new_status}:{earlier + 1}",
            procedure=procedure,
            topic=new_status,
            details={"message": message} if message else {},
        )
    if new_status in AnswerStatus.values and new_status not in AnswerStatus.final():
        return
    if new_status == ProcedureStatus.DELIVERED and not withdrawing:
        return
    summary_if_settled(procedure.move)


def on_withdrawn(move: Move) -> None:
    """After a withdrawal (取下げ) of some of the move's procedures: the summary, when the last one
    still open was among them."""
    summary_if_settled(move)


def summary_if_settled(move: Move) -> None:
    """The summary (once: its key), when every procedure the portal sent has ended. A procedure
    with a withdrawal on its way to its organisation, or delivered to it, counts as withdrawn
    (as on the result page, ``moves.notices.live_withdrawal``). Never for an erased move: its
    notifications went with its data (``notifications_erase``), and staff may still act on its
    deliveries.

    Asked inside the transaction that made the change; when the move is not settled as that
    transaction sees it, asked again once it commits. Two of the move's procedures ending at once
    in two workers each see the other's still open (PostgreSQL, READ COMMITTED), and neither would
    make the summary; the one that commits last sees both after its commit. (Not a lock on the
    move: a correction takes the move's lock first and then the deliveries', a worker the other
    way round.) Only asked for a change that can settle the move, never for a delivery nor for an
    answer that is not final, so off the path of every delivery."""
    if _summary_if_settled(move) or not transaction.get_connection().in_atomic_block:
        return
    move_id = move.pk
    transaction.on_commit(lambda: _summary_after_commit(move_id), robust=True)


def _summary_after_commit(move_id: int) -> None:
    move = Move.objects.filter(pk=move_id).first()  # as committed: erased or deleted meanwhile too
    if move is not None:
        _summary_if_settled(move)


def _summary_if_settled(move: Move) -> bool:
    """The summary if the move is settled; False when it is not (yet), True when nothing is left
    to ask (an erased move, or the summary made now or before)."""
    if move.erased_at is not None:
        return True
    from hikkoshi.delivery.models import Notice
    from hikkoshi.moves.notices import live_withdrawal, notices_by_procedure

    # Asked after every change of a procedure's status: most of the time one procedure the
    # portal sent is still open — not ended, no final answer, no withdrawal at all — and one
    # query says so; the procedures and their notices are read only when it is not.
    withdrawals = Notice.objects.filter(delivery__entry_id=OuterRef("pk"), kind=Notice.Kind.WITHDRAWAL)
    still_open = (
        MoveProcedure.objects.filter(move=move)
        .exclude(status__in=[ProcedureStatus.IN_PERSON, *ENDED])
        .exclude(answer_status__in=list(AnswerStatus.final()))
        .exclude(Exists(withdrawals))
    )
    if still_open.exists():
        return False
    rows = list(MoveProcedure.objects.filter(move=move).values_list("pk", "status", "answer_status", "sent_at"))
    notices = notices_by_procedure([move.pk])
    statuses = [
        (
            ProcedureStatus.WITHDRAWN.value if live_withdrawal(notices.get(pk, [])) else status,
            answer,
            sent_at is not None,
        )
        for pk, status, answer, sent_at in rows
    ]
    if not settled(statuses):
        return False
    _add(move, Kind.SUMMARY, f"move:{move.public_id}:summary")
    return True


# Where a procedure the portal sent has ended: it could not be delivered (and staff closed it or
# not), it was withdrawn, or its organisation gave its final answer (完了 / 受付不可). Delivered
# alone is not an end: the organisation has still to process it (処理状況).
ENDED = frozenset({ProcedureStatus.FAILED.value, ProcedureStatus.HANDLED.value, ProcedureStatus.WITHDRAWN.value})


def settled(statuses: list[tuple[str, str, bool]]) -> bool:
    """Whether the summary (すべての手続きの結果) is due, from each procedure's (status, answer,
    whether it was ever delivered): every procedure the portal sent has ended (``ENDED`` or a
    final answer) and at least one was sent. Procedures the mover takes to the counter (窓口) are
    the mover's own to file, and one withdrawn before it was ever delivered is as if never
    applied for: they neither hold the summary back nor make one."""
    sent = [
        (status, answer)
        for status, answer, delivered in statuses
        if status != ProcedureStatus.IN_PERSON and (delivered or status != ProcedureStatus.WITHDRAWN)
    ]
    return bool(sent) and all(status in ENDED or answer in AnswerStatus.final() for status, answer in sent)


def reschedule_reminders(user_id: int, lead: int) -> int:
    """After the mover changed how many days ahead reminders come: their open reminders move to
    the new day (the task already queued finds its row not yet due and leaves it; a new task
    waits for the new day). A day already past is left as it was. How many moved."""
    now = timezone.now()
    moved = 0
    rows = Notification.objects.filter(
        move__owner_id=user_id, kind__in=[Kind.DEADLINE, Kind.MOVING_DAY], status=Status.SCHEDULED
    ).exclude(topic="")
    for notification in rows:
        due = reminder_at(date.fromisoformat(notification.topic), lead)
        if due == notification.due_at or due <= now:
            continue
        if Notification.objects.filter(pk=notification.pk, status=Status.SCHEDULED).update(due_at=due):
            transaction.on_commit(_enqueuer(notification.pk, due), robust=True)
            moved += 1
    return moved


def _enqueuer(pk: int, at: datetime) -> Callable[[], None]:
    return lambda: enqueue(pk, run_after=at)


def cancel(notifications: QuerySet[Notification]) -> int:
    """Cancel what is not yet mailed (its task finds it cancelled and does nothing)."""
    return notifications.filter(status__in=OPEN).update(status=Status.CANCELLED, claim="")


# --- sending -------------------------------------------------------------------------------


def message_id(notification: Notification) -> str:
    digest = hashlib.sha256(notification.key.encode()).hexdigest()[:32]
    return smtp.message_id_for(f"notice.{digest}")


def _no_longer_needed(notification: Notification) -> bool:
    """A reminder whose procedure was filed, withdrawn or otherwise settled, or whose day passed."""
    if notification.kind not in (Kind.DEADLINE, Kind.MOVING_DAY):
        return False
    if notification.topic and date.fromisoformat(notification.topic) < timezone.localdate():
        return True
    entry = notification.procedure
    if notification.kind == Kind.DEADLINE and entry is not None:
        return entry.filed_at is not None or entry.status != ProcedureStatus.IN_PERSON
    return False


def recipient(move: Move) -> str:
    """Where the mails of a move go: the mover's account; for a move entered for a customer
    (代行), the address the customer gave, else whoever entered it (the agency or call centre)."""
    assisted = getattr(move, "assisted", None) if hasattr(move, "assisted") else None
    given = str((move.applicant or {}).get("email") or "")
    if assisted is not None:
        return given or (assisted.entered_by.email if assisted.entered_by else "")
    return (move.owner.email if move.owner else "") or given


def _recipient(move: Move) -> tuple[str, str]:
    """The address and who reads it (``messages.move_link``: "" the mover, "customer", or the
    kind of the staff's area, "agency" / "callcentre")."""
    from django.core.exceptions import ObjectDoesNotExist

    from .messages import CUSTOMER

    given = str((move.applicant or {}).get("email") or "")
    try:
        assisted = getattr(move, "assisted", None)
        to = recipient(move)
    except ObjectDoesNotExist:  # an assisted row gone meanwhile
        return given, CUSTOMER
    if assisted is None:
        return to, ""
    return to, CUSTOMER if to == given else str(assisted.kind)


def _settle(pk: int, claim: str, **fields: object) -> bool:
    return bool(Notification.objects.filter(pk=pk, claim=claim, status=Status.SENDING).update(claim="", **fields))


def send(notification_id: int, *, now: datetime | None = None) -> str:
    """Mail one notification if it is due and still open; what happened (the task's result)."""
    from .messages import build_mail

    now = now or timezone.now()
    claim = secrets.token_hex(16)
    # One statement, atomic by itself (no transaction around it: two more round trips).
    claimed = Notification.objects.filter(pk=notification_id, status__in=OPEN, due_at__lte=now + EARLY_SLACK).update(
        status=Status.SENDING, sending_since=now, claim=claim, data_at=None, attempts=F("attempts") + 1
    )
    if not claimed:
        return "not due"
    # The move's assisted row and its owner's settings in the same query (each may be missing).
    notification = Notification.objects.select_related(
        "move__owner__notification_preference", "move__assisted", "procedure__version"
    ).get(pk=notification_id)
    move = notification.move
    if _no_longer_needed(notification):
        _settle(notification.pk, claim, status=Status.CANCELLED)
        return "cancelled"
    is_assisted = hasattr(move, "assisted")
    preference = None if is_assisted or move.owner is None else getattr(move.owner, "notification_preference", None)
    to, reader = _recipient(move)
    if not to or move.erased_at is not None or (preference is not None and not preference.wants(notification.kind)):
        _settle(notification.pk, claim, status=Status.SKIPPED)
        return "skipped"
    if bounces.is_undeliverable(to):  # its server said it receives nothing: the inbox only
        _settle(notification.pk, claim, status=Status.SKIPPED, error_code="address_bounced")
        return "skipped: address bounced"
    language = (preference.language if preference and preference.language else "") or notification.language
    digest = bounces.address_digest(to)
    try:
        mail = build_mail(notification, to=to, language=language or settings.LANGUAGE_CODE, reader=reader)
        mail["Message-ID"] = message_id(notification)

        def mark_data() -> None:
            Notification.objects.filter(pk=notification.pk, claim=claim).update(
                data_at=timezone.now(), to_digest=digest
            )

        sent_id = smtp.send_message(mail, before_data=mark_data, envelope_from=bounces.envelope_sender(notification.pk))
    except DeliveryError as exc:
        return _failed(notification, claim, exc, now=now)
    except Exception as exc:  # a defect: where, not what (a message may quote personal data)
        logger.error("notification_internal_error notification=%s error=%s", notification.pk, type(exc).__name__)
        return _failed(
            notification, claim, DeliveryError("internal_error", type(exc).__name__, retryable=True), now=now
        )
    _settle(notification.pk, claim, status=Status.SENT, sent_at=timezone.now(), message_id=sent_id[:250], error_code="")
    logger.info(
        "notification_sent notification=%s kind=%s attempt=%d",
        notification.pk,
        notification.kind,
        notification.attempts,
    )
    return "sent"


def _failed(notification: Notification, claim: str, error: DeliveryError, *, now: datetime) -> str:
    decision = policy.decide(
        retryable=error.retryable,
        attempt=notification.attempts,
        created_at=notification.retry_from or notification.due_at,
        now=now,
        retry_after=error.retry_after,
    )
    fields: dict[str, object] = {"error_code": error.code[:60], "error_detail": error.detail[:300]}
    if decision.retry:
        at = now + timedelta(seconds=decision.delay)
        if _settle(notification.pk, claim, status=Status.RETRYING, due_at=at, **fields):
            enqueue(notification.pk, run_after=at)
    else:
        _settle(notification.pk, claim, status=Status.FAILED, **fields)
    logger.warning(
        "notification_failed notification=%s code=%s retry=%s",
        notification.pk,
        error.code,
        "yes" if decision.retry else "no",
    )
    return f"{'retry' if decision.retry else 'failed'}: {error.code}"


def sweep(*, now: datetime | None = None) -> int:
    """Notifications that lost their worker: queued again when the mail cannot have gone (lost
    before DATA), failed "outcome unknown" when it may have (never a second copy); open ones
    overdue whose task is gone, queued again. How many were touched."""
    from hikkoshi.delivery.services import tasks_pending

    now = now or timezone.now()
    lease = timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"])
    lost = Notification.objects.filter(status=Status.SENDING, sending_since__lt=now - lease)
    touched = lost.filter(data_at__isnull=False).update(
        status=Status.FAILED, claim="", error_code="outcome_unknown", error_detail="worker lost after DATA"
    )
    again = list(lost.filter(data_at__isnull=True).values_list("pk", flat=True))
    for pk in again:
        if Notification.objects.filter(pk=pk, status=Status.SENDING, data_at__isnull=True).update(
            status=Status.RETRYING, claim="", due_at=now
        ):
            enqueue(pk)
            touched += 1
    overdue = list(Notification.objects.filter(status__in=OPEN, due_at__lt=now - lease).values_list("pk", "task_id"))
    pending = tasks_pending([task_id for _, task_id in overdue])
    for pk, task_id in overdue:
        if task_id not in pending:
            enqueue(pk)
            touched += 1
    return touched


def resend(notification: Notification) -> bool:
    """Staff: mail a failed notification again (they accept a possible second copy)."""
    if not Notification.objects.filter(pk=notification.pk, status=Status.FAILED).update(
        status=Status.RETRYING, due_at=timezone.now(), retry_from=timezone.now(), claim=""
    ):
        return False
    enqueue(notification.pk)
    return True


def notifications_erase(*, move_id: int) -> int:
    """The erasure after the retention time (``hikkoshi.privacy``): a move's notifications go."""
    return Notification.objects.filter(move_id=move_id).delete()[0]


def export_for(user_id: int) -> dict[str, object]:
    """The mover's notification settings and お知らせ, for 私のデータ (``accounts.export``)."""
    from .messages import compose

    preference = _preference(user_id)
    rows = (
        Notification.objects.filter(move__owner_id=user_id, move__assisted__isnull=True, due_at__lte=timezone.now())
        .exclude(status=Status.CANCELLED)
        .select_related("move", "procedure__version")
        .order_by("due_at", "pk")
    )
    return {
        "settings": {
            "confirmation": preference.confirmation,
            "action": preference.action,
            "summary": preference.summary,
            "reminders": preference.reminders,
            "language": preference.language,
            "lead_days": preference.lead_days,
        }
        if preference
        else None,
        "messages": [
            {
                "move": str(n.move.public_id),
                "kind": n.kind,
                "at": n.due_at.isoformat(),
                "mailed": n.status == Status.SENT,
                "read": n.read_at is not None,
                "subject": compose(n).subject,
            }
            for n in rows
        ],
    }
