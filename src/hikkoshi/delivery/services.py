"""The outbox (申請ラッピング): create, send, retry, sweep, resend and close deliveries.

- ``outbox_add(move)`` — inside the submission's transaction (on ``moves.signals.move_submitted``):
  one delivery per procedure, queued for the workers only once that transaction has committed.
- ``deliver(id)`` — what a worker runs: claim the delivery (one statement), hand it to its
  channel (no transaction open while the organisation is called), record the outcome (another
  short transaction, only under the worker's own claim).
- ``sweep()`` — run by ``hikkoshi worker`` every few seconds: a delivery "sending" past its lease
  lost its worker (killed, machine gone) and is queued again with the same idempotency key; a
  queued one whose task is gone is queued again.
- ``resend`` / ``mark_handled`` — staff actions, each with its reason recorded.
- ``deliveries_erase`` — delivery's part of the erasure after the retention time (``hikkoshi.privacy``
  calls it); ``spooled_files_forgetter`` — the fax images of moves being deleted or erased.

A procedure's status and reference are moves' to write: ``_set`` changes them with the delivery
through ``moves.lifecycle.procedure_status_record``, never directly.
"""

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
import logging
import secrets
import traceback
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

from django.conf import settings
from django.db import connection, router, transaction
from django.db.models import BooleanField, Count, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from hikkoshi.catalogue.constants import CommonItem as Item
from hikkoshi.catalogue.models import shared_items
from hikkoshi.documents.data import Address, MoveRecord
from hikkoshi.encryption.fields import update_rows
from hikkoshi.moves import lifecycle
from hikkoshi.moves.answers import answer_codes_make
from hikkoshi.moves.common import HEAD_APPLICANT, HEAD_OTHER, HEAD_RELATIONSHIP
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.foreign import NAMES as FOREIGN_KEYS
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.moves.signals import procedure_status_changed

from . import channels, policy
from .channels import DeliveryError, Outcome, Outgoing
from .channels.base import ApplicationData, ClaimLost, Household, JSONObject
from .lease import Hold
from .models import Delivery, DeliveryEvent, Notice
from .signals import delivery_recorded
from .sqlnames import quoted
from .tasks import deliver_task, queue_each, queue_row

# Channels whose organisations have no system of their own: they answer (処理状況) on the
# portal's answer page with the code printed on the 申込書 / FAX送付状 (``moves.answers``).
ANSWER_CODE_CHANNELS = ("email", "fax")

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # settings.AUTH_USER_MODEL, as django-stubs sees it

logger = logging.getLogger(__name__)

OPEN = (ProcedureStatus.QUEUED, ProcedureStatus.RETRYING)
# A delivery whose worker was lost this many times is failed for staff to look at: it may be
# what kills its worker (a crash rendering it), and each loss may cost the other threads' sends.
MAX_LOSSES = 3
# A task that finds its delivery due this close to its time runs it rather than waiting.
EARLY_SLACK = timedelta(seconds=1)
Kind = DeliveryEvent.Kind


class SweepResult(TypedDict):
    """What a sweep did: deliveries (and notices) that lost their worker, and those queued again
    because their task was gone."""

    lost: int
    requeued: int


def outbox_add(move: Move, procedures: list[MoveProcedure] | None = None) -> list[Delivery]:
    """One delivery per procedure of ``move`` (its ``procedures``, when the caller has them at
    hand), at the procedure's initial status (``moves.services.initial_status``: in person, or
    queued); call inside the submission's transaction (``receivers``: on ``move_submitted``)."""
    now = timezone.now()
    deliveries: list[Delivery] = []
    for entry in procedures if procedures is not None else move.procedures.select_related("version"):
        queued = entry.status == ProcedureStatus.QUEUED
        deliveries.append(
            Delivery(
                entry=entry,
                channel=entry.version.definition["channel"],
                status=entry.status,
                next_attempt_at=now if queued else None,
            )
        )
    Delivery.objects.bulk_create(deliveries)
    to_send = [d for d in deliveries if d.status == ProcedureStatus.QUEUED]
    # The answer codes printed on what goes by e-mail or fax, made now in one statement rather
    # than one by one at each first send.
    answer_codes_make([d.entry_id for d in to_send if d.channel in ANSWER_CODE_CHANNELS])
    if to_send:
        transaction.on_commit(lambda: queue_each(deliver_task, to_send), robust=True)
    return deliveries


