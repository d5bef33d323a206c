"""Faults, each a test, through real peers on 127.0.0.1 and real worker processes.

An organisation down for a while; a worker killed with SIGKILL in the middle of sending; SMTP
answering 4xx then 250, and 5xx; a receiver answering slowly past the timeout; a receipt with a
bad signature; the database locked for longer than SQLite's busy timeout. After each, every
application is at its organisation exactly once, or the failure is final and visible.
"""

import json
import threading
import time

from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone
import pytest

from hikkoshi.catalogue.models import Procedure
from hikkoshi.delivery import services
from hikkoshi.delivery.keys import jwks
from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.testing import WorkerProcess, wait_until
from hikkoshi.directory.services import set_receipt_keys
from hikkoshi.httpsig import generate_key, key_id_for, make_jwks
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.receiver.testing import ReceiverProcess
from hikkoshi.serving import free_port

WEB = ("sapporo-waterworks", "hokkaido-gas", "hepco")


def _web_deliveries(move):
    return Delivery.objects.filter(entry__move=move, channel="web")


def _point_web_at(receiver, *, keys_from=None):
    for procedure in Procedure.objects.filter(channel="web").select_related("organisation"):
        procedure.channel_settings = {"endpoint": receiver.endpoint(procedure.organisation.slug)}
        procedure.save()
    for slug in WEB:
        set_receipt_keys(slug=slug, keys=(keys_from or receiver).receipt_keys(slug))


def _arrived(receiver) -> dict[str, int]:
    """Applications at the receiver by idempotency key (from its staff CSV export)."""
    import csv
    import io

    import httpx

    counts: dict[str, int] = {}
    for slug in WEB:
        text = httpx.get(receiver.url(f"/{slug}/export.csv"), timeout=30).text.lstrip("\ufeff")
        for row in list(csv.reader(io.StringIO(text)))[1:]:
            key = row[4]  # reference, received at, procedure, applicant, idempotency key, key id
            counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.fixture
def portal_keys(tmp_path, settings):
    path = tmp_path / "portal-keys.json"
    path.write_text(json.dumps(jwks()))
    return path


@pytest.fixture
def receiver(tmp_path, portal_keys):
    r = ReceiverProcess(tmp_path / "receiver", list(WEB), portal_key_file=portal_keys, workers=2)
    r.start()
    yield r
    r.stop()


def _all_final(move):
    return not _web_deliveries(move).exclude(status__in=list(ProcedureStatus.final())).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_organisation_down_for_a_while_gets_each_application_once(sapporo, mover, tmp_path, receiver):
    _point_web_at(receiver)
    port = receiver.port
    # The organisation goes down; its port held meanwhile, refusing (no other test's server
    # takes it and answers in its place: a read timeout, where the refusal is what is tested).
    receiver.stop(keep_data=True, hold_port=True)
    move = move_submit(owner=mover, payload=sapporo_relocation())
    with WorkerProcess(processes=2, log_path=tmp_path / "worker.log"):
        wait_until(
            lambda: all(d.attempts >= 2 and d.status == ProcedureStatus.RETRYING for d in _web_deliveries(move)),
            timeout=60,
            what="retries while it is down",
        )
        assert {d.error_code for d in _web_deliveries(move)} <= {"connect_error", "connect_timeout", "transport_error"}
        receiver.start(port=port)  # back again
        wait_until(lambda: _all_final(move), timeout=60, what="delivery after it came back")
    deliveries = list(_web_deliveries(move))
    assert all(d.status == ProcedureStatus.DELIVERED and d.reference for d in deliveries)
    arrived = _arrived(receiver)
    assert sorted(arrived) == sorted(str(d.idempotency_key) for d in deliveries)
    assert set(arrived.values()) == {1}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_leaves_every_application_there_exactly_once(
    sapporo, mover, tmp_path, portal_keys
):
    # The organisation stores each application, then takes 2 s to answer: a worker killed in
    # between never learns that it arrived.
    slow = ReceiverProcess(tmp_path / "slow", list(WEB), portal_key_file=portal_keys, delay=2.0, workers=4)
    slow.start()
    try:
        _point_web_at(slow)
        move = move_submit(owner=mover, payload=sapporo_relocation())
        worker = WorkerProcess(processes=1, log_path=tmp_path / "worker.log").start()
        try:
            wait_until(lambda: _arrived(slow), timeout=60, what="a first application at the organisation")
            sending = wait_until(
                lambda: list(_web_deliveries(move).filter(status=ProcedureStatus.SENDING)),
                timeout=10,
                what="a delivery in the middle of sending",
            )
            worker.kill()
        finally:
            worker.stop()
        assert Delivery.objects.get(pk=sending[0].pk).status == ProcedureStatus.SENDING  # lost with its worker
        with WorkerProcess(processes=2, log_path=tmp_path / "worker2.log"):
            wait_until(lambda: _all_final(move), timeout=90, what="every delivery after the restart")
        deliveries = list(_web_deliveries(move))
        assert all(d.status == ProcedureStatus.DELIVERED for d in deliveries)
        assert any(e.kind == "lost" for d in deliveries for e in d.events.all())
        arrived = _arrived(slow)
        assert sorted(arrived) == sorted(str(d.idempotency_key) for d in deliveries)
        assert set(arrived.values()) == {1}  # the resend got the stored receipt, not a second application
    finally:
        slow.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_database_locked_longer_than_the_busy_timeout_delays_but_loses_nothing(sapporo, mover, tmp_path, receiver):
    _point_web_at(receiver)
    move = move_submit(owner=mover, payload=sapporo_relocation())
    release = threading.Event()
    locked = threading.Event()

    def hold_lock():
        if connection.vendor == "sqlite":
            import sqlite3

            raw = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
            raw.execute("BEGIN IMMEDIATE")  # every other writer waits, then gives up after 5 s
        else:
            import psycopg

            from hikkoshi.delivery.testing import database_url

            raw = psycopg.connect(database_url())
            raw.execute("LOCK TABLE delivery_delivery IN ACCESS EXCLUSIVE MODE")
        locked.set()
        release.wait(20)
        raw.rollback()
        raw.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(10)
    with WorkerProcess(processes=2, log_path=tmp_path / "worker.log"):
        time.sleep(7)  # longer than SQLite's busy_timeout (5 s)
        release.set()
        holder.join()
        wait_until(lambda: _all_final(move), timeout=60, what="delivery after the lock")
    assert all(d.status == ProcedureStatus.DELIVERED for d in _web_deliveries(move))
    assert set(_arrived(receiver).values()) == {1}


