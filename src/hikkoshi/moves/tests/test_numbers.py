"""The application number (申請番号) of a move: given at submission, where it appears, how it is found.

The number itself (its check character, how it is typed): ``hikkoshi/tests/test_application_number.py``."""

import json
import re

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
import pytest

from hikkoshi import application_number
from hikkoshi.delivery.channels import email as email_channel
from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.services import build_outgoing
from hikkoshi.moves.models import Move
from hikkoshi.moves.selectors import move_record
from hikkoshi.moves.services import move_submit

from .conftest import sapporo_relocation


def test_a_number_is_given_at_submission_once_and_kept(sapporo, mover):
    draft = Move.objects.create(owner=mover)
    assert draft.number is None
    move = move_submit(owner=mover, payload=sapporo_relocation())
    move.refresh_from_db()
    assert application_number.parse(move.number) == move.number
    number = move.number
    move.save()
    move.refresh_from_db()
    assert move.number == number
    other = move_submit(owner=mover, payload=sapporo_relocation())
    assert other.number != number
    assert move_record(move).number == number


def test_organisations_copies_carry_the_number(sapporo, mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    delivery = Delivery.objects.get(entry__move=move, entry__version__procedure__slug="sapporo-water-start")
    outgoing = build_outgoing(delivery)
    assert outgoing.application["number"] == move.number
    assert outgoing.record.number == move.number
    assert email_channel.subject(outgoing).endswith(f"（申請番号 {move.number}）")
    text = email_channel.body(outgoing)
    assert f"申請番号　: {move.number}" in text and str(move.public_id) not in text
    message = email_channel.compose(outgoing, "suido@example.jp", b"%PDF-1.4")
    assert message["X-Hikkoshi-Number"] == move.number


def test_the_fax_cover_names_the_number(sapporo, mover, monkeypatch):
    from hikkoshi.delivery.channels import fax
    from hikkoshi.documents import fax_cover

    seen = {}
    real = fax_cover.render_fax_cover

    def spy(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(fax, "render_fax_cover", spy)
    move = move_submit(owner=mover, payload=sapporo_relocation())
    delivery = Delivery.objects.get(entry__move=move, entry__version__procedure__slug="sapporo-water-start")
    fax.render_fax(build_outgoing(delivery), "011-211-2222")
    assert seen["application_id"] == move.number


def test_the_api_answers_with_the_number(sapporo, api):
    created = api.post("/api/v1/moves", sapporo_relocation(), content_type="application/json")
    assert created.status_code == 201
    number = created.json()["number"]
    assert application_number.parse(number) == number
    move_id = created.json()["id"]
    assert api.get(f"/api/v1/moves/{move_id}").json()["number"] == number
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]["MoveOut"]
    assert "number" in schema["properties"]


def test_the_result_page_and_my_moves_show_the_number_not_the_uuid(sapporo, client, mover):
    client.force_login(mover)
    move = move_submit(owner=mover, payload=sapporo_relocation())
    move.refresh_from_db()
    page = client.get(f"/moves/{move.public_id}/").content.decode()
    assert re.search(r"申請番号|Application number", page)
    assert move.number in page
    # The UUID only in links, never as text a person reads.
    assert str(move.public_id) not in re.sub(r'="/[^"]*"', "", page)
    assert move.number in client.get("/moves/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_moves_submitted_before(sapporo, mover):
    before, after = ("moves", "0007_move_procedure_choices"), ("moves", "0008_number")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old_apps = executor.loader.project_state(before).apps
        OldMove = old_apps.get_model("moves", "Move")
        submitted = [OldMove.objects.create(owner_id=mover.pk, status="submitted") for _ in range(3)]
        draft = OldMove.objects.create(owner_id=mover.pk, status="draft")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([after])
        found = dict(Move.objects.filter(pk__in=[m.pk for m in submitted + [draft]]).values_list("pk", "number"))
        assert found[draft.pk] is None
        given = [found[m.pk] for m in submitted]
        assert all(application_number.parse(n) == n for n in given) and len(set(given)) == 3
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_staff_find_a_delivery_by_the_number_typed_any_way(sapporo, mover, admin_client):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    other = move_submit(owner=mover, payload=sapporo_relocation())
    move.refresh_from_db()
    typed = "".join(chr(ord(c) + 0xFEE0) for c in move.number.replace("-", "").lower())  # ｋ７ｐ２…
    page = admin_client.get("/admin/delivery/delivery/", {"q": typed})
    assert page.status_code == 200
    found = {d.entry.move_id for d in page.context["cl"].result_list}
    assert found == {move.pk} and other.pk not in found
    # Anything else is searched as before (a reference, a key): no error.
    assert admin_client.get("/admin/delivery/delivery/", {"q": "not-a-number"}).status_code == 200
    # The audit log too.
    page = admin_client.get("/admin/audit/auditevent/", {"q": move.number.replace("-", " ")})
    assert page.status_code == 200


def test_a_payload_names_the_number_as_json(sapporo, mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    delivery = Delivery.objects.get(entry__move=move, entry__version__procedure__slug="hokkaido-gas-start")
    body = json.dumps(build_outgoing(delivery).application, ensure_ascii=False)
    assert f'"number": "{move.number}"' in body
