"""Two workers and one fax: a worker whose lease ran out while it was still rendering must not
send once another worker has re-claimed the delivery; a worker that is alive keeps its lease
while it works. Through the real SMTP sink standing in for the e-mail-to-fax gateway."""

from datetime import timedelta
import email
from email import policy
import threading
import time

from django.db import connection
from django.utils import timezone
import pytest

from hikkoshi.catalogue.models import Procedure
from hikkoshi.delivery import services, smtp as smtp_module
from hikkoshi.delivery.channels import fax
from hikkoshi.delivery.models import Delivery
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import moving_day, sapporo_relocation


@pytest.fixture
def sink(fax_mail_gateway):
    return fax_mail_gateway


def _fax_delivery(mover) -> Delivery:
    newspaper = Procedure.objects.get(slug="hokkaido-shimbun-subscription")
    newspaper.channel_settings = {"fax_number": "011-210-5555"}
    newspaper.save()
    payload = sapporo_relocation()
    payload["procedures"].append(
        {"id": "hokkaido-shimbun-subscription", "fields": {"start_date": moving_day().isoformat()}}
    )
    move = move_submit(owner=mover, payload=payload)
    return Delivery.objects.get(entry__move=move, channel="fax")


def _faxes(sink, delivery) -> list[str]:
    """Message-IDs of the faxes of ``delivery`` at the gateway (the sink)."""
    found = []
    for name in sink.store.names():
        msg = email.message_from_bytes(sink.store.path(name).read_bytes(), policy=policy.default)
        if msg["X-Hikkoshi-Fax-Pages"] and msg["Message-ID"] == smtp_module.message_id_for(
            str(delivery.idempotency_key)
        ):
            found.append(msg["Message-ID"])
    return found


class _Worker(threading.Thread):
    """A worker thread running ``services.deliver`` once, with its own database connection."""

    def __init__(self, delivery_id: int, **kwargs):
        super().__init__(daemon=True)
        self.delivery_id, self.kwargs, self.result = delivery_id, kwargs, None

    def run(self):
        try:
            self.result = services.deliver(self.delivery_id, **self.kwargs)
        finally:
            connection.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_lease_ran_out_does_not_send_what_another_worker_re_claimed(
    sapporo, mover, sink, settings, monkeypatch
):
    delivery = _fax_delivery(mover)
    rendering, release = threading.Event(), threading.Event()
    render = fax.render_fax
    first = []

    def slow_render(outgoing, number):  # the first worker renders under overload: very slowly
        if not first:
            first.append(threading.current_thread())
            rendering.set()
            assert release.wait(60)
        return render(outgoing, number)

    monkeypatch.setattr(fax, "render_fax", slow_render)
    a = _Worker(delivery.pk)
    a.start()
    assert rendering.wait(60)
    # Past worker A's lease: the sweeper takes the delivery back, worker B claims it and sends it.
    later = timezone.now() + timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"] + 1)
    assert services.sweep(now=later)["lost"] == 1
    b = _Worker(delivery.pk, now=later)
    b.start()
    b.join(60)
    assert b.result == "delivered"
    release.set()  # worker A finishes its rendering: the delivery is no longer its to send
    a.join(60)
    assert len(_faxes(sink, delivery)) == 1  # faxed once, by worker B
    assert a.result == "claim lost"
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.DELIVERED and delivery.entry.status == ProcedureStatus.DELIVERED
    assert [e.kind for e in delivery.events.order_by("id")] == ["lost", "delivered"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_alive_keeps_its_lease_while_the_gateway_takes_its_time(sapporo, mover, sink, settings, monkeypatch):
    settings.HIKKOSHI_DELIVERY = {**settings.HIKKOSHI_DELIVERY, "lease": 0.6}  # renewed every 0.2 s
    delivery = _fax_delivery(mover)
    handing_over, release = threading.Event(), threading.Event()
    send = smtp_module.send_message

    def slow_gateway(message):  # the gateway takes longer than a lease to take the fax
        handing_over.set()
        assert release.wait(60)
        return send(message)

    monkeypatch.setattr(smtp_module, "send_message", slow_gateway)
    a = _Worker(delivery.pk)
    a.start()
    assert handing_over.wait(60)
    time.sleep(2)  # more than three leases
    assert services.sweep()["lost"] == 0  # alive and renewing: not taken for lost
    assert Delivery.objects.get(pk=delivery.pk).status == ProcedureStatus.SENDING
    release.set()
    a.join(60)
    assert a.result == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.DELIVERED
    assert len(_faxes(sink, delivery)) == 1
    # The renewing thread leaves once no worker holds anything.
    from hikkoshi.delivery import lease

    for _ in range(50):
        if lease._keeper.thread is None:
            break
        time.sleep(0.1)
    assert lease._keeper.thread is None


def test_the_check_before_a_hand_over_holds_only_while_the_claim_is_this_workers(sapporo, mover):
    """``Hold.check`` for both kinds of row a worker sends (an application, a withdrawal or
    correction notice): still "sending" under this claim, or ``ClaimLost`` — another claim, or
    the row closed meanwhile (staff marked it handled)."""
    from hikkoshi.delivery.channels.base import ClaimLost
    from hikkoshi.delivery.lease import Hold
    from hikkoshi.delivery.models import Notice

    delivery = _fax_delivery(mover)
    Delivery.objects.filter(pk=delivery.pk).update(status=ProcedureStatus.SENDING, claim="mine")
    notice = Notice.objects.create(
        delivery=delivery, kind=Notice.Kind.WITHDRAWAL, request_key="r", status=Notice.Status.SENDING, claim="mine"
    )
    for model, pk, rows in ((Delivery, delivery.pk, Delivery.objects), (Notice, notice.pk, Notice.objects)):
        Hold(model, pk, "mine").check()
        with pytest.raises(ClaimLost):
            Hold(model, pk, "another").check()
        rows.filter(pk=pk).update(status="handled")
        with pytest.raises(ClaimLost):
            Hold(model, pk, "mine").check()