def enqueue(delivery_id: int, *, run_after: datetime | None = None) -> None:
    """Hand a delivery to the workers (now, or not before ``run_after``)."""
    queue_row(deliver_task, Delivery, delivery_id, run_after=run_after)


class Changed(NamedTuple):
    """What ``_set`` changed: ``procedure`` is the delivery's procedure (not its move), as read for
    the announcement of a status in ``ANNOUNCED`` (else None), its status and reference brought
    up to the change (not ``sent_at``, written by the database)."""

    procedure: MoveProcedure | None


def _set(
    delivery: Delivery, *, owned_by: str | None = None, only_from: Q | None = None, **fields: Any
) -> Changed | None:
    """Change a delivery and its procedure's status (and reference) together, in one
    transaction; with ``owned_by`` (a claim), only while the delivery is still "sending" under
    that claim; with ``only_from`` (a Q), only while the row still matches it. None when it was
    not ours to change."""
    procedure = None
    with transaction.atomic(savepoint=False):
        rows = Delivery.objects.filter(pk=delivery.pk)
        if owned_by is not None:
            rows = rows.filter(claim=owned_by, status=ProcedureStatus.SENDING)
        if only_from is not None:
            rows = rows.filter(only_from)
        if not rows.update(**fields):
            return None
        if "status" in fields:  # the procedure's status is moves' to write
            status = fields["status"]
            # The procedure as it was (its status before), read once for the announcement, with
            # whether a withdrawal (取下げ) of it was ever asked for in the same query.
            procedure = (
                MoveProcedure.objects.annotate(withdrawing=_withdrawal_asked(delivery.pk)).get(pk=delivery.entry_id)
                if status in ANNOUNCED
                else None
            )
            lifecycle.procedure_status_record(
                procedure_id=delivery.entry_id, status=status, reference=fields.get("reference", "")
            )
            if procedure is not None:
                _announce(
                    procedure,
                    new_status=status,
                    reference=fields.get("reference", ""),
                    withdrawing=procedure.withdrawing,
                )
    return Changed(procedure)


def _withdrawal_asked(delivery_id: int) -> RawSQL:
    """Whether a withdrawal notice of the delivery exists, as a column of another query. Written
    out: on the path of every delivery, and the ORM's ``Exists`` took longer to compile than the
    query it adds to takes to run. Names from the model, values bound."""
    table, delivery, kind = quoted(Notice, connection.alias, "delivery", "kind")
    return RawSQL(  # noqa: S611 (no text from outside: the model's names, bound values)
        f"EXISTS (SELECT 1 FROM {table} WHERE {delivery} = %s AND {kind} = %s)",  # noqa: S608 (as above)
        (delivery_id, Notice.Kind.WITHDRAWAL.value),
        output_field=BooleanField(),
    )


# The changes of a procedure's status told to the apps above (``procedure_status_changed``):
# delivered, failed for good, and dealt with by staff another way (handled, which may be the
# last open procedure of the move: its summary is due then).
ANNOUNCED = (ProcedureStatus.DELIVERED, ProcedureStatus.FAILED, ProcedureStatus.HANDLED)


def _announce(procedure: MoveProcedure, *, new_status: str, reference: str, withdrawing: bool) -> None:
    """``moves.signals.procedure_status_changed``, in the transaction that stored the change
    (the notifications record a mail, sent once it commits), when the status changed;
    ``procedure`` as read before the change, brought up to it here; ``withdrawing``: a
    withdrawal of it was asked for."""
    old_status = procedure.status
    procedure.status = new_status
    if reference:
        procedure.reference = reference
    if old_status == new_status:
        return
    procedure_status_changed.send(
        sender=MoveProcedure,
        procedure=procedure,
        old_status=old_status,
        new_status=new_status,
        message="",
        withdrawing=withdrawing,
    )


