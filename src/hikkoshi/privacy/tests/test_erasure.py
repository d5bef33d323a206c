"""Erasure after the retention time: what goes, what stays, what is counted, and that the
pages of an erased move still work."""

from datetime import timedelta
from io import StringIO
import re

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
import pytest

from hikkoshi.accounts.models import ApiToken
from hikkoshi.delivery import services as delivery_services
from hikkoshi.delivery.channels.fax import spool_name
from hikkoshi.delivery.models import Delivery, DeliveryEvent
from hikkoshi.encryption.fields import decrypt_json
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.moves.selectors import move_record
from hikkoshi.privacy.models import MoveStatistic
from hikkoshi.privacy.services import _end_of, erase_expired, erasure_due, retention_start

from .conftest import APPLICANT, findings, sapporo_relocation, scan_tables, submit

DAY = timedelta(days=1)


def finish(move, *, at=None, status=ProcedureStatus.DELIVERED):
    """Every delivery of ``move`` that is sent (not in person) reaches ``status`` at ``at``."""
    at = at or timezone.now()
    for delivery in Delivery.objects.filter(entry__move=move).exclude(status=ProcedureStatus.IN_PERSON):
        fields = {"status": status}
        if status == ProcedureStatus.DELIVERED:
            fields["delivered_at"] = at
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
        MoveProcedure.objects.filter(pk=delivery.entry_id).update(status=status)
        event = DeliveryEvent.objects.create(delivery=delivery, kind=DeliveryEvent.Kind.DELIVERED, attempt=1)
        DeliveryEvent.objects.filter(pk=event.pk).update(at=at)


def last_day(move):
    return max([move.move_date] + [e.deadline_to for e in move.procedures.all() if e.deadline_to])


def raw_personal(move):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant, members, household, old_address, new_address, draft FROM moves_move WHERE id = %s",
            [move.pk],
        )
        row = cursor.fetchone()
        cursor.execute('SELECT "values", version_id FROM moves_moveprocedure WHERE move_id = %s', [move.pk])
        entries = cursor.fetchall()
    columns = ["applicant", "members", "household", "old_address", "new_address", "draft"]
    # Each bound to its row (the erasure writes every row its own token).
    at_move = Move._meta.get_field("applicant").row(move)
    values_field = MoveProcedure._meta.get_field("values")
    return (
        {c: decrypt_json(v, f"moves_move.{c}", row=at_move) for c, v in zip(columns, row)},
        [
            decrypt_json(v, "moves_moveprocedure.values", row=values_field.row_of([move.pk, version]))
            for v, version in entries
        ],
        list(row) + [v for v, _version in entries],
    )


# -- when ----------------------------------------------------------------------------------------


def test_the_retention_time_starts_at_the_latest_change(keys, submitted):
    move = submitted
    assert retention_start(move) is None  # deliveries still queued
    assert erasure_due(move) is None
    finish(move, at=timezone.now())
    # Delivered at once: the clock starts after the moving day and the last day of the periods,
    # because the mover still needs the forms for the counter until then.
    assert retention_start(move) == _end_of(last_day(move))
    later = _end_of(last_day(move)) + 3 * DAY
    delivery = Delivery.objects.filter(entry__move=move, channel="web").first()
    Delivery.objects.filter(pk=delivery.pk).update(delivered_at=later)
    assert retention_start(move) == later
    # A staff member's action later still (an event) moves it again.
    event = DeliveryEvent.objects.create(delivery=delivery, kind=DeliveryEvent.Kind.RESENT, attempt=1)
    DeliveryEvent.objects.filter(pk=event.pk).update(at=later + 2 * DAY)
    assert retention_start(move) == later + 2 * DAY
    assert erasure_due(move) == later + 2 * DAY + timedelta(days=30)
    # Without any delivery (a move older than the outbox), submission and the days count.
    Delivery.objects.filter(entry__move=move).delete()
    assert retention_start(move) == max(move.submitted_at, _end_of(last_day(move)))


def test_an_open_delivery_or_a_young_move_is_kept(keys, sapporo, mover):
    young, open_, draft = (
        submit(mover),
        submit(mover),
        Move.objects.create(owner=mover, draft={"step": "people", "people": {"applicant": APPLICANT}}),
    )
    finish(young)
    finish(open_)
    Delivery.objects.filter(entry__move=open_, channel="web").update(status=ProcedureStatus.RETRYING)
    MoveProcedure.objects.filter(delivery__entry__move=open_, delivery__channel="web").update(
        status=ProcedureStatus.RETRYING
    )
    start = retention_start(young)
    assert erase_expired(now=start + timedelta(days=30) - timedelta(minutes=1)) == 0
    assert erase_expired(now=start + timedelta(days=3650)) == 1  # young only, at last
    assert Move.objects.get(pk=open_.pk).erased_at is None  # a delivery still retrying
    assert Move.objects.get(pk=draft.pk).draft["people"]["applicant"] == APPLICANT  # drafts are not erased
    assert Move.objects.get(pk=young.pk).erased_at is not None


