"""What becomes of a withdrawal or correction (取下げ・訂正の通知) when it cannot simply be sent:
the organisation's server failing for a while, the application handled by staff meanwhile, a
worker lost while sending it, and the staff's actions on a failed one. Delivery's steps are
called directly, as a worker and the sweeper call them."""

from datetime import timedelta

from django.utils import timezone
import pytest

from hikkoshi.catalogue.models import Procedure
from hikkoshi.delivery import notices, services
from hikkoshi.delivery.models import Delivery, DeliveryEvent, Notice
from hikkoshi.delivery.tasks import notice_task
from hikkoshi.directory.services import set_receipt_keys
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation

Status = Notice.Status
Kind = DeliveryEvent.Kind
WATER = "sapporo-water-start"


def withdrawal(mover, *, application: str = ProcedureStatus.DELIVERED) -> tuple[Delivery, Notice]:
    """A submitted move whose water application is at ``application``, and the notice of its
    withdrawal (queued: the application was, or may be, with the organisation)."""
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = Delivery.objects.get(entry__move=move, entry__version__procedure__slug=WATER)
    Delivery.objects.filter(pk=water.pk).update(status=application, reference="W-1")
    [notice] = notices.withdraw(move=move, entries=[water.entry], user=mover, request_key="w")
    assert notice.status == Status.QUEUED
    return water, notice


def events(notice: Notice) -> list[tuple[str, str]]:
    return list(
        DeliveryEvent.objects.filter(delivery_id=notice.delivery_id, code__startswith=f"notice {notice.pk}")
        .order_by("pk")
        .values_list("kind", "code")
    )


@pytest.mark.slow
def test_a_server_error_is_tried_again_later(sapporo, mover, django_capture_on_commit_callbacks):
    from hikkoshi.httpsig import generate_key, key_id_for, make_jwks
    from hikkoshi.receiver.testing import StandIn

    org = generate_key()
    with StandIn(lambda request: (503, {"Retry-After": "120"}, b"down for maintenance")) as site:
        for procedure in Procedure.objects.filter(channel="web").select_related("organisation"):
            procedure.channel_settings = {"endpoint": site.url(f"/{procedure.organisation.slug}/applications")}
            procedure.save()
            set_receipt_keys(
                slug=procedure.organisation.slug,
                keys=make_jwks([(org.public_key(), key_id_for(org.public_key()))])["keys"],
            )
        _water, notice = withdrawal(mover)
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            assert notices.send_notice(notice.pk) == "retry: http_503"
        assert [r.method for r in site.requests] == ["POST"]
    notice.refresh_from_db()
    assert notice.status == Status.RETRYING and notice.attempts == 1 and notice.claim == ""
    assert notice.error_code == "http_503"
    assert notice.next_attempt_at >= before + timedelta(seconds=120)  # Retry-After honoured
    assert notice.task_id  # handed to the workers again, for then
    assert (Kind.NOTICE_RETRY, f"notice {notice.pk} http_503") in events(notice)
    # Not due before its time: a worker that picks it up early leaves it alone.
    assert notices.send_notice(notice.pk) == "not due"


def test_an_application_handled_by_staff_meanwhile_fails_the_notice(sapporo, mover):
    # Withdrawn while its application was being sent; that attempt failed, and staff dealt with
    # the application another way before the notice's turn came.
    water, notice = withdrawal(mover, application=ProcedureStatus.SENDING)
    Delivery.objects.filter(pk=water.pk).update(status=ProcedureStatus.FAILED)
    assert services.mark_handled(water, user=None, reason="phoned the waterworks")
    assert notices.send_notice(notice.pk) == "failed: application_handled"
    notice.refresh_from_db()
    assert notice.status == Status.FAILED and notice.error_code == "application_handled"
    assert (Kind.NOTICE_FAILED, f"notice {notice.pk} application_handled") in events(notice)
    water.refresh_from_db()
    assert water.status == ProcedureStatus.HANDLED  # the staff's decision stands


def test_the_task_settles_a_notice_whose_application_never_went(sapporo, mover):
    water, notice = withdrawal(mover, application=ProcedureStatus.SENDING)
    Delivery.objects.filter(pk=water.pk).update(status=ProcedureStatus.RETRYING)  # that attempt failed
    # What a worker runs (the task on the delivery queue): nothing to tell the organisation.
    assert notice_task.call(notice.pk) == "not needed"
    notice.refresh_from_db()
    water.refresh_from_db()
    assert notice.status == Status.NOT_NEEDED
    assert water.status == ProcedureStatus.WITHDRAWN


def test_the_sweeper_queues_again_a_notice_that_lost_its_worker_or_its_task(sapporo, mover, settings):
    _water, lost = withdrawal(mover)
    now = timezone.now()
    lease = timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"])
    Notice.objects.filter(pk=lost.pk).update(
        status=Status.SENDING, sending_since=now - lease - timedelta(seconds=1), claim="gone", attempts=1
    )
    result = notices.sweep(now=now)
    assert result == {"lost": 1, "requeued": 0}
    lost.refresh_from_db()
    assert lost.status == Status.RETRYING and lost.claim == "" and lost.task_id
    assert (Kind.NOTICE_RETRY, f"notice {lost.pk} worker_lost") in events(lost)
    assert notices.sweep(now=now) == {"lost": 0, "requeued": 0}  # once only

    # Overdue, and its task is gone (its row deleted with the finished results): queued again.
    Notice.objects.filter(pk=lost.pk).update(next_attempt_at=now - lease - timedelta(seconds=1), task_id="")
    assert notices.sweep(now=now) == {"lost": 0, "requeued": 1}
    lost.refresh_from_db()
    assert lost.task_id
    # Its task now waits for a worker: nothing more to do.
    assert notices.sweep(now=now) == {"lost": 0, "requeued": 0}


def test_staff_mark_a_failed_notice_handled_once(sapporo, mover, admin_user):
    _water, notice = withdrawal(mover)
    # Only a failed notice can be marked handled, and only a failed or handled one sent again.
    assert not notices.mark_notice_handled(notice, user=admin_user, reason="phoned")
    assert not notices.resend_notice(notice, user=admin_user, reason="again")
    Notice.objects.filter(pk=notice.pk).update(status=Status.FAILED, error_code="http_400")
    assert notices.mark_notice_handled(notice, user=admin_user, reason="phoned the waterworks")
    notice.refresh_from_db()
    assert notice.status == Status.HANDLED and notice.next_attempt_at is None
    event = DeliveryEvent.objects.get(delivery_id=notice.delivery_id, kind=Kind.HANDLED)
    assert (event.code, event.detail, event.actor) == (f"notice {notice.pk}", "phoned the waterworks", admin_user)
    assert not notices.mark_notice_handled(notice, user=admin_user, reason="twice")
