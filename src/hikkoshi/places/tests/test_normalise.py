import string
import unicodedata

from hypothesis import given, strategies as st
import pytest

from hikkoshi.japanese import DASHES
from hikkoshi.places.normalise import (
    InvalidPostcode,
    address_key,
    normalise_address,
    normalise_postcode,
)


@pytest.mark.parametrize(
    "typed",
    [
        "060-0042",
        "0600042",
        "〒060-0042",
        "〒 060-0042",
        "０６０００４２",
        "０６０－００４２",
        "060ー0042",
        "060‐0042",
        "060−0042",
        " 060 0042 ",
        "060―0042",
        "〒０６０ー００４２",
        "060ｰ0042",
        "060\u30000042",
    ],
)
def test_postcodes_as_people_type_them(typed):
    assert normalise_postcode(typed) == "0600042"


@pytest.mark.parametrize(
    "bad", ["", "060", "06000421", "060-004a", "abcdefg", "٠٦٠٠٠٤٢", "060--0042x", "1" * 100, "〒"]
)
def test_malformed_postcodes_are_refused(bad):
    with pytest.raises(InvalidPostcode):
        normalise_postcode(bad)


def test_arabic_indic_digits_are_not_postal_codes():
    # str.isdigit() accepts them; a postal code is ASCII digits only.
    with pytest.raises(InvalidPostcode):
        normalise_postcode("٠٦٠٠٠٤٢")


@given(st.text(max_size=60))
def test_postcode_normaliser_never_crashes(text):
    try:
        code = normalise_postcode(text)
    except InvalidPostcode:
        return
    assert len(code) == 7 and code.isascii() and code.isdigit()


@given(
    st.text(alphabet=string.digits, min_size=7, max_size=7),
    st.sampled_from(list(DASHES) + ["", " ", "　"]),
    st.booleans(),
    st.booleans(),
)
def test_any_typed_form_of_a_code_gives_the_code(code, dash, full_width, mark):
    typed = code[:3] + dash + code[3:]
    if full_width:
        typed = typed.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if mark:
        typed = "〒" + typed
    assert normalise_postcode(typed) == code


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("札幌市中央区北１条西２丁目１－１", "札幌市中央区北1条西2丁目1-1"),
        ("札幌市北区北24条西6丁目1ー1", "札幌市北区北24条西6丁目1-1"),
        ("札幌市中央区　大通西3丁目6", "札幌市中央区 大通西3丁目6"),
        ("大阪市北区扇町2丁目1番27号", "大阪市北区扇町2丁目1番27号"),
        ("札幌市白石区南郷通1丁目南8‐1", "札幌市白石区南郷通1丁目南8-1"),
        ("サッポロファクトリーセンター", "サッポロファクトリーセンター"),  # ー inside a word stays
        ("ｶﾞ", unicodedata.normalize("NFC", "ｶﾞ")),
        ("が", "が"),  # NFD が → NFC が
        ("3-", "3-"),
        ("12ー", "12-"),
        ("a\x00b\x1fc", "abc"),
    ],
)
def test_addresses_are_normalised(typed, expected):
    assert normalise_address(typed) == expected


@given(st.text(max_size=80))
def test_address_normaliser_is_idempotent_and_clean(text):
    once = normalise_address(text)
    assert normalise_address(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert not any(c in "０１２３４５６７８９" for c in once)
    assert not any(ord(c) < 32 or ord(c) == 127 for c in once)


def test_address_keys_read_kanji_numerals_as_digits():
    assert address_key("札幌市北区 北二十四条西７丁目") == address_key("札幌市北区北24条西7丁目")
    assert address_key("札幌市北区北24条西7丁目") == "札幌市北区北24条西7丁目"


@given(st.text(max_size=40))
def test_address_key_never_crashes(text):
    assert " " not in address_key(text)