def test_the_retention_setting_is_used(keys, submitted):
    finish(submitted)
    start = retention_start(submitted)
    keys.HIKKOSHI_RETENTION_DAYS = 90
    assert erase_expired(now=start + timedelta(days=31)) == 0
    assert erase_expired(now=start + timedelta(days=90, minutes=1)) == 1


# -- what --------------------------------------------------------------------------------------


def test_erasure_leaves_no_personal_data_anywhere(keys, submitted, mover):
    move = submitted
    assert scan_tables() == []  # encrypted: nothing in clear before erasure either …
    finish(move)
    # … except what staff write: a note naming the mover (kept in clear until erasure).
    failed = Delivery.objects.filter(entry__move=move, channel="web").first()
    Delivery.objects.filter(pk=failed.pk).update(status=ProcedureStatus.FAILED)
    failed.refresh_from_db()
    assert delivery_services.mark_handled(failed, user=mover, reason=f"{APPLICANT['name']}様に電話で確認 090-8765-4321")
    hits = {(table, column) for table, column, _m in scan_tables()}
    assert hits == {("delivery_delivery", "handled_reason"), ("delivery_deliveryevent", "detail")}  # the scan sees

    now = retention_start(move) + timedelta(days=30, minutes=1)
    assert erase_expired(now=now) == 1

    personal, values, tokens = raw_personal(move)
    assert personal == {
        "applicant": {},
        "members": [],
        "household": {},
        "old_address": {},
        "new_address": {},
        "draft": {},
    }
    assert values and all(v == {} for v in values)
    assert all(t.startswith("hk2:a:") for t in tokens)  # still encrypted, empty or not, bound to the row
    assert scan_tables() == []  # not a name, a kana, a phone, an address, a birth date in any table
    stored = Move.objects.get(pk=move.pk)
    assert stored.erased_at == now and stored.status == "submitted"
    # What stays: procedures, statuses, references, offices, deliveries and their codes.
    assert stored.procedures.count() == len(values)
    assert {e.status for e in stored.procedures.all()} == {
        ProcedureStatus.DELIVERED,
        ProcedureStatus.IN_PERSON,
        ProcedureStatus.HANDLED,
    }
    assert stored.procedures.get(version__procedure__slug="sapporo-move-in").office["name"]
    handled = Delivery.objects.get(pk=failed.pk)
    assert handled.status == ProcedureStatus.HANDLED and handled.handled_reason == "" and handled.handled_by == mover
    assert [e.detail for e in handled.events.filter(kind=DeliveryEvent.Kind.HANDLED)] == [""]


def test_the_counts_are_kept_once(keys, sapporo, mover):
    moves = [submit(mover), submit(mover)]
    for move in moves:
        finish(move)
    now = max(retention_start(m) for m in moves) + timedelta(days=31)
    assert erase_expired(now=now) == 2
    month = timezone.localtime(moves[0].submitted_at).strftime("%Y-%m")
    counts = {(s.procedure, s.channel, s.status): s.count for s in MoveStatistic.objects.all()}
    assert counts == {
        ("", "", ""): 2,
        ("sapporo-move-in", "window", "in_person"): 2,
        **{
            (slug, "web", "delivered"): 2
            for slug in (
                "sapporo-water-stop",
                "sapporo-water-start",
                "hokkaido-gas-stop",
                "hokkaido-gas-start",
                "hepco-electricity-stop",
                "hepco-electricity-start",
            )
        },
    }
    assert {(s.month, s.region, s.kinds) for s in MoveStatistic.objects.all()} == {(month, "sapporo", "relocation")}
    # Erasing again finds nothing and counts nothing.
    assert erase_expired(now=now + DAY) == 0
    assert {(s.procedure, s.channel, s.status): s.count for s in MoveStatistic.objects.all()} == counts
    # A third move later adds to the same counts.
    third = submit(mover)
    finish(third)
    assert erase_expired(now=retention_start(third) + timedelta(days=31)) == 1
    assert MoveStatistic.objects.get(procedure="").count == 3


def test_the_command_erases(keys, submitted):
    finish(submitted, at=timezone.now() - timedelta(days=400))
    Move.objects.filter(pk=submitted.pk).update(
        submitted_at=timezone.now() - timedelta(days=400), move_date=timezone.localdate() - timedelta(days=380)
    )
    MoveProcedure.objects.filter(move=submitted).update(deadline_to=None, deadline_from=None)
    out = StringIO()
    call_command("privacy", "erase", stdout=out)
    assert "Erased the personal data of 1 move(s)" in out.getvalue()
    assert Move.objects.get(pk=submitted.pk).erased_at is not None