def _recorded(
    delivery: Delivery,
    kind: str,
    organisation: str | None,
    *,
    code: str = "",
    detail: str = "",
    pages: int | None = None,
) -> None:
    """An attempt's outcome as a ``DeliveryEvent``; delivered, to be retried and failed are told
    to the apps above (``signals.delivery_recorded``) with what they count them by.
    ``organisation`` (a slug) is None when the attempt never got as far as knowing it (the
    sweeper, an application that could not be built): it is read then, if anyone listens."""
    DeliveryEvent.objects.create(
        delivery_id=delivery.pk, kind=kind, attempt=delivery.attempts, code=code, detail=detail
    )
    if kind not in TOLD or not delivery_recorded.has_listeners(sender=Delivery):
        return
    if organisation is None:
        organisation = (
            MoveProcedure.objects.filter(pk=delivery.entry_id)
            .values_list("version__procedure__organisation__slug", flat=True)
            .first()
        ) or ""
    delivery_recorded.send(
        sender=Delivery, kind=kind, channel=delivery.channel, organisation=organisation, code=code, pages=pages
    )


# The outcomes of an attempt told to the apps above (``signals.delivery_recorded``).
TOLD = (DeliveryEvent.Kind.DELIVERED, DeliveryEvent.Kind.RETRY, DeliveryEvent.Kind.FAILED)


