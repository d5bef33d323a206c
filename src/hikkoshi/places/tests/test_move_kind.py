from django.test import override_settings
import pytest

from hikkoshi.places.move_kind import MoveKind, assess_move
from hikkoshi.places.regions import get_region


def test_between_two_sapporo_wards_is_a_relocation():
    move = assess_move("01101", "01102")  # 中央区 → 北区
    assert move.within_municipality
    assert move.kinds == [MoveKind.RELOCATION]
    assert MoveKind.MOVE_OUT not in move.kinds


def test_within_one_ward():
    assert assess_move("01101", "01101").kinds == [MoveKind.RELOCATION]


def test_sapporo_to_tokyo_is_a_move_out_here():
    move = assess_move("01101", "13101")
    assert not move.within_municipality
    assert move.old_in_region and not move.new_in_region
    assert move.kinds == [MoveKind.MOVE_OUT]


def test_osaka_to_sapporo_is_a_move_in_here():
    move = assess_move("27127", "01103")
    assert move.kinds == [MoveKind.MOVE_IN]
    assert move.new_in_region and not move.old_in_region


def test_between_two_tokyo_special_wards_is_not_a_relocation():
    move = assess_move("13101", "13104", get_region("kanto"))
    assert not move.within_municipality
    assert move.kinds == [MoveKind.MOVE_OUT, MoveKind.MOVE_IN]


def test_between_two_osaka_wards_is_a_relocation_in_kansai():
    move = assess_move("27127", "27102", get_region("kansai"))
    assert move.kinds == [MoveKind.RELOCATION]


def test_a_move_outside_the_region_concerns_no_procedure_here():
    move = assess_move("13101", "27127")
    assert move.kinds == [] and not move.in_region


@override_settings(HIKKOSHI_REGION="kanto")
def test_region_comes_from_settings():
    assert get_region().id == "kanto"
    assert assess_move("01101", "13101").kinds == [MoveKind.MOVE_IN]


@pytest.mark.parametrize(
    "code, inside", [("01100", True), ("01105", True), ("01202", False), ("13101", False), ("", False)]
)
def test_sapporo_region(code, inside):
    assert get_region("sapporo").contains(code) is inside
