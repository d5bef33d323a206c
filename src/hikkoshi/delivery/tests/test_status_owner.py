"""moves owns a procedure's row (``MoveProcedure``): delivery changes its status and reference only
through ``moves.lifecycle.procedure_status_record``, and starts each delivery at the status moves
gave the procedure (``moves.services.initial_status``).

With the service replaced by a recorder that writes nothing, no step of a delivery's life changes
the procedure's row — a direct write slipped back into delivery fails here — and every step's
status arrives at the service."""

from datetime import timedelta

from django.utils import timezone
import pytest

from hikkoshi.delivery import services
from hikkoshi.delivery.channels import DeliveryError, Outcome
from hikkoshi.delivery.models import Delivery
from hikkoshi.moves import lifecycle, services as move_services
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.models import MoveProcedure
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation


@pytest.fixture
def recorded(monkeypatch):
    """The status changes delivery asks moves for, none of them written."""
    calls = []

    def record(*, procedure_id, status, reference=""):
        calls.append((procedure_id, str(status), reference))

    monkeypatch.setattr(lifecycle, "procedure_status_record", record)
    return calls


def _rows(move):
    return list(MoveProcedure.objects.filter(move=move).order_by("pk").values_list("pk", "status", "reference"))


def _sending(delivery, claim, *, ago=0):
    Delivery.objects.filter(pk=delivery.pk).update(
        status=ProcedureStatus.SENDING, claim=claim, attempts=1, sending_since=timezone.now() - timedelta(seconds=ago)
    )
    delivery.refresh_from_db()
    return delivery


def test_every_status_change_of_a_delivery_reaches_the_procedure_through_moves(
    sapporo, mover, admin_user, settings, recorded
):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    by_slug = {
        d.entry.version.procedure.slug: d
        for d in Delivery.objects.filter(entry__move=move).select_related("entry__version__procedure")
    }
    before = _rows(move)
    water, gas, power, stop = (
        by_slug[s]
        for s in ("sapporo-water-start", "hokkaido-gas-start", "hepco-electricity-start", "hepco-electricity-stop")
    )

    services._failed(_sending(water, "a"), "a", DeliveryError("http_503", retryable=True), None)
    services._failed(_sending(water, "b"), "b", DeliveryError("http_400", retryable=False), None)
    assert services.resend(Delivery.objects.get(pk=water.pk), user=admin_user, reason="fixed")
    services._succeeded(_sending(water, "c"), "c", Outcome(reference="W-1"), None)
    assert services.mark_handled(gas, user=admin_user, reason="phoned")
    _sending(stop, "lost", ago=settings.HIKKOSHI_DELIVERY["lease"] + 5)
    services.sweep()
    lifecycle.move_withdraw(
        move=move, entries=[MoveProcedure.objects.get(pk=power.entry_id)], user=mover, request_key="w" * 20
    )

    assert _rows(move) == before  # nothing written past moves' service
    assert recorded == [
        (water.entry_id, ProcedureStatus.RETRYING, ""),
        (water.entry_id, ProcedureStatus.FAILED, ""),
        (water.entry_id, ProcedureStatus.QUEUED, ""),
        (water.entry_id, ProcedureStatus.DELIVERED, "W-1"),
        (gas.entry_id, ProcedureStatus.HANDLED, ""),
        (stop.entry_id, ProcedureStatus.RETRYING, ""),
        (power.entry_id, ProcedureStatus.WITHDRAWN, ""),
    ]


def test_the_service_writes_the_status_and_a_reference_once_given(sapporo, mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    entry = move.procedures.exclude(status=ProcedureStatus.IN_PERSON).first()
    lifecycle.procedure_status_record(procedure_id=entry.pk, status=ProcedureStatus.DELIVERED, reference="R-9")
    lifecycle.procedure_status_record(procedure_id=entry.pk, status=ProcedureStatus.HANDLED)  # keeps the reference
    entry.refresh_from_db()
    assert (entry.status, entry.reference) == (ProcedureStatus.HANDLED, "R-9")
    with pytest.raises(ValueError):
        lifecycle.procedure_status_record(procedure_id=entry.pk, status="lost in the post")


def test_a_delivery_starts_at_the_status_moves_decided(sapporo, mover, monkeypatch):
    # One place decides "in person or queued": delivery takes what moves stored, whatever it is.
    monkeypatch.setattr(move_services, "initial_status", lambda definition: ProcedureStatus.IN_PERSON)
    move = move_submit(owner=mover, payload=sapporo_relocation())
    assert set(MoveProcedure.objects.filter(move=move).values_list("status", flat=True)) == {ProcedureStatus.IN_PERSON}
    deliveries = Delivery.objects.filter(entry__move=move)
    assert deliveries.count() == 7
    assert {(d.status, d.next_attempt_at) for d in deliveries} == {(ProcedureStatus.IN_PERSON, None)}


def test_the_initial_status_is_in_person_only_for_a_channel_that_sends_nothing():
    assert move_services.initial_status({"channel": "window"}) == ProcedureStatus.IN_PERSON
    for channel in ("web", "email", "fax"):
        assert move_services.initial_status({"channel": channel}) == ProcedureStatus.QUEUED
