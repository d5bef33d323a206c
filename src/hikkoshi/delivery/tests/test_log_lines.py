"""What a delivery writes to the log: one ``event key=value …`` line per step, with the delivery,
its channel and attempt, never the mover's or the organisation's personal data."""

import re

from aiosmtpd.controller import Controller
from django.utils import timezone
import pytest

from hikkoshi.catalogue.models import Procedure
from hikkoshi.delivery import services
from hikkoshi.delivery.models import Delivery
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.serving import free_port

TO = "shisanzei@city.example.jp"
# ``event`` then ``key=value`` pairs, no value with a space in it.
LINE = re.compile(r"^[a-z_]+( [a-z_]+=[^\s=]+)+$")


class _Answers:
    """An SMTP handler: answers DATA with ``answers`` in turn, then 250."""

    def __init__(self, *answers):
        self.answers = list(answers)

    async def handle_DATA(self, server, session, envelope):
        return self.answers.pop(0) if self.answers else "250 OK"


@pytest.fixture
def smtp(settings):
    controller = Controller(
        _Answers("451 4.3.0 try again later, taro@example.jp"), hostname="127.0.0.1", port=free_port()
    )
    controller.start()
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "port": controller.port, "starttls": False, "user": ""}
    yield controller
    controller.stop()


def test_a_delivery_logs_event_key_value_lines_without_personal_data(sapporo, mover, smtp, caplog):
    tax = Procedure.objects.get(slug="sapporo-property-tax")
    tax.channel_settings = {"to": TO}
    tax.save()
    payload = sapporo_relocation()
    payload["procedures"].append(
        {"id": "sapporo-property-tax", "fields": {"property_location": "札幌市北区北24条西6丁目"}}
    )
    move = move_submit(owner=mover, payload=payload)
    delivery = Delivery.objects.get(entry__move=move, channel="email")

    caplog.set_level("DEBUG", logger="hikkoshi")
    assert services.deliver(delivery.pk) == "retry: smtp_451"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert services.deliver(delivery.pk) == "delivered"

    lines = [r.getMessage() for r in caplog.records if r.name.startswith("hikkoshi.delivery")]
    assert f"delivery_failed delivery={delivery.pk} channel=email attempt=1 code=smtp_451 retry=yes" in lines
    assert f"delivery_sent delivery={delivery.pk} channel=email attempt=2 closed_meanwhile=no" in lines
    assert any(line.startswith("smtp_sent message_id=") for line in lines)
    for line in lines:
        assert LINE.match(line), line
    # Everything the portal logged (the test's own SMTP server, aiosmtpd, logs its peers).
    text = "\n".join(caplog.handler.format(r) for r in caplog.records if r.name.startswith("hikkoshi"))
    applicant = payload["applicant"]
    for personal in (
        applicant["name"],
        "札幌",
        "太郎",
        "さっぽろ",
        "サッポロ",
        applicant["phone"],
        applicant["email"],
        "taro",
        "大通西",
        "北24条",
        "ハイツ北",
        "001-0024",
        "0010024",
        "花子",
        TO,
        "shisanzei",
    ):
        assert personal not in text, personal
