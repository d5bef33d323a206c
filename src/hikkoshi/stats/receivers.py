"""What is counted as it happens, from the signals of the apps below (they import nothing of
this app). Each receiver reads only codes and slugs, counts (``counting.count``: after the
commit of the transaction it is sent in) and never raises into the sender."""

import logging

from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_save

from hikkoshi.accounts.signals import sign_in_locked_out
from hikkoshi.assisted.models import AssistedMove
from hikkoshi.delivery import signals as delivery_signals
from hikkoshi.delivery.models import DeliveryEvent
from hikkoshi.directory.signals import organisations_searched
from hikkoshi.federation.models import Handoff, OutgoingHandoff, OutgoingState
from hikkoshi.moves.models import Move
from hikkoshi.moves.signals import move_erased, move_submitted, moves_deleting

from .counting import count, record

logger = logging.getLogger("hikkoshi.stats")

DELIVERY_EVENTS = {
    DeliveryEvent.Kind.DELIVERED: "delivered",
    DeliveryEvent.Kind.RETRY: "delivery_retry",
    DeliveryEvent.Kind.FAILED: "delivery_failed",
}


def move_kind(kinds: object) -> str:
    """A move's kinds as one code (``tenkyo``, ``tennyu+tenshutsu``)."""
    if not isinstance(kinds, list):
        return ""
    return "+".join(sorted(str(k) for k in kinds))


def entered_by(move_id: int) -> dict[str, str]:
    """Who entered a move: the mover, or a call centre or an agency's store (by their ids:
    ``organisation`` is ``agency:<id>`` or ``callcentre:<id>``, ``store`` the store's id)."""
    row = AssistedMove.objects.filter(move_id=move_id).values("kind", "store_id", "agency_id", "centre_id").first()
    if row is None:
        return {"entered_by": "mover"}
    if row["kind"] == AssistedMove.Kind.AGENCY:
        return {
            "entered_by": "agency",
            "store": str(row["store_id"] or ""),
            "organisation": f"agency:{row['agency_id']}",
        }
    return {"entered_by": "callcentre", "organisation": f"callcentre:{row['centre_id']}"}


def _guarded(receiver):
    def run(*args, **kwargs):
        try:
            receiver(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 (counting never breaks what it counts)
            logger.warning("stats_receiver_failed receiver=%s error=%s", receiver.__name__, type(exc).__name__)

    run.__name__ = receiver.__name__
    return run


@_guarded
def move_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from django.db import transaction

        # Who entered it is known once the transaction that made it (and its AssistedMove) commits.
        pk, kind = instance.pk, move_kind(instance.kinds)
        transaction.on_commit(lambda: _move_started(pk, kind), robust=True)


@_guarded
def _move_started(move_id: int, kind: str) -> None:
    record("move_started", {"kind": kind, **entered_by(move_id)})


@_guarded
def move_was_submitted(sender, move, **kwargs):
    address = move.new_address if isinstance(move.new_address, dict) else {}
    dims = {"kind": move_kind(move.kinds), "region": address.get("municipality_code", ""), **entered_by(move.pk)}
    record("move_submitted", dims)


@_guarded
def delivery_recorded(sender, kind, channel="", organisation="", code="", pages=None, **kwargs):
    """An attempt's outcome (``delivery.signals.delivery_recorded``), with what it is counted by:
    the delivery is not read back (counted after the commit of the worker's transaction)."""
    event = DELIVERY_EVENTS.get(kind)
    if event is None:
        return
    dims = {"channel": channel, "organisation": organisation}
    record(event, {"reason": code if event != "delivered" else "", **dims})
    if event == "delivered" and channel == "fax" and isinstance(pages, int):
        count("fax_pages", pages, organisation=organisation)


@_guarded
def handoff_received(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        count("handoff_in", source=f"partner:{instance.origin.slug}")


@_guarded
def handoff_sent(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or not update_fields or "state" not in update_fields:
        return
    if instance.state == OutgoingState.SENT:
        count("handoff_out", source=f"partner:{instance.peer.slug}")
    elif instance.state == OutgoingState.FAILED:
        count("handoff_failed", source=f"partner:{instance.peer.slug}", reason=instance.error)


@_guarded
def api_searched(sender, municipality_code="", category=None, own=False, **kwargs):
    """A search of the API: this portal's own clients (local), or a partner portal's."""
    count(
        "search",
        category=category or "",
        region=municipality_code,
        source="partner" if own else "local",
        channel="api",
    )


@_guarded
def sign_in_failed(sender, credentials=None, request=None, **kwargs):
    count("signin_failed")


@_guarded
def locked_out(sender, **kwargs):
    count("lockout")


def connect() -> None:
    post_save.connect(move_created, sender=Move, dispatch_uid="hikkoshi.stats.move_started")
    move_submitted.connect(move_was_submitted, dispatch_uid="hikkoshi.stats.move_submitted")
    delivery_signals.delivery_recorded.connect(delivery_recorded, dispatch_uid="hikkoshi.stats.delivery_recorded")
    post_save.connect(handoff_received, sender=Handoff, dispatch_uid="hikkoshi.stats.handoff_in")
    post_save.connect(handoff_sent, sender=OutgoingHandoff, dispatch_uid="hikkoshi.stats.handoff_out")
    organisations_searched.connect(api_searched, dispatch_uid="hikkoshi.stats.api_search")
    user_login_failed.connect(sign_in_failed, dispatch_uid="hikkoshi.stats.signin_failed")
    sign_in_locked_out.connect(locked_out, dispatch_uid="hikkoshi.stats.lockout")


# The survey's answers are erased with the move: not guarded (a failure undoes the erasure,
# which the next run does again, rather than keeping a comment past the retention time).
def move_erased_survey(sender, move_id, **kwargs):
    from .survey import survey_erase

    survey_erase(move_id=move_id)


def moves_deleting_survey(sender, move_ids, **kwargs):
    from .survey import surveys_delete

    surveys_delete(move_ids=move_ids)


def connect_survey() -> None:
    move_erased.connect(move_erased_survey, dispatch_uid="hikkoshi.stats.survey_erase")
    moves_deleting.connect(moves_deleting_survey, dispatch_uid="hikkoshi.stats.survey_delete")
