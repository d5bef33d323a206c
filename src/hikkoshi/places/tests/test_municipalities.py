import pytest

from hikkoshi.places.municipalities import (
    check_digit,
    city_of,
    designated_cities,
    is_valid_lg_code,
    municipality_code,
    with_check_digit,
)

# From the reference data (HeRoMo/japanese_local_governments, based on 総務省 全国地方公共団体コード).
REFERENCE = {
    "01100": "011002",
    "01101": "011011",
    "01102": "011029",
    "01103": "011037",
    "01104": "011045",
    "01105": "011053",
    "01106": "011061",
    "01107": "011070",
    "01108": "011088",
    "01109": "011096",
    "01110": "011100",
    "13101": "131016",
    "13104": "131041",
    "27100": "271004",
    "27127": "271276",
}


@pytest.mark.parametrize("code, six", REFERENCE.items())
def test_check_digits_match_the_reference(code, six):
    assert with_check_digit(code) == six
    assert is_valid_lg_code(six)


def test_a_wrong_check_digit_is_noticed():
    assert not is_valid_lg_code("011003")
    assert not is_valid_lg_code("01100")
    with pytest.raises(ValueError):
        check_digit("1100")


def test_sapporo_wards_know_their_city():
    sapporo = designated_cities()["01100"]
    assert sapporo.name == "札幌市"
    assert sapporo.ward_codes == {f"011{n:02d}" for n in range(1, 11)}
    assert city_of("01110").name == "札幌市"
    assert municipality_code("01103") == "01100"


def test_the_twenty_designated_cities():
    cities = designated_cities()
    assert len(cities) == 20
    assert cities["27100"].name == "大阪市"
    assert cities["14130"].name == "川崎市"
    assert "14100" in cities and "40130" in cities


def test_other_codes_are_their_own_municipality():
    assert city_of("13101") is None
    assert municipality_code("13101") == "13101"
    assert municipality_code("01202") == "01202"  # 函館市