def deliver(delivery_id: int, *, now: datetime | None = None) -> str:
    """Send one delivery if it is due; returns what happened (for the task's result)."""
    now = now or timezone.now()
    claim = secrets.token_hex(16)
    # Claimed and read as claimed in one statement. (The procedure keeps showing "waiting to be
    # sent" for the moment it is being sent; the outcome of each attempt is recorded as an event
    # with its number.)
    params = [ProcedureStatus.SENDING.value, now, claim, delivery_id, *OPEN, now + EARLY_SLACK]
    alias = router.db_for_write(Delivery)
    claimed = list(Delivery.objects.using(alias).raw(_claim_sql(alias), params))
    if not claimed:
        return "not due"
    [delivery] = claimed
    hold = Hold(Delivery, delivery_id, claim)
    organisation = None  # the receiving organisation's slug, once its application is built
    try:
        with hold.kept():  # renewed while this worker works on it; checked before the hand-over
            outgoing = replace(build_outgoing(delivery), still_ours=hold.check)
            organisation = outgoing.organisation
            outcome = channels.get(delivery.channel).send(outgoing)
    except ClaimLost:
        # Its lease ran out (this worker seemed lost) and another worker has it now, or staff
        # closed it: nothing was handed over here, and nothing is recorded under a lost claim.
        logger.warning(
            "delivery_claim_lost delivery=%s channel=%s attempt=%d", delivery_id, delivery.channel, delivery.attempts
        )
        return "claim lost"
    except DeliveryError as exc:
        return _failed(delivery, claim, exc, organisation)
    except Exception as exc:  # a defect or a passing local trouble (database busy, disk full)
        # Where it happened, not what it said: an exception's message may quote personal data.
        logger.error(
            "delivery_internal_error delivery=%s channel=%s attempt=%d error=%s traceback=\n%s",
            delivery_id,
            delivery.channel,
            delivery.attempts,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return _failed(
            delivery, claim, DeliveryError("internal_error", type(exc).__name__, retryable=True), organisation
        )
    return _succeeded(delivery, claim, outcome, outgoing.organisation)


@cache
def _claim_sql(alias: str) -> str:
    """A delivery claimed if it is due — "sending" under a new claim, its attempt counted — and
    returned as it is then (``UPDATE … RETURNING``: PostgreSQL, and SQLite 3.37+ as Django needs):
    on the path of every attempt, one statement instead of an update and a read in a transaction.
    Names from the model, values bound (``Delivery.objects.raw`` adapts them for the database)."""
    table, status, since, claim, attempts, pk, due, columns = quoted(
        Delivery, alias, "status", "sending_since", "claim", "attempts", "pk", "next_attempt_at", "*"
    )
    statuses = ", ".join(["%s"] * len(OPEN))
    return (
        f"UPDATE {table} SET {status} = %s, {since} = %s, {claim} = %s, {attempts} = {attempts} + 1 "  # noqa: S608 (the model's names)
        f"WHERE {pk} = %s AND {status} IN ({statuses}) AND {due} <= %s RETURNING {columns}"
    )


def _succeeded(delivery: Delivery, claim: str, outcome: Outcome, organisation: str | None) -> str:
    done = timezone.now()
    fields: dict[str, Any] = dict(
        status=ProcedureStatus.DELIVERED,
        delivered_at=done,
        reference=outcome.reference[:100],
        receipt=outcome.receipt,
        message_id=outcome.message_id[:250],
        error_code="",
        error_detail="",
        next_attempt_at=None,
        claim="",
    )
    with transaction.atomic():
        recorded = _set(delivery, owned_by=claim, **fields)
        if not recorded:
            # The sweeper took it over meanwhile (this worker seemed lost): the organisation has it
            # all the same, so say so — unless another attempt said it first, or staff closed it.
            recorded = _set(
                delivery,
                only_from=Q(
                    status__in=[
                        ProcedureStatus.QUEUED,
                        ProcedureStatus.RETRYING,
                        ProcedureStatus.SENDING,
                        ProcedureStatus.FAILED,
                    ]
                ),
                **fields,
            )
        if recorded:
            pages = outcome.receipt.get("pages")
            _recorded(delivery, Kind.DELIVERED, organisation, pages=pages if isinstance(pages, int) else None)
            # The procedure is read for every delivered status (``ANNOUNCED``).
            if recorded.procedure is not None and outcome.reference and outcome.receipt.get("signature"):
                _received(delivery, done, recorded.procedure)
    logger.info(
        "delivery_sent delivery=%s channel=%s attempt=%d closed_meanwhile=%s",
        delivery.pk,
        delivery.channel,
        delivery.attempts,
        "no" if recorded else "yes",
    )
    return "delivered"


def _failed(delivery: Delivery, claim: str, error: DeliveryError, organisation: str | None) -> str:
    now = timezone.now()
    decision = policy.decide(
        retryable=error.retryable,
        attempt=delivery.attempts,
        created_at=delivery.retry_from,
        now=now,
        retry_after=error.retry_after,
    )
    code, detail = error.code[:60], error.detail[:300]
    with transaction.atomic():
        if decision.retry:
            at = now + timedelta(seconds=decision.delay)
            mine = _set(
                delivery,
                owned_by=claim,
                status=ProcedureStatus.RETRYING,
                next_attempt_at=at,
                error_code=code,
                error_detail=detail,
                claim="",
            )
            kind = Kind.RETRY
        else:
            mine = _set(
                delivery,
                owned_by=claim,
                status=ProcedureStatus.FAILED,
                next_attempt_at=None,
                error_code=code,
                error_detail=detail,
                claim="",
            )
            kind = Kind.FAILED
        if mine:
            _recorded(delivery, kind, organisation, code=code, detail=detail)
            if decision.retry:
                transaction.on_commit(lambda: enqueue(delivery.pk, run_after=at), robust=True)
    logger.warning(
        "delivery_failed delivery=%s channel=%s attempt=%d code=%s retry=%s",
        delivery.pk,
        delivery.channel,
        delivery.attempts,
        code,
        "yes" if decision.retry else "no",
    )
    return f"{'retry' if decision.retry else 'failed'}: {code}"


def _received(delivery: Delivery, at: datetime, procedure: MoveProcedure) -> None:
    """A signed receipt is the organisation's first answer (処理状況: received, with its
    reference): the first row of the procedure's timeline. ``procedure`` as ``_set`` read it."""
    from hikkoshi.moves.answers import receipt_record
    from hikkoshi.moves.models import ProcedureAnswer

    receipt_record(
        entry=procedure, key=f"receipt:{delivery.idempotency_key}", at=at, source=ProcedureAnswer.Source.RECEIPT
    )


def build_outgoing(delivery: Delivery) -> Outgoing:
    """The application of a delivery as its channel gets it (read outside any transaction)."""
    from hikkoshi.moves.selectors import move_record

    # The move with this procedure alone, in one query: an organisation sees nothing of the
    # mover's other procedures (not even that there are any), and the worker reads and decodes
    # one procedure, not every one of the move's for each of its deliveries.
    # (With its answer code, if made: every e-mail and fax procedure's is, at submission.)
    entry = MoveProcedure.objects.select_related("move", "version__procedure__organisation", "answer_code").get(
        pk=delivery.entry_id
    )
    move = entry.move
    version = entry.version
    procedure = version.procedure
    definition = version.definition
    # Where to send is the procedure's current setting (an operator may have moved an endpoint
    # since), as long as it is still sent by the same channel.
    channel_settings = (
        procedure.channel_settings if procedure.channel == delivery.channel else definition.get("channel_settings", {})
    )
    shares = frozenset(shared_items(definition))
    record = shared_record(move_record(move, changes=False, procedures=[entry]), shares)
    slug = definition["slug"]
    [procedure_entry] = record.procedures  # its own alone (above)
    organisation = procedure.organisation
    answer = None
    if delivery.channel in ANSWER_CODE_CHANNELS:
        from hikkoshi.documents.answer_slip import AnswerSlip, answer_url
        from hikkoshi.moves.answers import answer_code_for

        reference, code = answer_code_for(entry.pk, known=getattr(entry, "answer_code", None))
        answer = AnswerSlip(url=answer_url(settings.HIKKOSHI_PORTAL_URL, reference), reference=reference, code=code)
    return Outgoing(
        delivery_id=delivery.pk,
        idempotency_key=str(delivery.idempotency_key),
        attempt=delivery.attempts,
        procedure=slug,
        organisation=organisation.slug,
        organisation_name=organisation.name,
        settings=dict(channel_settings or {}),
        record=record,
        entry=procedure_entry,
        application=application_data(move, entry),
        receipt_keys=tuple(organisation.receipt_keys or ()),
        shares=shares,
        answer=answer,
    )


def shared_record(record: MoveRecord, shares: frozenset[str]) -> MoveRecord:
    """The move as one organisation may see it: the common items its procedure does not
    receive (``Procedure.shares``) are left out — blank — so that no channel, e-mail text or
    申込書 can carry them. (The moving day stays, blank is no date: a 申込書 leaves it out.)"""
    applicant = record.applicant
    # 外国人住民's fields (在留カード等の番号 …) go only where the procedure lists them, with the household.
    foreign = Item.FOREIGN_RESIDENT in shares and Item.MEMBERS in shares
    empty = Address(postcode="", address="", municipality_code="", municipality="")
    return replace(
        record,
        applicant=replace(
            applicant,
            name=applicant.name if Item.APPLICANT_NAME in shares else "",
            name_kana=applicant.name_kana if Item.APPLICANT_NAME in shares else "",
            birth_date=applicant.birth_date if Item.APPLICANT_BIRTH_DATE in shares else None,
            # 続柄 and 性別 belong with the household.
            relationship=applicant.relationship if Item.MEMBERS in shares else "",
            sex=applicant.sex if Item.MEMBERS in shares else "",
            foreign=applicant.foreign if foreign else None,
        ),
        phone=record.phone if Item.APPLICANT_PHONE in shares else "",
        email=record.email if Item.APPLICANT_EMAIL in shares else "",
        members=(record.members if foreign else tuple(replace(m, foreign=None) for m in record.members))
        if Item.MEMBERS in shares
        else (),
        head_of_household=record.head_of_household if Item.MEMBERS in shares else "",
        old_address=record.old_address if Item.OLD_ADDRESS in shares else empty,
        new_address=record.new_address if Item.NEW_ADDRESS in shares else empty,
    )


# The applicant's data by the common item that carries it.
APPLICANT_ITEMS = {
    "name": Item.APPLICANT_NAME,
    "name_kana": Item.APPLICANT_NAME,
    "birth_date": Item.APPLICANT_BIRTH_DATE,
    "phone": Item.APPLICANT_PHONE,
    "email": Item.APPLICANT_EMAIL,
}


def application_data(move: Move, entry: MoveProcedure) -> ApplicationData:
    """The application as JSON: what the web channel posts (申請データ).

    Only the common items the procedure's organisation receives (``Procedure.shares``, listed
    as ``"shared"``) and the procedure's own fields; an item it does not receive is left out.
    """
    definition = entry.version.definition
    shares = shared_items(definition)
    data: ApplicationData = {
        "format": "hikkoshi.application/2",
        "move_id": str(move.public_id),
        "number": move.number,  # 申請番号, what the mover quotes when they call
        "procedure": {"id": definition["slug"], "version": entry.version.number, "name": definition["name"]},
        "organisation": entry.version.procedure.organisation.slug,
        "submitted_at": move.submitted_at.isoformat() if move.submitted_at else None,
        "kinds": list(entry.kinds),
        "shared": list(shares),
        "applicant": {
            key: value for key, value in (move.applicant or {}).items() if APPLICANT_ITEMS.get(key) in shares
        },
    }
    if Item.MOVE_DATE in shares:
        data["move_date"] = move.move_date.isoformat() if move.move_date else None
    if Item.MEMBERS in shares:
        # 外国人住民's fields (在留カード等の番号 …) only where the procedure receives them too.
        foreign = Item.FOREIGN_RESIDENT in shares
        data["members"] = [{k: v for k, v in m.items() if foreign or k not in FOREIGN_KEYS} for m in move.members or []]
        for key in ("relationship", "sex"):  # the applicant's 続柄 and 性別 go with the household
            if key in (move.applicant or {}):
                data["applicant"][key] = move.applicant[key]
        if foreign:
            for key in FOREIGN_KEYS & set(move.applicant or {}):
                data["applicant"][key] = move.applicant[key]
        household = getattr(move, "household", None)  # 世帯主, where the move has it
        if household:
            data["household"] = household_data(household, data["applicant"], move.applicant or {}, data["members"])
    if Item.OLD_ADDRESS in shares:
        data["from"] = move.old_address
    if Item.NEW_ADDRESS in shares:
        data["to"] = move.new_address
    data["fields"] = entry.values
    return data


def household_data(
    household: JSONObject, applicant: JSONObject, stored_applicant: JSONObject, members: list[JSONObject]
) -> Household:
    """``"household"`` of the application: who the 世帯主 at the new address is (``head``:
    ``applicant``, ``members[N]`` or ``other``), by name (``head_name``), and that every
    ``relationship`` (続柄) is to that 世帯主 (``"relationship_to": "head"``); the 世帯主's own
    row reads 世帯主, as on the 住民異動届. ``applicant`` and ``members`` are changed in place."""
    head = household.get("head", "")
    if head == HEAD_APPLICANT:
        name = stored_applicant.get("name", "")
        applicant["relationship"] = HEAD_RELATIONSHIP
    elif head == HEAD_OTHER:
        name = household.get("head_name", "")
    else:
        index = int(head[len("members[") : -1]) if head.startswith("members[") else -1
        name = members[index].get("name", "") if 0 <= index < len(members) else ""
        if name:
            members[index]["relationship"] = HEAD_RELATIONSHIP
    return {"head": head, "head_name": name, "relationship_to": "head"}


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Queue again what lost its worker or its task. Safe to run anywhere, any number of times."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"])
    lost = 0
    # Through the status index; then their earlier losses in one query (a GROUP BY joined to
    # the deliveries would let the database walk every delivery in id order instead).
    sending = list(Delivery.objects.filter(status=ProcedureStatus.SENDING, sending_since__lt=now - lease))
    lost_before: dict[int, int] = (
        dict(
            DeliveryEvent.objects.filter(delivery_id__in=[d.pk for d in sending], kind=Kind.LOST)
            .order_by()
            .values_list("delivery_id")
            .annotate(n=Count("id"))
        )
        if sending
        else {}
    )
    for delivery in sending:
        losses = lost_before.get(delivery.pk, 0) + 1
        decision = policy.decide(
            retryable=losses < MAX_LOSSES, attempt=delivery.attempts, created_at=delivery.retry_from, now=now
        )
        with transaction.atomic():
            # Only while its lease is still past: its worker may have renewed it since it was read.
            expired = Q(sending_since__lt=now - lease)
            if decision.retry:
                outcome = {"status": ProcedureStatus.RETRYING, "next_attempt_at": now}
            else:  # lost again and again (it may be what kills its worker), or too old: staff decide
                outcome = {
                    "status": ProcedureStatus.FAILED,
                    "next_attempt_at": None,
                    "error_code": "worker_lost",
                    "error_detail": f"worker lost {losses} times",
                }
            mine = _set(delivery, owned_by=delivery.claim, only_from=expired, claim="", **outcome)
            if mine:
                _recorded(delivery, Kind.LOST if decision.retry else Kind.FAILED, None, code="worker_lost")
                if decision.retry:
                    transaction.on_commit(_enqueuer(delivery.pk), robust=True)
                lost += 1
    requeued = 0
    # Read through the (status, next attempt) index, then their tasks a batch at a time.
    overdue = list(
        Delivery.objects.filter(status__in=OPEN, next_attempt_at__lt=now - lease).values_list("pk", "task_id")
    )
    for start in range(0, len(overdue), SWEEP_BATCH):
        batch = overdue[start : start + SWEEP_BATCH]
        pending = tasks_pending([task_id for _, task_id in batch])
        for pk, task_id in batch:
            if task_id not in pending:
                enqueue(pk)
                requeued += 1
    from .notices import sweep as sweep_notices

    notices = sweep_notices(now=now)  # withdrawals and corrections, the same way
    return {"lost": lost + notices["lost"], "requeued": requeued + notices["requeued"]}


