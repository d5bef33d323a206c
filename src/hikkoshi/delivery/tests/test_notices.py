"""Withdrawals (取下げ) and corrections (訂正) of submitted applications, through real peers on
127.0.0.1: ``hikkoshi receiver`` for the web channel, an SMTP server for e-mail, the spool
folder for fax. The mover's requests go through moves (``moves.lifecycle``), which tells
delivery by its signals; delivery's own steps are called directly."""

import json
import subprocess

import httpx
import pytest

from hikkoshi.catalogue.models import Procedure
from hikkoshi.delivery import notices, services
from hikkoshi.delivery.keys import jwks
from hikkoshi.delivery.models import Delivery, DeliveryEvent, Notice
from hikkoshi.directory.services import set_receipt_keys
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.lifecycle import move_correct, move_withdraw
from hikkoshi.moves.models import MoveProcedure
from hikkoshi.moves.notices import why_not_changeable
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.receiver.testing import ReceiverProcess

WEB = ("sapporo-waterworks", "hokkaido-gas", "hepco")
pytestmark = pytest.mark.slow  # a receiver process, SMTP servers


@pytest.fixture
def receiver(tmp_path, settings):
    keys = tmp_path / "portal-keys.json"
    keys.write_text(json.dumps(jwks()))
    process = ReceiverProcess(tmp_path / "receiver", list(WEB), portal_key_file=keys, workers=1)
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


def delivery_of(move, slug) -> Delivery:
    return Delivery.objects.get(entry__move=move, entry__version__procedure__slug=slug)


def entries(move):
    return list(
        MoveProcedure.objects.filter(move=move)
        .select_related("move", "version", "delivery")
        .prefetch_related("delivery__notices")
    )


def correct(**request) -> list[Notice]:
    """A correction through moves (which changes the move and tells delivery): the notices made."""
    move_correct(**request)
    return list(
        Notice.objects.filter(delivery__entry__move=request["move"], request_key=request["request_key"]).order_by(
            "delivery__entry__position", "pk"
        )
    )


def detail(receiver, slug, reference) -> str:
    return httpx.get(receiver.url(f"/{slug}/applications/{reference}"), timeout=10).text


