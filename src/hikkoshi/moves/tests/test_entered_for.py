"""moves tells a move entered for a customer (代行) from a mover's own only through what the app
that enters them registers (``moves.access.register_entered_for``), never by that app's relation."""

from pathlib import Path
import re

from hikkoshi.assisted.access import ENTERED_FOR
from hikkoshi.assisted.models import AssistedMove, CallCentre
from hikkoshi.moves import access, limits, selectors
from hikkoshi.moves.models import Move
from hikkoshi.moves.services import move_submit

from .conftest import sapporo_relocation

MOVES = Path(access.__file__).parent


def entered_for_a_caller(owner) -> Move:
    move = move_submit(owner=owner, payload=sapporo_relocation())
    AssistedMove.objects.create(
        move=move,
        kind=AssistedMove.Kind.CALL_CENTRE,
        entered_by=owner,
        centre=CallCentre.objects.create(name="テストセンター"),
        contact={"name": "札幌 花子"},
    )
    return move


def test_the_registered_app_tells_which_moves_are_a_movers_own(sapporo, mover):
    own = move_submit(owner=mover, payload=sapporo_relocation())
    entered = entered_for_a_caller(mover)
    assert ENTERED_FOR in access._ENTERED_FOR  # registered by assisted's AppConfig.ready
    assert [m.pk for m in access.visible_moves(mover, area=access.OWN)] == [own.pk]
    assert selectors.last_own_move(mover).pk == own.pk
    assert access.area_of(entered) == access.CALL_CENTRE and access.area_of(own) == access.OWN
    assert access.assisted_of(entered).customer_name == "札幌 花子" and access.assisted_of(own) is None
    assert access.move_visible_to(mover, own.public_id) is not None
    assert access.move_visible_to(mover, entered.public_id) is None  # the centre's, not the staff member's


def test_a_move_shown_comes_with_its_record(sapporo, mover, django_assert_num_queries):
    own = move_submit(owner=mover, payload=sapporo_relocation())
    shown = access.move_visible_to(mover, own.public_id)
    with django_assert_num_queries(0):  # loaded with the move (ENTERED_FOR.load_with)
        assert access.assisted_of(shown) is None and access.area_of(shown) == access.OWN


def test_without_the_app_every_move_is_its_owners_own(sapporo, mover, monkeypatch):
    entered = entered_for_a_caller(mover)
    monkeypatch.setattr(access, "_ENTERED_FOR", [])
    assert [m.pk for m in access.visible_moves(mover, area=access.OWN)] == [entered.pk]
    assert access.assisted_of(entered) is None and access.area_of(entered) == access.OWN
    assert limits.drafts_refused(mover) is False


def test_a_deleted_staff_member_s_customers_moves_stay(sapporo, mover):
    own = move_submit(owner=mover, payload=sapporo_relocation())
    entered = entered_for_a_caller(mover)
    mover.delete()
    assert not Move.objects.filter(pk=own.pk).exists()
    assert Move.objects.get(pk=entered.pk).owner_id is None


def test_moves_never_reads_the_relation_of_the_app_above_it():
    relation = re.compile(r"assisted__|(?<!hikkoshi)\.assisted\b|[\"']assisted[\"']\s*\)")
    found = [
        f"{path.relative_to(MOVES)}:{number}: {line.strip()}"
        for path in sorted(MOVES.rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if relation.search(line)
    ]
    assert found == []
