"""What notifications does when something happens to a move (``moves.signals``; a withdrawal's
notice, ``delivery.signals.withdrawal_changed``), inside the sender's transaction: it records
(rows, and tasks queued once the transaction commits), it never calls another system.
Connected in ``NotificationsConfig.ready()``."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from allauth.account.signals import email_changed, email_confirmed
from django.dispatch import receiver

from hikkoshi.delivery.signals import withdrawal_changed
from hikkoshi.moves.models import Move
from hikkoshi.moves.signals import move_submitted, move_withdrawn, moves_deleting, procedure_status_changed

from . import bounces, services
from .models import Notification

if TYPE_CHECKING:
    from hikkoshi.moves.models import MoveProcedure


@receiver(move_submitted, dispatch_uid="hikkoshi.notifications.submitted")
def _submitted(sender: object, move: "Move", procedures: "list[MoveProcedure] | None" = None, **kwargs: Any) -> None:
    services.on_submitted(move, list(procedures) if procedures is not None else list(move.procedures.all()))


@receiver(procedure_status_changed, dispatch_uid="hikkoshi.notifications.status_changed")
def _status_changed(
    sender: object,
    procedure: "MoveProcedure",
    old_status: str,
    new_status: str,
    message: str = "",
    withdrawing: bool = True,
    **kwargs: Any,
) -> None:
    if old_status != new_status:
        services.on_status_changed(procedure, new_status, message or "", withdrawing=withdrawing)


@receiver(withdrawal_changed, dispatch_uid="hikkoshi.notifications.withdrawal_changed")
def _withdrawal_changed(sender: object, entry_id: int, **kwargs: Any) -> None:
    # A withdrawal closed unsent, or sent again: whether its procedure counts as withdrawn changed.
    services.summary_if_settled(Move.objects.get(procedures__pk=entry_id))


@receiver(move_withdrawn, dispatch_uid="hikkoshi.notifications.withdrawn")
def _withdrawn(sender: object, move: "Move", **kwargs: Any) -> None:
    # After delivery's receiver (its app is readied, and its receivers connected, first): the
    # procedures not yet sent are withdrawn by then, the others have their withdrawal notice.
    services.on_withdrawn(move)


@receiver(moves_deleting, dispatch_uid="hikkoshi.notifications.deleting")
def _deleting(sender: object, move_ids: Iterable[int], **kwargs: Any) -> None:
    # The rows go with the moves (CASCADE); cancelled first, so a worker holding one already
    # finds it closed rather than mailing about a move its owner deleted.
    services.cancel(Notification.objects.filter(move_id__in=list(move_ids)))


@receiver(email_confirmed, dispatch_uid="hikkoshi.notifications.email_confirmed")
def _email_confirmed(sender: object, email_address: Any = None, **kwargs: Any) -> None:
    # A confirmed address receives mail: a bounce recorded against it no longer holds.
    if email_address is not None:
        bounces.clear(str(email_address.email))


@receiver(email_changed, dispatch_uid="hikkoshi.notifications.email_changed")
def _email_changed(sender: object, to_email_address: Any = None, **kwargs: Any) -> None:
    if to_email_address is not None:
        bounces.clear(str(to_email_address.email))
