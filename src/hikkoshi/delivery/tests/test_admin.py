"""Staff find failed and stuck deliveries in the admin, resend them or mark them handled, each
time with the reason recorded (in the delivery's events and the audit log)."""

from datetime import timedelta

from django.utils import timezone

from hikkoshi.audit.models import AuditEvent
from hikkoshi.delivery.models import Delivery, DeliveryEvent
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation

URL = "/admin/delivery/delivery/"


def _deliveries(mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    return list(Delivery.objects.filter(entry__move=move, channel="web").order_by("pk"))


def test_the_attention_filter_shows_failed_and_stuck_deliveries_only(sapporo, mover, admin_client):
    failed, stuck, fine, *_others = _deliveries(mover)
    Delivery.objects.filter(pk=failed.pk).update(status=ProcedureStatus.FAILED, error_code="http_400")
    Delivery.objects.filter(pk=stuck.pk).update(
        status=ProcedureStatus.SENDING, sending_since=timezone.now() - timedelta(hours=1)
    )
    page = admin_client.get(URL, {"attention": "all"})
    assert page.status_code == 200
    assert {d.pk for d in page.context["cl"].result_list} == {failed.pk, stuck.pk}
    assert {d.pk for d in admin_client.get(URL, {"attention": "failed"}).context["cl"].result_list} == {failed.pk}
    assert admin_client.get(f"{URL}{fine.pk}/change/").status_code == 200


def test_resend_asks_for_a_reason_and_records_it(
    sapporo, mover, admin_client, admin_user, django_capture_on_commit_callbacks
):
    failed, *_ = _deliveries(mover)
    Delivery.objects.filter(pk=failed.pk).update(status=ProcedureStatus.FAILED, error_code="http_400")
    form = admin_client.post(URL, {"action": "resend_action", "_selected_action": [failed.pk]})
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    # Without a reason nothing changes and the form says so.
    again = admin_client.post(
        URL, {"action": "resend_action", "_selected_action": [failed.pk], "apply": "1", "reason": ""}
    )
    assert again.status_code == 200 and Delivery.objects.get(pk=failed.pk).status == ProcedureStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(
            URL,
            {
                "action": "resend_action",
                "_selected_action": [failed.pk],
                "apply": "1",
                "reason": "endpoint corrected by the utility",
            },
        )
    assert done.status_code == 302
    delivery = Delivery.objects.get(pk=failed.pk)
    assert delivery.status == ProcedureStatus.QUEUED and delivery.entry.status == ProcedureStatus.QUEUED
    event = DeliveryEvent.objects.get(delivery=delivery, kind="resent")
    assert event.actor == admin_user and event.detail == "endpoint corrected by the utility"
    audit = AuditEvent.objects.get(action="resend")
    assert audit.actor_id == admin_user.pk and audit.move == delivery.entry.move.public_id and audit.via == "admin"


def test_mark_handled_leaves_delivered_ones_alone(sapporo, mover, admin_client):
    failed, delivered, *_others = _deliveries(mover)
    Delivery.objects.filter(pk=failed.pk).update(status=ProcedureStatus.FAILED)
    Delivery.objects.filter(pk=delivered.pk).update(status=ProcedureStatus.DELIVERED)
    response = admin_client.post(
        URL,
        {
            "action": "mark_handled_action",
            "_selected_action": [failed.pk, delivered.pk],
            "apply": "1",
            "reason": "sent by post",
        },
        follow=True,
    )
    page = response.content.decode()
    assert Delivery.objects.get(pk=failed.pk).status == ProcedureStatus.HANDLED
    assert Delivery.objects.get(pk=failed.pk).handled_reason == "sent by post"
    assert Delivery.objects.get(pk=delivered.pk).status == ProcedureStatus.DELIVERED
    assert "1" in page  # one changed, one left as it was (messages)


def test_deliveries_cannot_be_added_or_deleted_in_the_admin(sapporo, mover, admin_client):
    delivery, *_ = _deliveries(mover)
    assert admin_client.get(f"{URL}add/").status_code == 403
    assert admin_client.post(f"{URL}{delivery.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Delivery.objects.filter(pk=delivery.pk).exists()