SWEEP_BATCH = 500


def _enqueuer(delivery_id: int) -> Callable[[], None]:
    """``enqueue(delivery_id)`` for ``on_commit``, its id bound now (not the loop's last)."""
    return lambda: enqueue(delivery_id)


def tasks_pending(task_ids: list[str]) -> set[str]:
    """Which of these tasks still wait for a worker (one query for them all)."""
    from django_tasks_db.models import DBTaskResult

    ids = [task_id for task_id in task_ids if task_id]
    # A RUNNING row whose worker died stays RUNNING for ever: only a task still waiting counts.
    # (A second task for a delivery is harmless: the claim lets one of them send it.)
    return (
        {str(pk) for pk in DBTaskResult.objects.filter(pk__in=ids, status="READY").values_list("pk", flat=True)}
        if ids
        else set()
    )


TASK_RESULTS_KEPT = timedelta(days=7)
PRUNE_BATCH = 1000


def prune_task_results(*, now: datetime | None = None, kept: timedelta = TASK_RESULTS_KEPT) -> int:
    """Delete the results of delivery tasks finished more than ``kept`` ago, in batches (the
    deliveries and their events keep the history); how many were deleted. Run hourly by the
    worker with the erasure."""
    from django_tasks_db.models import DBTaskResult

    cutoff = (now or timezone.now()) - kept
    finished = DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff)
    deleted = 0
    while True:
        batch = list(finished.order_by().values_list("pk", flat=True)[:PRUNE_BATCH])
        if not batch:
            return deleted
        deleted += DBTaskResult.objects.filter(pk__in=batch).delete()[0]