@pytest.fixture
def faxed(keys, sapporo, mover, settings, tmp_path):
    """A submitted move one of whose applications (the newspaper's) went by fax through the
    spool folder ``tmp_path``: the move and that fax's delivery, delivered."""
    from hikkoshi.catalogue.models import Procedure
    from hikkoshi.moves.tests.conftest import moving_day

    settings.HIKKOSHI_FAX = {**settings.HIKKOSHI_FAX, "gateway": "spool", "spool_dir": str(tmp_path)}
    paper = Procedure.objects.get(slug="hokkaido-shimbun-subscription")
    paper.channel_settings = {"fax_number": "011-210-5555"}
    paper.save()
    procedures = sapporo_relocation()["procedures"] + [
        {"id": "hokkaido-shimbun-subscription", "fields": {"start_date": moving_day().isoformat()}}
    ]
    move = submit(mover, procedures=procedures)
    fax = Delivery.objects.get(entry__move=move, channel="fax")
    assert delivery_services.deliver(fax.pk) == "delivered"
    return move, fax


def expire(move):
    """Make ``move`` due for erasure: submitted, moved and finished long ago."""
    long_ago = timezone.now() - timedelta(days=400)
    finish(move, at=long_ago)
    DeliveryEvent.objects.filter(delivery__entry__move=move).update(at=long_ago)
    Delivery.objects.filter(entry__move=move).update(delivered_at=long_ago)
    Move.objects.filter(pk=move.pk).update(submitted_at=long_ago, move_date=timezone.localdate() - timedelta(days=380))
    MoveProcedure.objects.filter(move=move).update(deadline_to=None, deadline_from=None)


def test_erasure_removes_the_fax_images_left_in_the_spool_folder(faxed, tmp_path, django_capture_on_commit_callbacks):
    move, fax = faxed
    name = spool_name(str(fax.idempotency_key))
    (tmp_path / f"{name}.tif").rename(tmp_path / f"{name}.tif.sent")  # as a sending program marks it
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{name}.json", f"{name}.tif.sent"]
    expire(move)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert erase_expired() == 1
    assert len(list(tmp_path.iterdir())) == 2  # not before the erasure has committed…
    for callback in callbacks:
        callback()
    assert list(tmp_path.iterdir()) == []  # …but then


def test_erasure_removes_the_spooled_faxes_of_withdrawals_and_corrections_too(
    faxed, mover, tmp_path, django_capture_on_commit_callbacks
):
    """A notice is faxed under its own idempotency key: the correction's fax (with the corrected
    申込書) and the withdrawal's are spooled beside the application's, and go with them."""
    from hikkoshi.delivery import notices

    move, fax = faxed
    [correction] = notices.correct(changes=[(fax.entry, ["applicant.phone"])], user=mover, request_key="c" * 20)
    assert notices.send_notice(correction.pk) == "delivered"
    [withdrawal] = notices.withdraw(move=move, entries=[fax.entry], user=mover, request_key="w" * 20)
    assert notices.send_notice(withdrawal.pk) == "delivered"
    names = [
        spool_name(str(key)) for key in (fax.idempotency_key, correction.idempotency_key, withdrawal.idempotency_key)
    ]
    (tmp_path / f"{names[2]}.tif").rename(tmp_path / f"{names[2]}.tif.sent")  # as a sending program marks it
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{names[0]}.json", f"{names[0]}.tif", f"{names[1]}.json", f"{names[1]}.tif"]
        + [f"{names[2]}.json", f"{names[2]}.tif.sent"]
    )
    expire(move)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert erase_expired() == 1
    assert len(list(tmp_path.iterdir())) == 6  # not before the erasure has committed…
    for callback in callbacks:
        callback()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # …but then, every one


# -- an erased move on the pages -----------------------------------------------------------------


