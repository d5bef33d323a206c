"""The Sapporo scenarios: which procedures apply to which move, at which end."""

from datetime import date

from hikkoshi.catalogue.selectors import applicable_procedures, deadline_window, office_for, utility_contacts
from hikkoshi.directory.models import ServiceArea
from hikkoshi.places.move_kind import assess_move
from hikkoshi.places.postcodes import lookup

STOPS = {"sapporo-water-stop", "hokkaido-gas-stop", "hepco-electricity-stop"}
STARTS = {"sapporo-water-start", "hokkaido-gas-start", "hepco-electricity-start"}


def _applicable(old_code, new_code):
    old, new = lookup(old_code), lookup(new_code)
    assessment = assess_move(old.municipality_code, new.municipality_code)
    return {a.slug: a for a in applicable_procedures(assessment=assessment, old=old, new=new)}


def _contacts(old_code, new_code):
    old, new = lookup(old_code), lookup(new_code)
    return utility_contacts(assessment=assess_move(old.municipality_code, new.municipality_code), old=old, new=new)


def test_between_two_sapporo_wards_both_ends_are_asked_separately(sapporo):
    found = _applicable("0600042", "0010024")  # 中央区 → 北区: 転居
    assert set(found) == {"sapporo-move-in", "hokkaido-shimbun-subscription", "sapporo-property-tax"} | STOPS | STARTS
    assert "sapporo-move-out" not in found  # no 転出届 between wards
    # Only the 住民異動届 is required; the utilities are offered, pre-selected; the rest offered.
    assert [slug for slug, a in found.items() if a.required] == ["sapporo-move-in"]
    assert all(found[slug].optional and found[slug].preselected for slug in STOPS | STARTS)
    assert not found["hokkaido-shimbun-subscription"].preselected
    assert not found["sapporo-property-tax"].preselected
    assert _contacts("0600042", "0010024") == []  # both ends are this portal's


def test_sapporo_to_osaka_asks_only_about_stopping(sapporo):
    found = _applicable("0600042", "5300001")  # 中央区 → 大阪市北区: 転出
    assert set(found) == {"sapporo-move-out", "sapporo-property-tax"} | STOPS
    assert not STARTS & set(found)  # 北ガス is never asked about the Osaka flat
    assert found["sapporo-move-out"].required
    assert [str(k) for k in found["hokkaido-gas-stop"].kinds] == ["move_out"]
    # Whom to contact in Osaka, from the directory.
    [osaka] = _contacts("0600042", "5300001")
    assert osaka["end"] == "new" and osaka["municipality"] == "大阪府大阪市北区"
    names = {row["category"]: [o["name"] for o in row["organisations"]] for row in osaka["rows"]}
    assert names["electricity"] == ["関西電力株式会社"]
    assert names["gas"] == ["大阪ガス株式会社"]
    assert names["water"] == ["大阪市水道局"]


def test_tokyo_to_sapporo_starts_here_and_says_whom_to_call_in_tokyo(sapporo):
    found = _applicable("1000001", "0600042")  # 千代田区 → 中央区: 転入
    assert STARTS <= set(found) and not STOPS & set(found)
    assert {"sapporo-sapling", "hokkaido-shimbun-subscription"} <= set(found)
    assert "sapporo-move-out" not in found
    [tokyo] = _contacts("1000001", "0600042")
    assert tokyo["end"] == "old" and tokyo["municipality"] == "東京都千代田区"
    rows = {row["category"]: row["organisations"] for row in tokyo["rows"]}
    assert [o["name"] for o in rows["water"]] == ["東京都水道局 お客さまセンター"]
    assert "03-5326-1100" in rows["water"][0]["phones"]
    assert [o["name"] for o in rows["gas"]] == ["東京ガス株式会社"]
    assert all(o["sample"] for row in rows.values() for o in row)  # third-party data: marked


def test_an_end_the_directory_does_not_know_says_so(sapporo):
    # 那覇市: outside the region, and no utility of Okinawa is in the shipped directory.
    [naha] = _contacts("9000001", "0600042")
    assert all(row["organisations"] == [] for row in naha["rows"])


def test_a_home_outside_the_city_gas_area_gets_no_gas_procedure(sapporo):
    # Say 北ガス served only 060-0000…060-9999 (中央区): a home in 北区 has no city gas.
    ServiceArea.objects.filter(organisation__slug="hokkaido-gas").update(postcode_from="0600000", postcode_to="0609999")
    from hikkoshi.directory.signals import bump_revision

    bump_revision()
    assert "hokkaido-gas-start" not in _applicable("5300001", "0010024")
    assert "hokkaido-gas-start" in _applicable("5300001", "0600042")
    # 中央区 → 北区: gas is stopped at the old flat, and not started at the new one.
    between = _applicable("0600042", "0010024")
    assert "hokkaido-gas-stop" in between and "hokkaido-gas-start" not in between


def test_the_procedures_before_the_split_are_kept_for_stored_moves_but_not_offered(sapporo):
    from hikkoshi.catalogue.models import Procedure

    old = Procedure.objects.get(slug="sapporo-water")
    assert not old.active and old.versions.count() == 1
    assert "sapporo-water" not in _applicable("0600042", "0010024")


def test_deadline_and_office(sapporo):
    found = _applicable("5300001", "0010024")
    definition = found["sapporo-move-in"].version.definition
    assert deadline_window(definition, date(2026, 4, 1)) == (date(2026, 4, 1), date(2026, 4, 15))
    office = office_for(definition, old=lookup("5300001"), new=lookup("0010024"))
    assert office.slug == "sapporo-kita-ward"
    moving_out = _applicable("0010024", "1000001")["sapporo-move-out"].version.definition
    assert office_for(moving_out, old=lookup("0010024"), new=lookup("1000001")).slug == "sapporo-kita-ward"
