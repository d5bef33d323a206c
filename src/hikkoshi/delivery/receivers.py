"""What delivery does when something happens to a move (``moves.signals``): moves hands a
submitted move on, and passes on the mover's withdrawals, corrections and deletions, without
importing delivery. Connected in ``DeliveryConfig.ready()``."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.dispatch import receiver

from hikkoshi.moves.signals import move_corrected, move_submitted, move_withdrawn, moves_deleting

from . import notices
from .models import Delivery, Notice
from .services import outbox_add, spooled_files_forgetter

if TYPE_CHECKING:
    from hikkoshi.moves.models import Move, MoveProcedure

    from .notices import Requester


@receiver(move_submitted, dispatch_uid="hikkoshi.delivery.outbox_add")
def _outbox_add(
    sender: object, move: "Move", procedures: "list[MoveProcedure] | None" = None, **kwargs: Any
) -> list[Delivery]:
    # Inside the submission's transaction: the deliveries are stored with the move or not at
    # all; the workers get them once it has committed.
    return outbox_add(move, procedures)


@receiver(move_withdrawn, dispatch_uid="hikkoshi.delivery.withdraw")
def _withdraw(
    sender: object,
    move: "Move",
    procedures: "list[MoveProcedure]",
    user: "Requester",
    request_key: str,
    **kwargs: Any,
) -> list[Notice]:
    return notices.withdraw(move=move, entries=procedures, user=user, request_key=request_key)


@receiver(move_corrected, dispatch_uid="hikkoshi.delivery.correct")
def _correct(
    sender: object,
    move: "Move",
    changes: "list[tuple[MoveProcedure, list[str]]]",
    user: "Requester",
    request_key: str,
    **kwargs: Any,
) -> list[Notice]:
    return notices.correct(changes=changes, user=user, request_key=request_key)


@receiver(moves_deleting, dispatch_uid="hikkoshi.delivery.forget_spooled_files")
def _forget_spooled_files(sender: object, move_ids: Iterable[int], **kwargs: Any) -> None:
    # Fax images a spool-folder gateway left hold the filled-in form: their names are read
    # before the deliveries go, the files removed once the deletion is committed.
    transaction.on_commit(spooled_files_forgetter(move_ids))