def test_a_withdrawn_move_cancels_what_was_not_sent_and_tells_who_has_it(
    sapporo, mover, receiver, django_capture_on_commit_callbacks
):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water, gas, power = (
        delivery_of(move, s) for s in ("sapporo-water-start", "hokkaido-gas-start", "hepco-electricity-start")
    )
    assert services.deliver(water.pk) == "delivered" and services.deliver(gas.pk) == "delivered"
    water.refresh_from_db(), gas.refresh_from_db()
    # The gas company processed its application already (its staff marked it).
    receiver.run("processed", gas.reference, "--organisation", "hokkaido-gas")

    with django_capture_on_commit_callbacks(execute=True):
        made = move_withdraw(move=move, entries=entries(move), user=mover, request_key="req-1")
    by_slug = {n.delivery.entry.version.procedure.slug: n for n in made}
    assert set(by_slug) == {
        "sapporo-move-in",
        "sapporo-water-stop",
        "sapporo-water-start",
        "hokkaido-gas-stop",
        "hokkaido-gas-start",
        "hepco-electricity-stop",
        "hepco-electricity-start",
    }
    # Not yet sent: cancelled, never sent. At the counter: not to be filed.
    power.refresh_from_db()
    assert power.status == ProcedureStatus.WITHDRAWN
    assert by_slug["hepco-electricity-start"].status == Notice.Status.NOT_NEEDED
    assert services.deliver(power.pk) == "not due"
    assert MoveProcedure.objects.get(pk=power.entry_id).status == ProcedureStatus.WITHDRAWN
    window = delivery_of(move, "sapporo-move-in")
    assert window.status == ProcedureStatus.WITHDRAWN
    # Delivered: a notice each, queued for the workers.
    assert by_slug["sapporo-water-start"].status == by_slug["hokkaido-gas-start"].status == Notice.Status.QUEUED

    assert notices.send_notice(by_slug["sapporo-water-start"].pk) == "delivered"
    assert notices.send_notice(by_slug["hokkaido-gas-start"].pk) == "refused"
    water_notice = Notice.objects.get(pk=by_slug["sapporo-water-start"].pk)
    assert water_notice.status == Notice.Status.DELIVERED and water_notice.reference.startswith("SAPPORO-WATERWORKS-")
    assert water_notice.receipt["body"]["about"] == water.reference
    assert Notice.objects.get(pk=by_slug["hokkaido-gas-start"].pk).status == Notice.Status.REFUSED
    page = detail(receiver, "sapporo-waterworks", water.reference)
    assert page.count(f'id="notice-{water_notice.reference}"') == 1 and ("取下げ" in page or "Withdrawn" in page)
    assert water_notice.reference not in detail(receiver, "hokkaido-gas", gas.reference)
    # The application itself stays delivered (the organisation has it, and now its withdrawal).
    water.refresh_from_db()
    assert water.status == ProcedureStatus.DELIVERED

    # Exactly once: the same request again makes nothing new; a notice is not sent twice.
    assert {n.pk for n in notices.withdraw(move=move, entries=entries(move), user=mover, request_key="req-1")} == {
        n.pk for n in made
    }
    assert move_withdraw(move=move, entries=entries(move), user=mover, request_key="req-1") == []
    assert move_withdraw(move=move, entries=entries(move), user=mover, request_key="req-2") == []
    assert notices.send_notice(water_notice.pk) == "not due"
    assert Notice.objects.filter(delivery__entry__move=move).count() == 7
    kinds = list(DeliveryEvent.objects.filter(delivery__entry__move=move).values_list("kind", flat=True))
    assert kinds.count("withdrawn") == 5 and kinds.count("notice_sent") == 1 and kinds.count("notice_refused") == 1
    # Each entry says why it can no longer be changed.
    assert all(why_not_changeable(e) for e in entries(move))


def test_a_notice_sent_again_after_a_lost_answer_gets_the_same_receipt(sapporo, mover, receiver):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = delivery_of(move, "sapporo-water-start")
    services.deliver(water.pk)
    [notice] = notices.withdraw(move=move, entries=[water.entry], user=mover, request_key="r")
    assert notices.send_notice(notice.pk) == "delivered"
    notice.refresh_from_db()
    first = notice.reference
    # As if the answer had been lost: the same notice (same key, same body) goes again.
    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.RETRYING, next_attempt_at=notice.created_at)
    assert notices.send_notice(notice.pk) == "delivered"
    notice.refresh_from_db()
    assert notice.reference == first


def test_a_correction_of_a_delivered_application_goes_with_what_changed(sapporo, mover, receiver):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = delivery_of(move, "sapporo-water-start")
    services.deliver(water.pk)
    water.refresh_from_db()
    entry = MoveProcedure.objects.get(pk=water.entry_id)
    values = {**entry.values, "start_date": "2030-01-02"}
    made = correct(
        move=move,
        user=mover,
        request_key="c1",
        values={entry.pk: values},
        contact={"phone": "011-999-0000", "email": move.applicant["email"]},
    )
    assert len(made) == 7  # every organisation here receives the phone number
    [notice] = [n for n in made if n.delivery_id == water.pk]
    assert notice.kind == "correction" and notice.changes == ["applicant.phone", "fields.start_date"]
    assert notices.send_notice(notice.pk) == "delivered"
    page = detail(receiver, "sapporo-waterworks", water.reference)
    assert "011-999-0000" in page and "2030-01-02" in page and "fields.start_date" in page
    # Every other procedure of the move has the new phone number too.
    others = Notice.objects.filter(delivery__entry__move=move, kind="correction").exclude(pk=notice.pk)
    assert {n.status for n in others} == {Notice.Status.NOT_NEEDED}  # not sent yet / at the counter


