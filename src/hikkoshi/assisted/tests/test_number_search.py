"""Staff on the phone find a customer's move by its 申請番号, however the caller reads it out."""

import pytest

from hikkoshi import application_number
from hikkoshi.moves.models import Move

from .conftest import move_at, new_move, staff_client

PEOPLE = {"agency": "staff", "callcentre": "operator"}


@pytest.mark.parametrize("area", ["agency", "callcentre"])
def test_the_list_searches_by_the_number_typed_any_way(world, sapporo, area):
    client = staff_client(world, getattr(world, PEOPLE[area]))
    first = move_at(new_move(client, area, name="駅前 花子"))
    second = move_at(new_move(client, area, name="大通 次郎"))
    # (Numbers are given at submission; these two stand for submitted moves.)
    for move in (first, second):
        Move.objects.filter(pk=move.pk).update(number=application_number.generate())
    first.refresh_from_db()
    page = client.get(f"/{area}/").content.decode()
    assert first.number in page  # a column of the list
    typed = "\u3000".join("".join(chr(ord(c) + 0xFEE0) for c in part.lower()) for part in first.number.split("-"))
    page = client.post(f"/{area}/", {"q": typed}).content.decode()
    assert "駅前 花子" in page and "大通 次郎" not in page
    # One wrong character finds nothing (the check character), and says so.
    wrong = first.number[:-1] + ("0" if first.number[-1] != "0" else "1")
    page = client.post(f"/{area}/", {"q": wrong}).content.decode()
    assert "駅前 花子" not in page and "大通 次郎" not in page
    # Another centre's or store's staff do not find it by its number.
    other = staff_client(world, world.other_operator if area == "callcentre" else world.other_agency_staff)
    assert "駅前 花子" not in other.post(f"/{area}/", {"q": first.number}).content.decode()


def test_staff_withdraw_a_customers_procedure_from_the_result_page(world, sapporo):
    from hikkoshi.audit.models import AuditEvent
    from hikkoshi.moves.constants import ProcedureStatus
    from hikkoshi.moves.models import MoveProcedure

    from .conftest import base_of_consent, through_wizard

    client = staff_client(world, world.staff)
    consent_url = new_move(client, "agency")
    assert client.post(consent_url, {"action": "sheet", "signed": "on"}).status_code == 302
    base = base_of_consent(consent_url)
    through_wizard(client, base)
    move = move_at(consent_url)
    page = client.get(base).content.decode()
    assert move.number in page
    assert f'href="{base}withdraw/?procedure=hokkaido-gas-start"' in page and f'href="{base}correct/"' in page
    form = client.get(base + "withdraw/").content.decode()
    response = client.post(base + "withdraw/", {"request_key": "s" * 20, "procedure": "hokkaido-gas-start"})
    assert response["Location"] == base
    assert (
        MoveProcedure.objects.get(move=move, version__procedure__slug="hokkaido-gas-start").status
        == ProcedureStatus.WITHDRAWN
    )
    assert AuditEvent.objects.filter(
        move=move.public_id, action="withdraw", actor_id=world.staff.pk, role="agency"
    ).exists()
    assert "request_key" in form
    # Staff of another store see nothing of it, and change nothing.
    other = staff_client(world, world.other_store_staff)
    assert other.get(base + "withdraw/").status_code == 404
    assert other.post(base + "correct/", {"contact-phone": "011-000-0000"}).status_code == 404
    # Nor does the mover's own part of the site know it.
    assert client.get(f"/moves/{move.public_id}/withdraw/").status_code == 404
