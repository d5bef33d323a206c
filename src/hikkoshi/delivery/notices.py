"""Withdrawals (取下げ) and corrections (訂正) of applications already submitted.

A mover may withdraw a whole move or one procedure, or correct a procedure's own fields or
their contact data (phone, e-mail), as long as the application is **not yet processed**: moves
decides that (``moves.notices.why_not_changeable``), changes its own rows, and sends
``moves.signals.move_withdrawn`` / ``move_corrected``; the receivers here (``receivers``) tell
the organisations. moves reads the notices back through ``notice_views``, which delivery
registers with it (``moves.notices.register_notice_source``): moves never imports delivery.

For an application the organisation holds, it is the organisation that answers (a web receiver
with a signed receipt or a 409; an e-mail or a fax is read by people who decide).

What happens per procedure (``withdraw`` / ``correct``, each in one short transaction — nothing
is sent inside it):

- not yet sent (queued, retrying) or never delivered (failed): a withdrawal cancels it — its
  delivery becomes "withdrawn" and is never sent; a correction changes the values it will be
  sent with (the worker reads them only after claiming it, so it sends the corrected one);
- being sent or delivered: a ``Notice`` goes to the organisation by the same channel, exactly
  once (its own idempotency key), through the workers with the same retries as an
  application (``send_notice``); one whose application is still being sent waits for it;
- at the counter (window): nothing is sent; a withdrawn one is no longer to be filed, a
  corrected one prints with the new values.

Every step is a ``DeliveryEvent`` of the application's delivery (codes and ids only) and every
request one audit event (by the caller). A mover's request carries its own key: the same
request twice (a double click, a reload) makes nothing new.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
import logging
import secrets
import traceback
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hikkoshi.encryption.fields import bound
from hikkoshi.moves import lifecycle
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.moves.notices import NoticeView

from . import channels, policy
from .channels import DeliveryError, Outgoing
from .channels.base import ClaimLost, JSONObject, NoticeBody
from .lease import Hold
from .models import Delivery, DeliveryEvent, Notice
from .signals import withdrawal_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User  # AUTH_USER_MODEL, as django-stubs sees it

    from .services import SweepResult

    # Who asks: the mover (or staff on their behalf) signed in, or nobody known.
    Requester = User | AnonymousUser | None

logger = logging.getLogger(__name__)

Kind = DeliveryEvent.Kind
Status = Notice.Status
# While a notice waits for its application to finish being sent.
WAIT_FOR_APPLICATION = timedelta(seconds=5)
_CANCELLABLE = (ProcedureStatus.QUEUED, ProcedureStatus.RETRYING, ProcedureStatus.FAILED)


# -- the mover's requests ---------------------------------------------------------------------


def withdraw(*, move: Move, entries: list[MoveProcedure], user: "Requester", request_key: str) -> list[Notice]:
    """取下げ of these procedures of ``move`` (moves sends only those that can still be changed).
    Returns the notices of this request."""
    done = list(Notice.objects.filter(delivery__entry__move=move, request_key=request_key))
    if done:
        return done  # the same request again (a reload, a double click)
    made = []
    for entry in entries:
        notice = _one(entry, kind=Notice.Kind.WITHDRAWAL, user=user, request_key=request_key, changes=[])
        if notice is not None:
            made.append(notice)
    return made


def correct(*, changes: list[tuple[MoveProcedure, list[str]]], user: "Requester", request_key: str) -> list[Notice]:
    """訂正: each procedure moves corrected (with the paths that changed — ``applicant.phone``,
    ``fields.start_date``) gets its notice, or nothing to send when it was not sent yet (the
    worker sends the corrected values). Inside the transaction of the correction. Returns the
    notices of this request."""
    made = []
    for entry, paths in changes:
        notice = _one(entry, kind=Notice.Kind.CORRECTION, user=user, request_key=request_key, changes=paths)
        if notice is not None:
            made.append(notice)
    return made


def _one(entry: MoveProcedure, *, kind: str, user: "Requester", request_key: str, changes: list[str]) -> Notice | None:
    """One procedure's withdrawal or correction, in one short transaction (nested in the
    caller's, if any): cancelled, noted for the counter, or a notice queued for the workers."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(entry_id=entry.pk).first()
        if delivery is None:
            return None
        earlier = Notice.objects.filter(delivery=delivery, request_key=request_key).first()
        if earlier is not None:
            return earlier  # the same request again (a reload, a double click)
        withdrawal = kind == Notice.Kind.WITHDRAWAL
        notice = Notice(
            delivery=delivery,
            kind=kind,
            request_key=request_key,
            changes=changes,
            requested_by=user if user is not None and user.is_authenticated else None,
        )
        if delivery.status in _CANCELLABLE or delivery.status == ProcedureStatus.IN_PERSON:
            # Not sent (or at the counter): nothing goes to the organisation.
            notice.status = Status.NOT_NEEDED
            notice.save()
            if withdrawal:
                _set_delivery(delivery, status=ProcedureStatus.WITHDRAWN, next_attempt_at=None)
                DeliveryEvent.objects.create(
                    delivery=delivery,
                    kind=Kind.WITHDRAWN,
                    attempt=delivery.attempts,
                    code=f"notice {notice.pk}",
                    actor=notice.requested_by,
                )
            else:
                DeliveryEvent.objects.create(
                    delivery=delivery,
                    kind=Kind.NOTICE_DROPPED,
                    attempt=delivery.attempts,
                    code=f"notice {notice.pk} correction",
                    detail="corrected before sending",
                    actor=notice.requested_by,
                )
            return notice
        if delivery.status in (ProcedureStatus.SENDING, ProcedureStatus.DELIVERED):
            notice.status = Status.QUEUED
            notice.next_attempt_at = timezone.now()
            notice.save()
            DeliveryEvent.objects.create(
                delivery=delivery,
                kind=Kind.NOTICE_QUEUED,
                attempt=delivery.attempts,
                code=f"notice {notice.pk} {kind}",
                actor=notice.requested_by,
            )
            transaction.on_commit(lambda: enqueue(notice.pk), robust=True)
            return notice
    return None  # handled by staff, withdrawn: not ours to change (moves' why_not_changeable says so)