def test_a_correction_before_sending_changes_what_is_sent(sapporo, mover, receiver):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    gas = delivery_of(move, "hokkaido-gas-start")
    entry = MoveProcedure.objects.get(pk=gas.entry_id)
    [notice] = correct(move=move, user=mover, request_key="c", values={entry.pk: {**entry.values, "visit_slot": "pm"}})
    assert notice.status == Notice.Status.NOT_NEEDED and notice.changes == ["fields.visit_slot"]
    assert services.deliver(gas.pk) == "delivered"
    gas.refresh_from_db()
    page = detail(receiver, "hokkaido-gas", gas.reference)
    assert "pm" in page


def test_a_notice_waits_for_its_application_still_being_sent(sapporo, mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = delivery_of(move, "sapporo-water-start")
    Delivery.objects.filter(pk=water.pk).update(status=ProcedureStatus.SENDING)
    [notice] = notices.withdraw(move=move, entries=[water.entry], user=mover, request_key="w")
    assert notice.status == Notice.Status.QUEUED
    assert notices.send_notice(notice.pk) == "waiting"
    notice.refresh_from_db()
    assert notice.status == Notice.Status.RETRYING and notice.attempts == 0
    # Its attempt failed and will be retried: then it is simply not sent any more.
    Delivery.objects.filter(pk=water.pk).update(status=ProcedureStatus.RETRYING)
    Notice.objects.filter(pk=notice.pk).update(next_attempt_at=notice.created_at)
    assert notices.send_notice(notice.pk) == "not needed"
    water.refresh_from_db()
    assert water.status == ProcedureStatus.WITHDRAWN and services.deliver(water.pk) == "not due"


def test_a_409_without_the_organisations_signature_is_not_taken_for_its_word(sapporo, mover, settings):
    from hikkoshi.httpsig import generate_key, key_id_for, make_jwks
    from hikkoshi.receiver.testing import StandIn

    org = generate_key()
    with StandIn(lambda request: (409, {"Content-Type": "application/problem+json"}, b'{"status":409}')) as site:
        for procedure in Procedure.objects.filter(channel="web").select_related("organisation"):
            procedure.channel_settings = {"endpoint": site.url(f"/{procedure.organisation.slug}/applications")}
            procedure.save()
            set_receipt_keys(
                slug=procedure.organisation.slug,
                keys=make_jwks([(org.public_key(), key_id_for(org.public_key()))])["keys"],
            )
        move = move_submit(owner=mover, payload=sapporo_relocation())
        water = delivery_of(move, "sapporo-water-start")
        Delivery.objects.filter(pk=water.pk).update(status=ProcedureStatus.DELIVERED, reference="X-1")
        [notice] = notices.withdraw(move=move, entries=[water.entry], user=mover, request_key="w")
        assert notices.send_notice(notice.pk) == "failed: http_409"


def test_the_receiver_marks_an_unknown_reference_as_a_command_error(sapporo, receiver):
    with pytest.raises(subprocess.CalledProcessError):
        receiver.run("processed", "NO-SUCH-1", "--organisation", "hepco")


def test_staff_find_a_failed_notice_by_number_and_send_it_again(
    sapporo, mover, admin_client, django_capture_on_commit_callbacks
):
    from hikkoshi.audit.models import AuditEvent

    move = move_submit(owner=mover, payload=sapporo_relocation())
    move.refresh_from_db()
    water = delivery_of(move, "sapporo-water-start")
    Delivery.objects.filter(pk=water.pk).update(status=ProcedureStatus.DELIVERED, reference="W-1")
    [notice] = notices.withdraw(move=move, entries=[water.entry], user=mover, request_key="w" * 20)
    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.FAILED, error_code="http_400")
    page = admin_client.get("/admin/delivery/notice/", {"status": "failed", "q": move.number.replace("-", "").lower()})
    assert [n.pk for n in page.context["cl"].result_list] == [notice.pk]
    data = {"action": "resend_action", "_selected_action": [notice.pk]}
    assert admin_client.post("/admin/delivery/notice/", data).status_code == 200  # asks for the reason
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/delivery/notice/", {**data, "apply": "1", "reason": "the endpoint was fixed"})
    notice.refresh_from_db()
    assert notice.status == Notice.Status.QUEUED and notice.task_id
    assert DeliveryEvent.objects.filter(delivery=water, kind="resent", detail="the endpoint was fixed").exists()
    assert AuditEvent.objects.filter(move=move.public_id, action="resend", target=f"notice {notice.pk}").exists()