def resend(delivery: Delivery, *, user: "User | None", reason: str) -> bool:
    """Staff: send a failed (or stuck) delivery again, with the same idempotency key."""
    lease = timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"])
    now = timezone.now()
    # Not while a worker may still be sending it (within its lease): it would go twice.
    allowed = Q(
        status__in=[ProcedureStatus.FAILED, ProcedureStatus.RETRYING, ProcedureStatus.HANDLED, ProcedureStatus.QUEUED]
    ) | Q(status=ProcedureStatus.SENDING, sending_since__lt=now - lease)
    if not Delivery.objects.filter(allowed, pk=delivery.pk).exists():
        return False
    if Move.objects.filter(procedures__delivery=delivery, erased_at__isnull=False).exists():
        return False  # its personal data is gone: there is nothing left to send
    with transaction.atomic():
        if not _set(
            delivery, only_from=allowed, status=ProcedureStatus.QUEUED, next_attempt_at=now, claim="", retry_from=now
        ):  # a fresh maximum age for the staff's new try
            return False
        DeliveryEvent.objects.create(
            delivery=delivery, kind=Kind.RESENT, attempt=delivery.attempts, detail=reason[:300], actor=user
        )
        transaction.on_commit(lambda: enqueue(delivery.pk), robust=True)
    return True