def _set_delivery(delivery: Delivery, **fields: Any) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    if "status" in fields:  # the procedure's status is moves' to write
        lifecycle.procedure_status_record(procedure_id=delivery.entry_id, status=fields["status"])


def notice_views(move_ids: list[int]) -> dict[int, list[NoticeView]]:
    """The notices of these moves as moves shows them, by entry id, oldest first — one query,
    of plain values (the encrypted ``body`` is not read). Registered with moves in ``ready()``."""
    found: dict[int, list[NoticeView]] = {}
    rows = Notice.objects.filter(delivery__entry__move_id__in=move_ids).values_list(
        "delivery__entry_id", "kind", "status", "created_at", "reference", "changes", "request_key"
    )
    for entry_id, kind, status, created_at, reference, changes, request_key in rows:
        found.setdefault(entry_id, []).append(
            NoticeView(
                entry_id=entry_id,
                kind=kind,
                status=status,
                created_at=created_at,
                reference=reference,
                changes=tuple(changes or ()),
                request_key=request_key,
            )
        )
    return found


# -- the workers ------------------------------------------------------------------------------


def enqueue(notice_id: int, *, run_after: datetime | None = None) -> None:
    from .tasks import notice_task, queue_row

    queue_row(notice_task, Notice, notice_id, run_after=run_after)


def _set(notice: Notice, *, owned_by: str, **fields: Any) -> bool:
    changed = bool(Notice.objects.filter(pk=notice.pk, claim=owned_by, status=Status.SENDING).update(**fields))
    if changed and fields.get("status") in CLOSED:
        _withdrawal_changed(notice)
    return changed


# Where a notice the workers hold ends without reaching the organisation: a withdrawal closed so
# no longer counts. (Staff's 手動対応済み follows a failure: the notice had stopped counting.)
CLOSED = (Status.FAILED, Status.REFUSED, Status.NOT_NEEDED)


def _withdrawal_changed(notice: Notice) -> None:
    """``signals.withdrawal_changed``, for a withdrawal notice (a correction changes no count)."""
    if notice.kind == Notice.Kind.WITHDRAWAL:
        withdrawal_changed.send(sender=Notice, entry_id=notice.delivery.entry_id)