def test_an_erased_move_still_shows_without_personal_data(keys, submitted, mover, client):
    finish(submitted)
    assert erase_expired(now=retention_start(submitted) + timedelta(days=31)) == 1
    move = Move.objects.get(pk=submitted.pk)
    record = move_record(move)  # no KeyError on the empty applicant
    assert record.applicant.name == "" and record.members == () and record.new_address.address == ""
    assert all(p.form == "" for p in record.procedures)  # no form to fill in with nothing

    client.force_login(mover)
    listing = client.get("/moves/")
    assert listing.status_code == 200 and str(move.public_id) in listing.content.decode()
    result = client.get(f"/moves/{move.public_id}/")
    assert result.status_code == 200
    page = result.content.decode()
    assert not findings(page)
    documents = set(re.findall(rf"/moves/{move.public_id}/documents/([\w.-]+)", page))
    assert not any(name.startswith("form-") for name in documents)  # no form to print
    for name in documents | {"result.pdf", "copy.pdf", "deadlines.ics", "form-sapporo-move-in.pdf"}:
        assert client.get(f"/moves/{move.public_id}/documents/{name}").status_code in (200, 404, 410), name

    _token, secret = ApiToken.issue(mover)
    api = client.get(f"/api/v1/moves/{move.public_id}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200 and not findings(api.content.decode())


def test_drafts_entered_for_customers_and_left_untouched_are_deleted(keys, sapporo, mover, django_user_model):
    from hikkoshi.assisted.models import AssistedMove, CallCentre, Operator
    from hikkoshi.assisted.services import start_assisted_move
    from hikkoshi.audit.models import AuditEvent

    operator = django_user_model.objects.create_user("op@centre.example.jp", "op@centre.example.jp", "pw-123456789")
    centre = CallCentre.objects.create(name="テストセンター")
    Operator.objects.create(user=operator, centre=centre)
    old = start_assisted_move(user=operator, centre=centre, contact={"name": "鷺沢 葵衣"})
    fresh = start_assisted_move(user=operator, centre=centre, contact={"name": "鷺沢 紬"})
    own_draft = Move.objects.create(owner=mover, draft={"step": "places"})
    long_ago = timezone.now() - timedelta(days=40)
    Move.objects.filter(pk__in=[old.pk, own_draft.pk]).update(updated_at=long_ago)
    assert erase_expired() == 0  # nothing submitted to erase…
    assert not Move.objects.filter(pk=old.pk).exists()  # …but the abandoned customer draft is gone
    assert not AssistedMove.objects.filter(move_id=old.pk).exists()
    assert Move.objects.filter(pk=fresh.pk).exists() and Move.objects.filter(pk=own_draft.pk).exists()
    assert AuditEvent.objects.filter(action="delete", target="abandoned draft").count() == 1


def test_a_withdrawal_on_its_way_keeps_the_data_it_sends(keys, sapporo, mover):
    from hikkoshi.delivery.models import Notice

    move = submit(mover)
    finish(move)
    delivery = Delivery.objects.filter(entry__move=move, channel="web").first()
    notice = Notice.objects.create(
        delivery=delivery,
        kind=Notice.Kind.CORRECTION,
        request_key="r" * 20,
        status=Notice.Status.RETRYING,
        body={"corrected": {"applicant": APPLICANT}},
    )
    assert retention_start(move) is None
    assert erase_expired(now=timezone.now() + timedelta(days=3650)) == 0
    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.DELIVERED)
    assert retention_start(move) is not None
    assert erase_expired(now=timezone.now() + timedelta(days=3650)) == 1
    assert Notice.objects.get(pk=notice.pk).body == {}  # what it sent went with the move's data


def test_erasure_takes_its_candidates_a_batch_at_a_time(keys, sapporo, mover, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    from hikkoshi.privacy import services as privacy_services

    monkeypatch.setattr(privacy_services, "ERASE_BATCH", 2)
    moves = [submit(mover) for _ in range(5)]
    for move in moves:
        finish(move)
    now = max(retention_start(m) for m in moves) + timedelta(days=31)
    with CaptureQueriesContext(connection) as queries:
        assert erase_expired(now=now) == 5
    candidate_queries = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and "erased_at" in q["sql"] and "LIMIT 2" in q["sql"]
    ]
    assert len(candidate_queries) == 4  # 2 + 2 + 1, then an empty batch
    assert all(m.erased_at for m in Move.objects.filter(pk__in=[m.pk for m in moves]))


def test_erasure_calls_each_apps_own_erase_service_and_writes_only_the_counts(keys, submitted, monkeypatch):
    from hikkoshi.privacy import services as privacy_services

    finish(submitted)
    calls = []
    for name in ("move_erase", "deliveries_erase", "assisted_move_erase"):
        monkeypatch.setattr(privacy_services, name, lambda name=name, **kwargs: calls.append((name, kwargs["move_id"])))
    assert erase_expired(now=retention_start(submitted) + timedelta(days=31)) == 1
    assert calls == [
        ("move_erase", submitted.pk),
        ("deliveries_erase", submitted.pk),
        ("assisted_move_erase", submitted.pk),
    ]
    # With the services replaced, nothing of the move was touched by privacy itself…
    assert Move.objects.get(pk=submitted.pk).applicant["name"] == APPLICANT["name"]
    # …while its own rows, the anonymous counts, were written.
    assert MoveStatistic.objects.filter(procedure="").get().count == 1
