"""The provider sandbox of ``hikkoshi demo`` (``delivery.sandbox.demo``) as it runs: the receiver,
the SMTP sink and the workers as processes, on free ports of 127.0.0.1 rather than the demo's."""

import socket

import httpx
import pytest

from hikkoshi.catalogue.models import Procedure
from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.sandbox.demo import RECEIVER_PORT, Sandbox, SandboxError
from hikkoshi.delivery.testing import database_url, wait_until
from hikkoshi.directory.models import Organisation
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import moving_day, sapporo_relocation
from hikkoshi.serving import free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def ports(settings, monkeypatch):
    """Free ports for the receiver, the SMTP sink and its page; the portal (this process and the
    sandbox's workers) sends mail to that sink, on the test database."""
    receiver, smtp, web = free_port(), free_port(), free_port()
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "host": "127.0.0.1", "port": smtp}
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "hikkoshi.settings.dev")
    monkeypatch.setenv("DATABASE_URL", database_url())
    monkeypatch.setenv("HIKKOSHI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HIKKOSHI_SMTP_PORT", str(smtp))
    monkeypatch.setenv("HIKKOSHI_FAX_GATEWAY", "email")  # fax through the e-mail gateway, to the sink
    return receiver, smtp, web


def test_the_sandbox_receives_what_a_move_sends_and_stops(sapporo, mover, tmp_path, ports, settings):
    receiver_port, smtp_port, web_port = ports
    settings.HIKKOSHI_PORTAL_URL = "http://127.0.0.1:8123/"
    # The shipped web procedures point at the demo's receiver port: here at this one.
    for procedure in Procedure.objects.filter(channel="web"):
        procedure.channel_settings = {
            key: value.replace(f":{RECEIVER_PORT}/", f":{receiver_port}/") if isinstance(value, str) else value
            for key, value in procedure.channel_settings.items()
        }
        procedure.save()
    web = set(Procedure.objects.filter(channel="web", active=True).values_list("organisation__slug", flat=True))
    assert web and not Organisation.objects.filter(slug__in=web).exclude(receipt_keys=[]).exists()

    sandbox = Sandbox(tmp_path, workers=1, log=lambda line: None, receiver_port=receiver_port, web_port=web_port)
    shown = sandbox.start()
    try:
        assert shown == {
            "receiver": f"http://127.0.0.1:{receiver_port}/",
            "mail": f"http://127.0.0.1:{web_port}/",
            "logs": str(tmp_path / "sandbox"),
        }
        # The receiver's staff's answers (処理状況) go to this portal's answers endpoint.
        args = sandbox.processes["receiver"].args
        assert args[args.index("--portal-answers-url") + 1] == "http://127.0.0.1:8123/api/v1/answers"
        # The organisations the receiver serves publish their keys, and the portal has them.
        assert not Organisation.objects.filter(slug__in=web, receipt_keys=[]).exists()
        # The sample e-mail and fax procedures were given the sink's stand-ins.
        assert all(p.channel_settings.get("sample") for p in Procedure.objects.filter(channel__in=["email", "fax"]))

        payload = sapporo_relocation()
        payload["procedures"].append(
            {"id": "hokkaido-shimbun-subscription", "fields": {"start_date": moving_day().isoformat()}}
        )
        move = move_submit(owner=mover, payload=payload)
        sent = Delivery.objects.filter(entry__move=move, channel__in=["web", "email", "fax"])
        assert set(sent.values_list("channel", flat=True)) == {"web", "fax"}
        wait_until(
            lambda: not sent.exclude(status__in=list(ProcedureStatus.final())).exists(),
            timeout=120,
            what="every delivery of the move at the sandbox",
        )
        done = list(sent.all())
        assert {d.status for d in done} == {ProcedureStatus.DELIVERED}, [(d.channel, d.error_code) for d in done]
        assert all(d.reference for d in done if d.channel == "web")  # the receiver's reference numbers
        # The fax went by the e-mail gateway to the sink, whose page shows it.
        page = httpx.get(shown["mail"], timeout=10).text
        assert "まだメールは届いていません" not in page and "fax.localhost" in page
    finally:
        processes = dict(sandbox.processes)
        sandbox.stop()
    assert set(processes) == {"receiver", "smtpsink", "worker"}
    assert all(p.poll() is not None for p in processes.values())
    assert not sandbox.processes
    assert not any(listening(port) for port in (receiver_port, smtp_port, web_port))
    assert (tmp_path / "sandbox" / "worker.log").exists()


def test_a_port_taken_starts_nothing(sapporo, tmp_path, ports):
    receiver_port, _smtp_port, web_port = ports
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", web_port))
        taken.listen()
        sandbox = Sandbox(tmp_path, receiver_port=receiver_port, web_port=web_port)
        with pytest.raises(SandboxError, match=f"port {web_port} on 127.0.0.1 is taken"):
            sandbox.start()
    assert not sandbox.processes and not listening(receiver_port)
    assert not (tmp_path / "sandbox").exists()  # refused before anything was written or started
