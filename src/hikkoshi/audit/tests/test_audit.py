"""The audit log: ids only, append-only (model and, on PostgreSQL, the database), searchable."""

import uuid

from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
import pytest

from hikkoshi.audit.models import AppendOnly, AuditEvent
from hikkoshi.audit.services import record


@pytest.fixture
def someone(django_user_model):
    return django_user_model.objects.create_user("someone@example.jp", "someone@example.jp", "pw-for-tests-1")


def test_an_event_holds_ids_and_the_client_address_only(db, someone):
    move = uuid.uuid4()
    request = RequestFactory().get("/moves/x/", REMOTE_ADDR="192.0.2.7")
    request.user = someone
    event = record(request, action="view", move=move, target="result.pdf")
    event.refresh_from_db()
    assert (event.actor_id, event.role, event.action, event.move, event.ip, event.via, event.target) == (
        someone.pk,
        "mover",
        "view",
        move,
        "192.0.2.7",
        "page",
        "result.pdf",
    )
    values = [str(getattr(event, f.attname)) for f in AuditEvent._meta.fields]
    assert not any("someone" in v or "example.jp" in v for v in values)


def test_the_client_behind_our_proxy_is_the_address_it_saw(db, settings, someone):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/api/v1/moves/x", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4"
    )
    request.user = someone
    event = record(request, action="view")
    assert event.ip == "198.51.100.4" and event.via == "api"


def test_events_are_never_changed_or_deleted(db, someone):
    event = record(None, action="export", user=someone, target="account")
    event.target = "something else"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).target == "account"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_updates_and_deletes_of_events_itself(db, someone):
    event = record(None, action="delete", user=someone)
    for statement in (
        "UPDATE audit_auditevent SET target = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_administrators_search_the_log_by_move_user_or_address(admin_client, someone):
    move = uuid.uuid4()
    record(None, action="view", user=someone, move=move)
    record(None, action="print", user=someone, target="result.pdf")
    for term, expected in [
        (str(move), 1),
        (str(someone.pk), 2),
        ("result.pdf", 1),
        ("not-an-id", 0),
        ("999999999999999999999999", 0),
        ("192.0.2.1", 0),
    ]:
        page = admin_client.get("/admin/audit/auditevent/", {"q": term})
        assert page.status_code == 200, term
        assert page.context["cl"].result_count == expected, term
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403


@pytest.mark.parametrize(
    "forwarded, expected",
    [
        ("203.0.113.9:51234", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::2", "2001:db8::2"),
        ("unknown", None),
        ("", "10.0.0.1"),
    ],
)
def test_a_proxy_hop_with_a_port_or_garbage_never_breaks_the_log(db, settings, someone, forwarded, expected):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/moves/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    request.user = someone
    assert record(request, action="view").ip == expected


def test_administrators_find_a_moves_events_by_its_application_number(admin_client, someone):
    from hikkoshi import application_number
    from hikkoshi.moves.models import Move

    move = Move.objects.create(owner=someone, number=application_number.generate())
    record(None, action="view", user=someone, move=move)
    record(None, action="print", user=someone, move=move, target="result.pdf")
    record(None, action="view", user=someone, move=uuid.uuid4())
    typed = move.number.replace("-", " ").lower()  # as staff type it off the phone
    page = admin_client.get("/admin/audit/auditevent/", {"q": typed})
    assert page.status_code == 200
    assert {e.move for e in page.context["cl"].result_list} == {move.public_id}
    assert page.context["cl"].result_count == 2


def test_the_move_finders_are_those_the_apps_above_registered(monkeypatch):
    from hikkoshi.audit import search
    from hikkoshi.moves.selectors import public_ids_numbered

    assert public_ids_numbered in search.move_finders()  # moves' AppConfig.ready()
    monkeypatch.setattr(search, "_finders", [])
    found = uuid.uuid4()

    def finder(number):
        return [found] if number == "K7P2X-9M4QD" else []

    search.register_move_finder(finder)
    search.register_move_finder(finder)  # ready() may run twice: registered once
    assert search.move_finders() == (finder,)
