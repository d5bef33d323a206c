"""moves imports neither assisted nor accounts (issue 10): assisted tells moves, in its
``AppConfig.ready()``, who else sees a move and how moves for customers count against the
submission limits. Registered once; without them staff see nothing entered for customers."""

from django.apps import apps

from hikkoshi.assisted.access import staff_conditions
from hikkoshi.assisted.limits import submission_quota
from hikkoshi.moves import access, limits


def test_assisted_registers_its_visibility_and_quota_once():
    assert access._VISIBILITY.count(staff_conditions) == 1
    assert limits._QUOTAS.count(submission_quota) == 1
    apps.get_app_config("assisted").ready()  # again: nothing registered twice
    assert access._VISIBILITY.count(staff_conditions) == 1
    assert limits._QUOTAS.count(submission_quota) == 1


def test_without_the_registration_staff_see_only_their_own(world, monkeypatch):
    from hikkoshi.assisted.models import AssistedMove
    from hikkoshi.moves.models import Move

    move = Move.objects.create(owner=world.staff)
    AssistedMove.objects.create(
        move=move, kind="agency", agency=world.agency, store=world.store, entered_by=world.staff
    )
    assert list(access.visible_moves(world.staff)) == [move]
    assert list(access.visible_moves(world.manager, area="agency")) == [move]
    monkeypatch.setattr(access, "_VISIBILITY", [])
    assert not access.visible_moves(world.staff).exists()  # nor as its owner
    assert not access.visible_moves(world.manager, area="agency").exists()