def mark_handled(delivery: Delivery, *, user: "User | None", reason: str) -> bool:
    """Staff: a failed delivery was dealt with another way (phoned, posted, …)."""
    closable = ~Q(status__in=[ProcedureStatus.DELIVERED, ProcedureStatus.IN_PERSON, ProcedureStatus.HANDLED])
    now = timezone.now()
    with transaction.atomic():
        if not _set(
            delivery,
            only_from=closable,
            status=ProcedureStatus.HANDLED,
            next_attempt_at=None,
            claim="",
            handled_by=user,
            handled_at=now,
            handled_reason=reason,
        ):
            return False
        DeliveryEvent.objects.create(
            delivery=delivery, kind=Kind.HANDLED, attempt=delivery.attempts, detail=reason[:300], actor=user
        )
    return True


def deliveries_erase(*, move_id: int) -> None:
    """Erase what the deliveries of a move hold of its personal data (``hikkoshi.privacy`` calls
    it in the transaction that erases the move): what its withdrawals and corrections sent, the
    staff's free-text notes (a reason may name the mover), and — once that transaction has
    committed — its fax images left in a spool folder. What stays: channel, status, attempts,
    times, error codes, receipts (references, keys, digests) and the events' codes."""
    update_rows(Notice.objects.filter(delivery__entry__move_id=move_id), body={})  # each sealed for its row
    Delivery.objects.filter(entry__move_id=move_id).exclude(handled_reason="").update(handled_reason="")
    (
        DeliveryEvent.objects.filter(delivery__entry__move_id=move_id, kind__in=STAFF_NOTES)
        .exclude(detail="")
        .update(detail="")
    )
    transaction.on_commit(spooled_files_forgetter([move_id]))


# Events whose detail is a staff member's free text (the reason given).
STAFF_NOTES = (Kind.RESENT, Kind.HANDLED)


def spooled_files_forgetter(move_ids: Iterable[int]) -> Callable[[], None]:
    """Before deleting moves: a function that, called after the deletion commits, has each
    delivery's channel remove what it left outside the database (``Channel.forget``: the fax
    images in a spool folder hold the filled-in form, so personal data) — for the application
    and for each withdrawal and correction (取下げ・訂正), which went by the same channel under
    their own idempotency keys."""
    from hikkoshi.channels import registry

    ids = list(move_ids)
    rows = [
        (channel, str(key))
        for channel, key in Delivery.objects.filter(entry__move_id__in=ids).values_list("channel", "idempotency_key")
    ] + [
        (channel, str(key))
        for channel, key in Notice.objects.filter(delivery__entry__move_id__in=ids).values_list(
            "delivery__channel", "idempotency_key"
        )
    ]

    def forget() -> None:
        installed = registry()
        for name, key in rows:
            channel = installed.find(name)
            if channel is not None:
                channel.forget(key)

    return forget