def test_a_correction_sent_again_is_the_same_even_after_another_correction(sapporo, mover, receiver):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = delivery_of(move, "sapporo-water-start")
    services.deliver(water.pk)
    entry = MoveProcedure.objects.get(pk=water.entry_id)
    [first] = correct(
        move=move, user=mover, request_key="c" * 20, values={entry.pk: {**entry.values, "start_date": "2030-01-02"}}
    )
    assert notices.send_notice(first.pk) == "delivered"
    first.refresh_from_db()
    assert first.body["corrected"]["fields"]["start_date"] == "2030-01-02"
    # The mover corrects again; meanwhile the first correction's answer had been lost.
    correct(
        move=move, user=mover, request_key="d" * 20, values={entry.pk: {**entry.values, "start_date": "2030-01-03"}}
    )
    Notice.objects.filter(pk=first.pk).update(status=Notice.Status.RETRYING, next_attempt_at=first.created_at)
    assert notices.send_notice(first.pk) == "delivered"  # the same bytes: the same receipt, no conflict
    again = Notice.objects.get(pk=first.pk)
    assert again.reference == first.reference


def test_a_contact_correction_goes_only_where_that_contact_was_sent(sapporo, mover):
    from hikkoshi.moves.tests.conftest import moving_day

    payload = sapporo_relocation()
    payload["procedures"].append(
        {"id": "hokkaido-shimbun-subscription", "fields": {"start_date": moving_day().isoformat()}}
    )
    move = move_submit(owner=mover, payload=payload)
    made = correct(
        move=move,
        user=mover,
        request_key="e" * 20,
        contact={"phone": move.applicant["phone"], "email": "new@example.jp"},
    )
    slugs = {n.delivery.entry.version.procedure.slug for n in made}
    # The newspaper receives no e-mail address (its declared data): it is not told of a new one.
    assert "hokkaido-shimbun-subscription" not in slugs and "sapporo-water-start" in slugs
    made = correct(
        move=move, user=mover, request_key="f" * 20, contact={"phone": "011-999-1111", "email": "new@example.jp"}
    )
    assert "hokkaido-shimbun-subscription" in {n.delivery.entry.version.procedure.slug for n in made}


def test_every_task_the_portal_queues_carries_its_run_after(sapporo, mover, django_capture_on_commit_callbacks):
    """A task queued without ``run_after`` is stored with the task library's far date and sorts
    after every task waiting for its day (each mover's reminders): a claim walked past all of them
    first. Deliveries, mails and now the notices (取下げ here) carry one."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    with django_capture_on_commit_callbacks(execute=True):
        move = move_submit(owner=mover, payload=sapporo_relocation())
    delivered = Delivery.objects.filter(entry__move=move, channel="web").first()
    services._set(delivered, status=ProcedureStatus.DELIVERED)
    entry = MoveProcedure.objects.select_related("version").get(pk=delivered.entry_id)
    with django_capture_on_commit_callbacks(execute=True):
        move_withdraw(move=move, entries=[entry], user=None, request_key="withdraw-1")
    queued = {path.rsplit(".", 1)[-1] for path in DBTaskResult.objects.values_list("task_path", flat=True)}
    assert {"deliver_task", "notify_task", "notice_task"} <= queued
    assert not DBTaskResult.objects.filter(run_after=get_date_max()).exists()
