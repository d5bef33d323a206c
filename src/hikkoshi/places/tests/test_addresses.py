import pytest

from hikkoshi.places.addresses import resolve_address


@pytest.mark.parametrize(
    "typed, code, postcode",
    [
        ("札幌市中央区北1条西2丁目", "01101", "0600001"),
        ("北海道札幌市北区北２４条西６丁目１−１", "01102", "0010024"),
        ("東京都千代田区九段南1丁目2-1", "13101", "1020074"),
        ("大阪市北区扇町2丁目1番27号", "27127", "5300025"),
    ],
)
def test_addresses_resolve_to_a_place(typed, code, postcode):
    match = resolve_address(typed)
    assert match.place.municipality_code == code
    assert match.place.postcode == postcode


def test_city_without_ward_resolves_to_the_city():
    match = resolve_address("札幌市")
    assert match.place.municipality_code == "01100"
    assert match.place.postcode == ""


def test_ambiguous_name_needs_the_prefecture():
    match = resolve_address("府中市")  # 東京都 and 広島県
    assert match.place is None and match.ambiguous
    assert {m.prefecture for m in match.candidates} >= {"東京都", "広島県"}
    assert resolve_address("広島県府中市").place.municipality_code.startswith("34")


@pytest.mark.parametrize("typed", ["", "どこか", "12345", "\x00"])
def test_unreadable_addresses(typed):
    match = resolve_address(typed)
    assert match.place is None and not match.ambiguous


def test_a_ward_name_alone_is_ambiguous():
    match = resolve_address("北区王子1-1")
    assert match.ambiguous
    assert {f"{m.prefecture}{m.name}" for m in match.candidates} >= {
        "東京都北区",
        "北海道札幌市北区",
        "大阪府大阪市北区",
    }
    assert resolve_address("東京都北区王子").place.municipality_code == "13117"


def test_a_ward_name_only_one_city_has():
    match = resolve_address("厚別区厚別中央1条5丁目")
    assert match.place.municipality_code == "01108"
    assert match.place.town.startswith("厚別中央")
