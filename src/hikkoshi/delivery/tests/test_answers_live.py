"""A web organisation's staff set 不備あり in ``hikkoshi receiver`` (a real process on 127.0.0.1);
the receiver sends the signed update to the portal (a real server: pytest-django's live
server) and the mover's timeline shows it."""

import re

from django.urls import reverse
import httpx
import pytest

from hikkoshi.catalogue.models import Procedure
from hikkoshi.delivery import services
from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.testing import wait_until
from hikkoshi.directory.services import set_receipt_keys
from hikkoshi.moves.api import move_payload
from hikkoshi.moves.models import MoveProcedure, ProcedureAnswer
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.receiver.testing import ReceiverProcess

WEB = ("sapporo-waterworks", "hokkaido-gas", "hepco")
pytestmark = pytest.mark.slow  # a receiver process and the portal's live server

MESSAGE = "口座振替依頼書の印影が不鮮明です。新しい依頼書を郵送してください。"


@pytest.fixture
def receiver(tmp_path, live_server, sapporo):
    process = ReceiverProcess(
        tmp_path / "receiver",
        list(WEB),
        portal_keys_url=live_server.url + "/.well-known/hikkoshi-keys.json",
        workers=1,
        env={"HIKKOSHI_RECEIVER_SEND_INTERVAL": "1"},
    )
    process.start()
    try:
        for procedure in Procedure.objects.filter(channel="web").select_related("organisation"):
            procedure.channel_settings = {"endpoint": process.endpoint(procedure.organisation.slug)}
            procedure.save()
        for slug in WEB:
            set_receipt_keys(slug=slug, keys=process.receipt_keys(slug))
        yield process
    finally:
        process.stop()


def staff_set_status(receiver, slug, reference, status, message) -> httpx.Response:
    """What a staff member does on the application's page: choose the status, write, send."""
    with httpx.Client(base_url=receiver.url(), timeout=10, follow_redirects=True) as browser:
        page = browser.get(f"/{slug}/applications/{reference}")
        assert page.status_code == 200
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found is not None
        token = found.group(1)
        return browser.post(
            f"/{slug}/applications/{reference}",
            data={"csrfmiddlewaretoken": token, "status": status, "message": message},
            headers={"Referer": receiver.url(f"/{slug}/applications/{reference}")},
        )


@pytest.mark.django_db(transaction=True)
def test_the_receivers_staff_ask_for_something_and_the_mover_sees_it(receiver, mover, client):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = Delivery.objects.get(entry__move=move, entry__version__procedure__slug="sapporo-water-start")
    assert services.deliver(water.pk) == "delivered"
    water.refresh_from_db()
    # The signed receipt is the first answer: received, with its reference.
    assert list(ProcedureAnswer.objects.filter(entry_id=water.entry_id).values_list("status", "source")) == [
        ("received", "receipt")
    ]

    page = staff_set_status(receiver, "sapporo-waterworks", water.reference, "action_needed", MESSAGE)
    assert page.status_code == 200 and MESSAGE in page.text

    answer = wait_until(
        lambda: ProcedureAnswer.objects.filter(entry_id=water.entry_id, status="action_needed").first(),
        timeout=30,
        what="the receiver's update at the portal",
    )
    assert answer.message == MESSAGE and answer.source == "web"
    assert answer.key_id.startswith("sapporo-waterworks-")
    assert MoveProcedure.objects.get(pk=water.entry_id).answer_status == "action_needed"
    # The receiver hears it was acknowledged.
    wait_until(
        lambda: (
            "sent to the portal" in staff_page(receiver, water.reference)
            or "ポータルに送信済み" in staff_page(receiver, water.reference)
        ),
        timeout=15,
        what="the acknowledgement on the staff page",
    )

    # Going back is refused at the receiver already, and nothing reaches the portal.
    back = staff_set_status(receiver, "sapporo-waterworks", water.reference, "received", "")
    assert back.status_code == 400
    assert ProcedureAnswer.objects.filter(entry_id=water.entry_id).count() == 2

    timeline = next(p for p in move_payload(move)["procedures"] if p["id"] == "sapporo-water-start")["timeline"]
    assert [e["status"] for e in timeline] == ["sent", "received", "action_needed"]
    assert timeline[1]["reference"] == water.reference and timeline[2]["message"] == MESSAGE
    client.force_login(mover)
    result = client.get(reverse("moves:detail", args=[move.public_id])).content.decode()
    assert MESSAGE in result and water.reference in result


def staff_page(receiver, reference) -> str:
    return httpx.get(receiver.url(f"/sapporo-waterworks/applications/{reference}"), timeout=10).text
