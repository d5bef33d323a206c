"""Staff on the phone find a customer's move by its 申請番号, however the caller reads it out."""

import pytest

from hikkoshi.moves import numbers
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
        Move.objects.filter(pk=move.pk).update(number=numbers.generate())
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
