"""The Sapporo scenarios: which procedures apply to which move."""

from datetime import date


from hikkoshi.catalogue.selectors import applicable_procedures, deadline_window, office_for
from hikkoshi.directory.models import ServiceArea
from hikkoshi.places.moves import assess_move
from hikkoshi.places.postcodes import lookup


def _applicable(old_code, new_code):
    old, new = lookup(old_code), lookup(new_code)
    assessment = assess_move(old.municipality_code, new.municipality_code)
    return {a.slug: a for a in applicable_procedures(assessment=assessment, old=old, new=new)}


def test_between_two_sapporo_wards(sapporo):
    found = _applicable("0600042", "0010024")  # 中央区 → 北区: 転居
    assert set(found) == {"sapporo-move-in", "sapporo-water", "hokkaido-gas", "hepco-electricity",
                          "hokkaido-shimbun-subscription", "sapporo-property-tax"}
    assert "sapporo-move-out" not in found  # no 転出届 between wards
    assert not found["sapporo-move-in"].optional
    assert found["hokkaido-shimbun-subscription"].optional


def test_sapporo_to_tokyo(sapporo):
    found = _applicable("0600042", "1000001")
    assert set(found) == {"sapporo-move-out", "sapporo-water", "hokkaido-gas", "hepco-electricity",
                          "sapporo-property-tax"}
    assert [str(k) for k in found["sapporo-water"].kinds] == ["move_out"]


def test_osaka_to_sapporo_offers_sapling_and_newspaper(sapporo):
    found = _applicable("5300001", "0600042")
    assert {"sapporo-move-in", "sapporo-water", "hokkaido-gas", "hepco-electricity"} <= set(found)
    assert found["sapporo-sapling"].optional and found["hokkaido-shimbun-subscription"].optional
    assert "sapporo-move-out" not in found


def test_a_home_outside_the_city_gas_area_gets_no_gas_procedure(sapporo):
    # Say 北ガス served only 060-0000…060-9999 (中央区): a home in 北区 has no city gas.
    ServiceArea.objects.filter(organisation__slug="hokkaido-gas").update(
        postcode_from="0600000", postcode_to="0609999")
    from hikkoshi.directory.signals import bump_revision

    bump_revision()
    assert "hokkaido-gas" not in _applicable("5300001", "0010024")
    assert "hokkaido-gas" in _applicable("5300001", "0600042")


def test_deadline_and_office(sapporo):
    found = _applicable("5300001", "0010024")
    definition = found["sapporo-move-in"].version.definition
    assert deadline_window(definition, date(2026, 4, 1)) == (date(2026, 4, 1), date(2026, 4, 15))
    office = office_for(definition, old=lookup("5300001"), new=lookup("0010024"))
    assert office.slug == "sapporo-kita-ward"
    moving_out = _applicable("0010024", "1000001")["sapporo-move-out"].version.definition
    assert office_for(moving_out, old=lookup("0010024"), new=lookup("1000001")).slug == "sapporo-kita-ward"
