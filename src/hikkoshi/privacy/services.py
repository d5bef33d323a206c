"""Erasure after the retention time (保存期間経過後の個人情報の消去).

``erase_expired()`` — run about once an hour by ``hikkoshi worker``, or by cron with
``hikkoshi privacy erase`` — erases the personal data of every submitted move

- whose every procedure and every delivery has a final status (``ProcedureStatus.final()``:
  delivered, failed, in_person, handled), and
- whose retention time (``HIKKOSHI_RETENTION_DAYS``, 30 days by default) has passed since its
  *retention start* (保存期間の起算点), the latest of:

  - its submission (``Move.submitted_at``; the only time when it has no delivery),
  - the last change of any of its deliveries: ``Delivery.delivered_at``, ``Delivery.handled_at``
    and the last ``DeliveryEvent.at`` (a staff resend that ended final again counts anew),
  - the end of its moving day and of the last day of any procedure's period
    (``MoveProcedure.deadline_to``): a window procedure is final (in_person) from the start,
    but the mover needs its pre-filled form and the result until they have been to the counter.

What erasure does, for each such move, in one transaction of its own. privacy decides when and
writes only its own rows (the counts); every other app erases its own rows through its own
erase service:

1. adds the move's anonymous counts to ``MoveStatistic`` (one for the move, one per procedure:
   month of submission, region, kinds of move, procedure, channel, final status);
2. moves (``moves.lifecycle.move_erase``) empties the personal fields: applicant, members,
   household (世帯主), both addresses and the draft of the move (``{}`` / ``[]``), each
   procedure's own values (``{}``), and sets ``Move.erased_at``;
3. delivery (``delivery.services.deliveries_erase``) empties what its withdrawals and
   corrections sent and the staff's free-text notes on its deliveries
   (``Delivery.handled_reason`` and the ``detail`` of "resent" / "handled" events), which may
   name the mover, and removes its fax images left in a spool folder once this commits;
4. assisted (``assisted.services.assisted_move_erase``) empties the customer's contact of a move
   entered for a customer;
5. notifications (``notifications.services.notifications_erase``) deletes the move's
   notifications (お知らせ and the mails' records: the organisation's words to the mover);
6. federation (``federation.handoffs.handoffs_erase``) empties what its hand-overs of the move
   keep (continue URLs, what an adapter sent); the consent rows and the transfer records
   (個人情報保護法 Art. 29/30) stay for their 3 years.

The audit log holds ids and codes only (no personal data): it stays as it is, with one more
event saying the move was erased.

What stays: the move row (owner, public id, status, kinds, moving day, dates, idempotency key),
its procedures (version, kinds, status, period, the organisation's reference, the office from
the directory), its deliveries (channel, status, attempts, times, error codes, the receipt —
a web receipt holds the organisation's reference, keys and the digest of what was sent, no
personal data), the delivery events (codes, times, who), and django-tasks-db's results (a
delivery id and an outcome word). The move still lists in its owner's "My moves", without
personal data. A move is erased once: a second run finds ``erased_at`` set and counts nothing.
"""

from collections import Counter
from datetime import date, datetime, time, timedelta
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from hikkoshi.assisted.services import assisted_move_erase
from hikkoshi.audit.services import Action, record
from hikkoshi.delivery.models import Delivery, Notice
from hikkoshi.delivery.services import deliveries_erase
from hikkoshi.federation.handoffs import handoffs_erase
from hikkoshi.moves.constants import MoveStatus, ProcedureStatus
from hikkoshi.moves.lifecycle import draft_delete_stale, move_erase
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.notifications.services import notifications_erase

from .models import MoveStatistic

logger = logging.getLogger(__name__)

OPEN = sorted(set(ProcedureStatus.values) - set(ProcedureStatus.final()))


def retention() -> timedelta:
    return timedelta(days=settings.HIKKOSHI_RETENTION_DAYS)