def _event(notice: Notice, kind: str, *, code: str = "", detail: str = "") -> None:
    DeliveryEvent.objects.create(
        delivery_id=notice.delivery_id,
        kind=kind,
        attempt=notice.attempts,
        code=f"notice {notice.pk} {code}".strip()[:60],
        detail=detail[:300],
    )


def send_notice(notice_id: int, *, now: datetime | None = None) -> str:
    """What a worker runs: send one notice if it is due (claim, send outside any transaction,
    record under the claim) — or settle it without sending when its application was never
    delivered after all."""
    now = now or timezone.now()
    claim = secrets.token_hex(16)
    with transaction.atomic():
        due = now + timedelta(seconds=1)
        claimed = Notice.objects.filter(pk=notice_id, status__in=Notice.OPEN, next_attempt_at__lte=due).update(
            status=Status.SENDING, sending_since=now, claim=claim, attempts=F("attempts") + 1
        )
        if not claimed:
            return "not due"
        notice = Notice.objects.select_related("delivery").get(pk=notice_id)
        delivery = notice.delivery
        settled = _settle_without_sending(notice, delivery, claim, now)
    if settled:
        if settled == "waiting":
            enqueue(notice.pk, run_after=now + WAIT_FOR_APPLICATION)
        return settled
    hold = Hold(Notice, notice.pk, claim)
    try:
        with hold.kept():  # renewed while this worker works on it; checked before the hand-over
            outgoing = replace(build_notice(notice), still_ours=hold.check)
            if not notice.body:  # the first attempt: what every later one sends again
                Notice.objects.filter(pk=notice.pk, claim=claim).update(
                    body=bound(notice, "body", outgoing.application)
                )
            outcome = channels.get(delivery.channel).send_notice(outgoing)
    except ClaimLost:  # another worker has it now (see ``deliver``): nothing sent here
        logger.warning("notice_claim_lost notice=%s delivery=%s channel=%s", notice_id, delivery.pk, delivery.channel)
        return "claim lost"
    except DeliveryError as exc:
        return _failed(notice, claim, exc)
    except Exception as exc:  # a defect or a passing local trouble
        logger.error(
            "notice_internal_error notice=%s delivery=%s channel=%s attempt=%d error=%s traceback=\n%s",
            notice_id,
            delivery.pk,
            delivery.channel,
            notice.attempts,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return _failed(notice, claim, DeliveryError("internal_error", type(exc).__name__, retryable=True))
    with transaction.atomic():
        if _set(
            notice,
            owned_by=claim,
            status=Status.DELIVERED,
            delivered_at=timezone.now(),
            reference=outcome.reference[:100],
            receipt=outcome.receipt,
            message_id=outcome.message_id[:250],
            error_code="",
            error_detail="",
            next_attempt_at=None,
            claim="",
        ):
            _event(notice, Kind.NOTICE_SENT, code=notice.kind)
    logger.info(
        "notice_sent notice=%s kind=%s delivery=%s channel=%s attempt=%d",
        notice.pk,
        notice.kind,
        delivery.pk,
        delivery.channel,
        notice.attempts,
    )
    return "delivered"


def _settle_without_sending(notice: Notice, delivery: Delivery, claim: str, now: datetime) -> str:
    """Inside the claim's transaction: what to do when the application is not (or not yet)
    with the organisation. "" when the notice is to be sent."""
    status = delivery.status
    if status == ProcedureStatus.DELIVERED:
        return ""
    if status == ProcedureStatus.SENDING:  # its application is on its way: after it
        _set(
            notice,
            owned_by=claim,
            status=Status.RETRYING,
            next_attempt_at=now + WAIT_FOR_APPLICATION,
            claim="",
            attempts=F("attempts") - 1,
        )
        return "waiting"
    if status in _CANCELLABLE and notice.kind == Notice.Kind.WITHDRAWAL:
        # Its sending failed meanwhile: it is simply not sent any more.
        if Delivery.objects.filter(pk=delivery.pk, status__in=_CANCELLABLE).exists():
            _set_delivery(delivery, status=ProcedureStatus.WITHDRAWN, next_attempt_at=None)
            DeliveryEvent.objects.create(
                delivery=delivery, kind=Kind.WITHDRAWN, attempt=delivery.attempts, code=f"notice {notice.pk}"
            )
    if status == ProcedureStatus.HANDLED:
        _set(
            notice,
            owned_by=claim,
            status=Status.FAILED,
            next_attempt_at=None,
            claim="",
            error_code="application_handled",
            error_detail="staff handled the application another way",
        )
        _event(notice, Kind.NOTICE_FAILED, code="application_handled")
        return "failed: application_handled"
    # Never delivered (cancelled, failed, or sent again later with the corrected values).
    _set(notice, owned_by=claim, status=Status.NOT_NEEDED, next_attempt_at=None, claim="")
    _event(notice, Kind.NOTICE_DROPPED, code=notice.kind, detail=f"application {status}")
    return "not needed"


def _failed(notice: Notice, claim: str, error: DeliveryError) -> str:
    now = timezone.now()
    code, detail = error.code[:60], error.detail[:300]
    if code == "already_processed":  # the organisation's word: too late to change it here
        with transaction.atomic():
            if _set(
                notice,
                owned_by=claim,
                status=Status.REFUSED,
                next_attempt_at=None,
                claim="",
                error_code=code,
                error_detail=detail,
            ):
                _event(notice, Kind.NOTICE_REFUSED, code=notice.kind)
        logger.info(
            "notice_refused notice=%s kind=%s delivery=%s channel=%s attempt=%d code=%s",
            notice.pk,
            notice.kind,
            notice.delivery_id,
            notice.delivery.channel,
            notice.attempts,
            code,
        )
        return "refused"
    decision = policy.decide(
        retryable=error.retryable,
        attempt=notice.attempts,
        created_at=notice.retry_from,
        now=now,
        retry_after=error.retry_after,
    )
    with transaction.atomic():
        if decision.retry:
            at = now + timedelta(seconds=decision.delay)
            if _set(
                notice,
                owned_by=claim,
                status=Status.RETRYING,
                next_attempt_at=at,
                error_code=code,
                error_detail=detail,
                claim="",
            ):
                _event(notice, Kind.NOTICE_RETRY, code=code, detail=detail)
                transaction.on_commit(lambda: enqueue(notice.pk, run_after=at), robust=True)
        elif _set(
            notice,
            owned_by=claim,
            status=Status.FAILED,
            next_attempt_at=None,
            error_code=code,
            error_detail=detail,
            claim="",
        ):
            _event(notice, Kind.NOTICE_FAILED, code=code, detail=detail)
    logger.warning(
        "notice_failed notice=%s kind=%s delivery=%s channel=%s attempt=%d code=%s retry=%s",
        notice.pk,
        notice.kind,
        notice.delivery_id,
        notice.delivery.channel,
        notice.attempts,
        code,
        "yes" if decision.retry else "no",
    )
    return f"{'retry' if decision.retry else 'failed'}: {code}"


def sweep(*, now: datetime | None = None) -> "SweepResult":
    """Notices whose worker was lost (sending past the lease) or whose task is gone: queued again."""
    from .services import tasks_pending

    now = now or timezone.now()
    lease = timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"])
    lost = 0
    for notice in Notice.objects.filter(status=Status.SENDING, sending_since__lt=now - lease):
        if Notice.objects.filter(
            pk=notice.pk, status=Status.SENDING, claim=notice.claim, sending_since__lt=now - lease
        ).update(status=Status.RETRYING, next_attempt_at=now, claim=""):
            _event(notice, Kind.NOTICE_RETRY, code="worker_lost")
            enqueue(notice.pk)
            lost += 1
    requeued = 0
    overdue = list(
        Notice.objects.filter(status__in=Notice.OPEN, next_attempt_at__lt=now - lease).values_list("pk", "task_id")
    )
    pending = tasks_pending([task_id for _pk, task_id in overdue])
    for pk, task_id in overdue:
        if task_id not in pending:
            enqueue(pk)
            requeued += 1
    return {"lost": lost, "requeued": requeued}


# -- what goes out ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeOutgoing(Outgoing):
    """A withdrawal or correction on its way: the application as it is now (``record``,
    ``entry``, corrected for a correction), and what it refers to."""

    kind: str = Notice.Kind.WITHDRAWAL
    changes: tuple[tuple[str, str], ...] = ()  # (label, new value as printed) of each changed field
    original_reference: str = ""  # the organisation's reference of the application (受付番号)
    original_key: str = ""  # the application's idempotency key
    original_message_id: str = ""  # its e-mail's Message-ID (e-mail and fax by e-mail)
    original_sent_at: datetime | None = None
    extra: JSONObject = field(default_factory=dict)


CONTACT_LABELS = {"applicant.phone": "電話番号", "applicant.email": "メールアドレス"}


def build_notice(notice: Notice) -> NoticeOutgoing:
    """A notice as its channel gets it (read outside any transaction)."""
    from .services import application_data, build_outgoing

    delivery = notice.delivery
    base = build_outgoing(delivery)
    entry = MoveProcedure.objects.select_related("move", "version__procedure__organisation").get(pk=delivery.entry_id)
    move = entry.move
    labels = {f"fields.{f.name}": (f.label, f.value) for f in base.entry.fields}
    changes: list[tuple[str, str]] = []
    for path in notice.changes:
        if path in labels:
            changes.append(labels[path])
        elif path in CONTACT_LABELS:
            changes.append((CONTACT_LABELS[path], move.applicant.get(path.split(".", 1)[1], "") or "（削除）"))
        elif path.startswith("fields."):  # a field now empty
            changes.append((path.split(".", 1)[1], "（未記入）"))
    body: NoticeBody = {
        "format": f"hikkoshi.{notice.kind}/1",
        "notice_id": str(notice.idempotency_key),
        "application": {
            "reference": delivery.reference,
            "idempotency_key": str(delivery.idempotency_key),
            "move_id": str(move.public_id),
            "number": move.number,
        },
        "procedure": base.application["procedure"],
        "organisation": base.application["organisation"],
        "requested_at": notice.created_at.isoformat(),
    }
    if notice.kind == Notice.Kind.CORRECTION:
        body["changes"] = list(notice.changes)
        body["corrected"] = application_data(move, entry)
    if notice.body:
        body = notice.body  # a later attempt: the same as the first
    return NoticeOutgoing(
        delivery_id=delivery.pk,
        idempotency_key=str(notice.idempotency_key),
        attempt=notice.attempts,
        procedure=base.procedure,
        organisation=base.organisation,
        organisation_name=base.organisation_name,
        settings=base.settings,
        record=base.record,
        entry=base.entry,
        application=body,
        receipt_keys=base.receipt_keys,
        shares=base.shares,
        kind=notice.kind,
        changes=tuple(changes),
        original_reference=delivery.reference,
        original_key=str(delivery.idempotency_key),
        original_message_id=delivery.message_id if delivery.message_id.startswith("<") else "",
        original_sent_at=delivery.delivered_at,
    )


# -- staff ------------------------------------------------------------------------------------


def resend_notice(notice: Notice, *, user: "User | None", reason: str) -> bool:
    """Staff: send a failed notice again (same idempotency key), with the reason recorded. Not
    for an erased move (its notice's body is gone, as with ``services.resend``)."""
    if Move.objects.filter(procedures__delivery__notices=notice, erased_at__isnull=False).exists():
        return False
    with transaction.atomic():
        if not Notice.objects.filter(pk=notice.pk, status__in=[Status.FAILED, Status.HANDLED]).update(
            status=Status.QUEUED, next_attempt_at=timezone.now(), retry_from=timezone.now(), claim=""
        ):
            return False
        _withdrawal_changed(notice)  # on its way again: the procedure counts as withdrawn again
        DeliveryEvent.objects.create(
            delivery_id=notice.delivery_id,
            kind=Kind.RESENT,
            attempt=notice.attempts,
            code=f"notice {notice.pk}",
            detail=reason[:300],
            actor=user,
        )
        transaction.on_commit(lambda: enqueue(notice.pk), robust=True)
    return True


def mark_notice_handled(notice: Notice, *, user: "User | None", reason: str) -> bool:
    """Staff: a failed notice was dealt with another way (the organisation phoned, …)."""
    with transaction.atomic():
        if not Notice.objects.filter(pk=notice.pk, status=Status.FAILED).update(
            status=Status.HANDLED, next_attempt_at=None
        ):
            return False
        DeliveryEvent.objects.create(
            delivery_id=notice.delivery_id,
            kind=Kind.HANDLED,
            attempt=notice.attempts,
            code=f"notice {notice.pk}",
            detail=reason[:300],
            actor=user,
        )
    return True