# --- in-process: one attempt at a time through deliver() -----------------------------------------


def _due_now(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_receiver_answering_past_the_timeout_is_retried(sapporo, mover, tmp_path, portal_keys, settings):
    settings.HIKKOSHI_DELIVERY = {**settings.HIKKOSHI_DELIVERY, "timeout": 1.0}
    slow = ReceiverProcess(tmp_path / "slow", list(WEB), portal_key_file=portal_keys, delay=3.0)
    slow.start()
    try:
        _point_web_at(slow)
        move = move_submit(owner=mover, payload=sapporo_relocation())
        delivery = _web_deliveries(move).first()
        assert services.deliver(delivery.pk).startswith("retry")
        delivery.refresh_from_db()
        assert delivery.status == ProcedureStatus.RETRYING and delivery.error_code == "timeout"
        assert delivery.entry.status == ProcedureStatus.RETRYING and delivery.next_attempt_at > timezone.now()
    finally:
        slow.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_receipt_with_a_bad_signature_is_a_final_failure_the_mover_sees(sapporo, mover, receiver, client):
    _point_web_at(receiver)
    other = generate_key()
    for slug in WEB:  # the directory holds another key than the one the organisation signs with
        set_receipt_keys(slug=slug, keys=make_jwks([(other.public_key(), key_id_for(other.public_key(), slug))]))
    move = move_submit(owner=mover, payload=sapporo_relocation())
    delivery = _web_deliveries(move).first()
    assert services.deliver(delivery.pk) == "failed: bad_receipt_signature"
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.FAILED and delivery.entry.status == ProcedureStatus.FAILED
    client.force_login(mover)
    page = client.get(f"/moves/{move.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "could not be delivered" in page


class _Answers:
    """An SMTP server's handler answering DATA from a script: "451 …", then "250 …", …"""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        answer = self.answers.pop(0) if self.answers else "250 OK"
        if answer.startswith("250"):
            self.received.append(envelope.content)
        return answer


@pytest.fixture
def smtp(settings):
    def start(*answers):
        handler = _Answers(*answers)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "port": port, "starttls": False, "user": ""}
        started.append(controller)
        return handler

    started = []
    yield start
    for controller in started:
        controller.stop()


def _email_move(mover):
    tax = Procedure.objects.get(slug="sapporo-property-tax")
    tax.channel_settings = {"to": "shisanzei@city.example.jp"}
    tax.save()
    payload = sapporo_relocation()
    payload["procedures"].append(
        {"id": "sapporo-property-tax", "fields": {"property_location": "札幌市北区北24条西6丁目"}}
    )
    move = move_submit(owner=mover, payload=payload)
    return Delivery.objects.get(entry__move=move, channel="email")


@pytest.mark.django_db(transaction=True)
def test_smtp_answering_4xx_then_250_delivers_once_after_a_retry(sapporo, mover, smtp):
    server = smtp("451 4.3.0 try again later")
    delivery = _email_move(mover)
    assert services.deliver(delivery.pk) == "retry: smtp_451"
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.RETRYING and not server.received
    _due_now(delivery)
    assert services.deliver(delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.DELIVERED and delivery.message_id
    assert len(server.received) == 1 and delivery.message_id.encode() in server.received[0]
    assert delivery.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_smtp_answering_5xx_is_final(sapporo, mover, smtp):
    smtp("550 5.1.1 no such mailbox")
    delivery = _email_move(mover)
    assert services.deliver(delivery.pk) == "failed: smtp_550"
    delivery.refresh_from_db()
    assert delivery.status == ProcedureStatus.FAILED and delivery.entry.status == ProcedureStatus.FAILED
    assert [e.kind for e in delivery.events.all()] == ["failed"]