def _end_of(day: date) -> datetime:
    """The first instant after ``day`` (Japan time)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def retention_start(move: Move) -> datetime | None:
    """When the retention time of a submitted move starts (see the module docstring); None
    while any of its procedures or deliveries is not final, or for a draft."""
    if move.status != MoveStatus.SUBMITTED or move.submitted_at is None:
        return None
    entries = MoveProcedure.objects.filter(move=move)
    if (
        entries.filter(status__in=OPEN).exists()
        or Delivery.objects.filter(entry__move=move, status__in=OPEN).exists()
        # a withdrawal or correction still on its way needs the data it sends
        or Notice.objects.filter(delivery__entry__move=move, status__in=Notice.UNFINISHED).exists()
    ):
        return None
    found = entries.aggregate(
        deadline=Max("deadline_to"),
        delivered=Max("delivery__delivered_at"),
        handled=Max("delivery__handled_at"),
        event=Max("delivery__events__at"),
    )
    times = [move.submitted_at, found["delivered"], found["handled"], found["event"]]
    days = [move.move_date, found["deadline"]]
    return max([t for t in times if t is not None] + [_end_of(d) for d in days if d is not None])


def erasure_due(move: Move) -> datetime | None:
    """When the personal data of ``move`` will be erased (at the first run after it); None
    while that is not yet known (a delivery still open) or when it was erased already."""
    if move.erased_at is not None:
        return None
    start = retention_start(move)
    return start + retention() if start else None


def stale_assisted_drafts(*, now: datetime):
    """The drafts entered for a customer and untouched for the retention time. No ordering:
    the moves' default (newest first) would make the database walk every move in that order
    instead of reading the few drafts through their own index."""
    return Move.objects.filter(
        status=MoveStatus.DRAFT, assisted__isnull=False, updated_at__lt=now - retention()
    ).order_by()


def delete_abandoned_drafts(*, now: datetime | None = None) -> int:
    """Delete drafts entered for a customer (代行) and left untouched for the retention time.

    The customer has no account to delete them from, and a draft never reaches an
    organisation: what they told the operator or the agency must not stay for ever. (A mover's
    own drafts stay in their account until they delete them or the account.)"""
    now = now or timezone.now()
    stale = stale_assisted_drafts(now=now)
    deleted = 0
    for move in stale.only("pk", "public_id"):
        with transaction.atomic():
            if draft_delete_stale(move_id=move.pk, untouched_before=now - retention()):
                record(None, action=Action.DELETE, move=move.public_id, target="abandoned draft", via="system")
                deleted += 1
    if deleted:
        logger.info("deleted %d draft(s) entered for customers and left untouched", deleted)
    return deleted


ERASE_BATCH = 500


def erase_expired(*, now: datetime | None = None) -> int:
    """Erase the personal data of every move past its retention time; the number erased."""
    now = now or timezone.now()
    delete_abandoned_drafts(now=now)
    cutoff = now - retention()
    cutoff_day = timezone.localdate(cutoff)
    # A coarse filter in SQL (every retention start is at or after these; the partial index
    # move_erasure_due_idx holds only the submitted, not yet erased moves); the exact test,
    # and the erasure, under the move's lock, one move at a time; the candidates a batch at a
    # time, so neither the query nor the list grows with the years of moves.
    candidates = (
        Move.objects.filter(status=MoveStatus.SUBMITTED, erased_at__isnull=True, submitted_at__lt=cutoff)
        .filter(Q(move_date__isnull=True) | Q(move_date__lt=cutoff_day))
        .exclude(procedures__status__in=OPEN)
        .exclude(procedures__deadline_to__gte=cutoff_day)
        .exclude(procedures__delivery__status__in=OPEN)
        .exclude(procedures__delivery__notices__status__in=Notice.UNFINISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    erased = 0
    last = 0
    while True:
        batch = list(candidates.filter(pk__gt=last)[:ERASE_BATCH])
        if not batch:
            break
        last = batch[-1]
        for pk in batch:
            if _erase(pk, now=now, cutoff=cutoff):
                erased += 1
    if erased:
        logger.info("erased the personal data of %d move(s) past the retention time", erased)
    return erased


def _erase(pk: int, *, now: datetime, cutoff: datetime) -> bool:
    with transaction.atomic():
        # FOR NO KEY UPDATE (the move's row changes, never its key): a transaction that adds a row
        # pointing at the move (an answer's notification; at its commit PostgreSQL checks the
        # foreign key with FOR KEY SHARE) while this erasure waits for a row it holds, commits.
        move = (
            Move.objects.select_for_update(no_key=True)
            .filter(pk=pk, status=MoveStatus.SUBMITTED, erased_at__isnull=True)
            .only("pk", "status", "kinds", "move_date", "submitted_at", "erased_at")
            .first()
        )
        if move is None:
            return False  # erased meanwhile by another run
        start = retention_start(move)
        if start is None or start >= cutoff:
            return False
        _count(move)
        # Each app erases its own rows (see the module docstring); the counts above are ours.
        move_erase(move_id=pk, now=now)
        deliveries_erase(move_id=pk)  # its spooled fax images too, once this commits
        assisted_move_erase(move_id=pk)  # a move entered for a customer (代行): the contact
        notifications_erase(move_id=pk)  # お知らせ and the records of the mails
        handoffs_erase(move_id=pk)  # hand-overs to or from partner portals: their payloads
        record(
            None, action=Action.ERASE, move=Move.objects.values_list("public_id", flat=True).get(pk=pk), via="system"
        )
    return True


def _count(move: Move) -> None:
    """Add one move and its procedures to the anonymous counts."""
    month = timezone.localtime(move.submitted_at).strftime("%Y-%m")
    common = {"month": month, "region": settings.HIKKOSHI_REGION[:20], "kinds": "+".join(sorted(move.kinds))[:60]}
    counts: Counter = Counter({("", "", ""): 1})
    entries = MoveProcedure.objects.filter(move=move).select_related("version", "delivery").defer("values")
    for entry in entries:
        definition = entry.version.definition
        delivery = getattr(entry, "delivery", None)
        channel = delivery.channel if delivery else definition.get("channel", "")
        status = delivery.status if delivery else entry.status
        counts[(definition.get("slug", "")[:100], channel[:10], status[:12])] += 1
    for (procedure, channel, status), n in sorted(counts.items()):
        add_count(**common, procedure=procedure, channel=channel, status=status, n=n)


def add_count(*, month: str, region: str, kinds: str, procedure: str, channel: str, status: str, n: int = 1) -> None:
    """Add ``n`` to one count (made when missing); safe when several processes add at once."""
    key = {
        "month": month,
        "region": region,
        "kinds": kinds,
        "procedure": procedure,
        "channel": channel,
        "status": status,
    }
    if MoveStatistic.objects.filter(**key).update(count=F("count") + n):
        return
    try:
        with transaction.atomic():
            MoveStatistic.objects.create(**key, count=n)
    except IntegrityError:  # another process made it meanwhile
        MoveStatistic.objects.filter(**key).update(count=F("count") + n)
