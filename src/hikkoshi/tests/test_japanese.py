"""What Japanese people type and read (``hikkoshi.japanese``): kana, numerals, eras, dates, phone
numbers, free text. No database needed."""

from datetime import date, datetime, timedelta
import itertools
import re

from django.utils import translation
from django.utils.functional import Promise
from hypothesis import given, strategies as st
import pytest

from hikkoshi.japanese import (
    ERAS,
    FIRST_DATE,
    LAST_DATE,
    InputError,
    ascii_digits,
    both,
    check_text,
    date_parts,
    era_of,
    format_wareki,
    full_width_kana,
    hiragana_to_katakana,
    kanji_number,
    kanji_numerals_to_digits,
    normalise_phone,
    parse_date,
    to_katakana,
    typed_date,
    wareki,
    whole_date_in_year,
)


def error_of(function, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        function(*args, **kwargs)
    return info.value


def english(error: InputError) -> str:
    with translation.override("en"):
        return str(error.message)


# -- InputError ----------------------------------------------------------------------------------


def test_input_error_is_a_value_error_with_a_lazy_filled_in_message():
    error = error_of(to_katakana, "山田")
    assert isinstance(error, ValueError)
    assert isinstance(error.message, Promise)  # translated when shown, not when raised
    assert error.code == "not_kana"
    assert english(error) == "Use kana only (katakana or hiragana): “山” is not kana."
    assert error.params == {"char": "山"}


# -- to_katakana ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("やまだ", "ヤマダ"),
        ("ヤマダ", "ヤマダ"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
        ("ｶﾞｷﾞｸﾞｹﾞｺﾞ", "ガギグゲゴ"),
        ("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "パピプペポ"),
        ("ｳﾞｧｲｵﾘﾝ", "ヴァイオリン"),
        ("ゔぁいおりん", "ヴァイオリン"),
        ("ｼｮｳｺﾞ", "ショウゴ"),
        ("ｽｰﾊﾟｰ", "スーパー"),
        ("すーぱー", "スーパー"),
        ("ｷｬｯｼｭ", "キャッシュ"),
        ("ぁぃぅぇぉっゃゅょゎゕゖ", "ァィゥェォッャュョヮヵヶ"),
        ("ジョン・スミス", "ジョン・スミス"),
        ("ｼﾞｮﾝ･ｽﾐｽ", "ジョン・スミス"),
        ("やまだ たろう", "ヤマダ\u3000タロウ"),
        ("やまだ\u3000たろう", "ヤマダ\u3000タロウ"),
        ("やまだ　\u3000  たろう", "ヤマダ\u3000タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ\u3000タロウ"),
        ("やまだ\u00a0たろう", "ヤマダ\u3000タロウ"),
        ("  やまだ　たろう　", "ヤマダ\u3000タロウ"),
        ("ヤマダ ﾀﾛｳ　たろう", "ヤマダ\u3000タロウ\u3000タロウ"),
        ("か\u3099", "ガ"),  # decomposed (NFD) input, as some systems send it
        ("ｶ\u3099", "ガ"),  # half-width kana with a combining mark
        ("ヰヱヲ", "ヰヱヲ"),
        ("", ""),
        ("　 ", ""),
    ],
)
def test_kana_as_people_type_it(typed, expected):
    assert to_katakana(typed) == expected


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("山田", "山"),
        ("やまだ太郎", "太"),
        ("Yamada", "Y"),
        ("ﾔﾏﾀﾞ1", "1"),
        ("ヤマダ２", "２"),
        ("ヤマダ-タロウ", "-"),  # a hyphen is not ー
        ("スズキ。", "。"),
        ("ｽｽﾞｷ｡", "。"),  # half-width full stop becomes 。 and is still refused
        ("ｱﾞ", "ﾞ"),  # a voiced mark that joins no kana
        ("カ゛", "゛"),  # the spacing voiced mark
        ("いすゞ", "ヾ"),  # iteration marks are not expanded
        ("ヤマダ\nタロウ", "U+000A"),
        ("ヤマダ\tタロウ", "U+0009"),
        ("ヤマダ\u200bタロウ", "U+200B"),
        ("㋐", "㋐"),  # NFKC would make this ア
        ("㌔", "㌔"),  # … and this キロ
        ("ㇰ", "ㇰ"),  # Ainu small kana
    ],
)
def test_anything_but_kana_is_refused_naming_the_character(typed, shown):
    error = error_of(to_katakana, typed)
    assert error.code == "not_kana"
    assert error.params["char"] == shown
    assert "kana" in english(error)


KANA_FIELD = re.compile("[\u30a1-\u30fc\u3000]*")
KANA_ALPHABET = (
    [chr(c) for c in range(0x3041, 0x30A0)]  # hiragana block
    + [chr(c) for c in range(0x30A0, 0x3100)]  # katakana block
    + [chr(c) for c in range(0xFF61, 0xFFA0)]  # half-width katakana
    + list(" \u3000\u00a0\t\nａAz1１漢-ー〜")
)


@given(st.text(alphabet=st.sampled_from(KANA_ALPHABET), max_size=30))
def test_kana_output_is_katakana_or_an_input_error(text):
    try:
        kana = to_katakana(text)
    except InputError:
        return
    assert KANA_FIELD.fullmatch(kana)
    assert not kana.startswith("\u3000") and not kana.endswith("\u3000")
    assert "\u3000\u3000" not in kana
    assert to_katakana(kana) == kana


@given(st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3096), max_size=20))
def test_every_hiragana_has_a_katakana(text):
    kana = to_katakana(text)
    assert len(kana) == len(text)


# -- full-width forms and kana ---------------------------------------------------------------------


def test_full_width_digits_become_ascii_and_nothing_else_changes():
    assert ascii_digits("札幌市北区北２４条西７丁目") == "札幌市北区北24条西7丁目"
    assert ascii_digits("①٣ＡＢ") == "①٣ＡＢ"


def test_half_width_katakana_become_full_width_with_their_marks_joined():
    assert full_width_kana("ﾒｿﾞﾝ･ﾄﾞ ﾊﾟﾚｽ 101") == "メゾン・ド パレス 101"
    assert full_width_kana("ＡＢＣ abc 123 さっぽろ") == "ＡＢＣ abc 123 さっぽろ"


def test_hiragana_become_katakana():
    assert hiragana_to_katakana("さっぽろ ゔぁいおりん ゕゖ Sapporo") == "サッポロ ヴァイオリン ヵヶ Sapporo"


# -- kanji numerals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, number",
    [
        ("七", 7),
        ("十", 10),
        ("十一", 11),
        ("三十", 30),
        ("三十一", 31),
        ("二〇二五", 2025),
        ("二千二十五", 2025),
        ("百", 100),
        ("千九百八十九", 1989),
        ("〇", 0),
        ("○", 0),
        ("零", 0),
        ("2025", 2025),
    ],
)
def test_kanji_numbers(text, number):
    assert kanji_number(text) == number


@pytest.mark.parametrize("text", ["二三十", "十百", "十十", "千千"])
def test_kanji_that_are_not_a_number(text):
    with pytest.raises(ValueError):
        kanji_number(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("北二十四条西", "北24条西"),
        ("北一条西", "北1条西"),
        ("南十条", "南10条"),
        ("二〇", "20"),
        ("三十", "30"),
        ("十一", "11"),
        # Words with 千 or 百 stay words; a run that is no number stays as it is; 〇一 keeps its 0.
        ("千代田区一番町", "千代田区1番町"),
        ("十十", "十十"),
        ("〇一", "01"),
    ],
)
def test_kanji_numerals_in_addresses(text, expected):
    assert kanji_numerals_to_digits(text) == expected


# -- eras (和暦) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, text",
    [
        (date(2025, 4, 1), "令和7年4月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1912, 7, 29), "明治45年7月29日"),
    ],
)
def test_wareki(day, text):
    assert wareki(day) == text


def test_before_meiji_falls_back_to_the_gregorian_year():
    assert era_of(date(1850, 1, 1)) is None
    assert wareki(date(1850, 1, 1)) == "1850年1月1日"


def test_both():
    assert both(date(2025, 4, 1)) == "令和7年4月1日 (2025年)"
    assert both(None) == ""


def test_era_of_a_date_or_a_datetime():
    assert era_of(date(2019, 5, 1)) == ("令和", "令", 1)
    assert era_of(datetime(1989, 1, 7, 23, 59)) == ("昭和", "昭", 64)
    assert [era.english for era in ERAS] == ["Meiji", "Taisho", "Showa", "Heisei", "Reiwa"]


# -- parse_date ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("2025-04-01", date(2025, 4, 1)),
        ("2025/4/1", date(2025, 4, 1)),
        ("2025.4.1", date(2025, 4, 1)),
        ("2025年4月1日", date(2025, 4, 1)),
        ("2025年4月1", date(2025, 4, 1)),
        ("西暦2025年4月1日", date(2025, 4, 1)),
        ("20250401", date(2025, 4, 1)),
        ("２０２５－０４－０１", date(2025, 4, 1)),
        ("２０２５年４月１日", date(2025, 4, 1)),
        ("２０２５／４／１", date(2025, 4, 1)),
        ("２０２５０４０１", date(2025, 4, 1)),
        (" 2025 / 4 / 1 ", date(2025, 4, 1)),
        ("2025年 4月 1日", date(2025, 4, 1)),
        ("2025\u3000年4月1日", date(2025, 4, 1)),
        ("2025ー4ー1", date(2025, 4, 1)),
        ("2025‐4‐1", date(2025, 4, 1)),
        ("2025/04-01", date(2025, 4, 1)),
        ("二〇二五年四月一日", date(2025, 4, 1)),
        ("二千二十五年四月一日", date(2025, 4, 1)),
        ("令和7年4月1日", date(2025, 4, 1)),
        ("令和７年４月１日", date(2025, 4, 1)),
        ("令和 7 年 4 月 1 日", date(2025, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("令和七年四月一日", date(2025, 4, 1)),
        ("令和七年十二月三十一日", date(2025, 12, 31)),
        ("令和〇七年〇四月〇一日", date(2025, 4, 1)),
        ("令和7.4.1", date(2025, 4, 1)),
        ("㋿7年4月1日", date(2025, 4, 1)),
        ("令7.4.1", date(2025, 4, 1)),
        ("R7.4.1", date(2025, 4, 1)),
        ("R07/04/01", date(2025, 4, 1)),
        ("r7-4-1", date(2025, 4, 1)),
        ("Ｒ７．４．１", date(2025, 4, 1)),
        ("R 7.4.1", date(2025, 4, 1)),
        ("R070401", date(2025, 4, 1)),
        ("R元.5.1", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成三十一年四月三十日", date(2019, 4, 30)),
        ("㍻31年4月30日", date(2019, 4, 30)),
        ("H31.4.30", date(2019, 4, 30)),
        ("h31.4.30", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("S64.1.7", date(1989, 1, 7)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("大正15年12月24日", date(1926, 12, 24)),
        ("T15.12.24", date(1926, 12, 24)),
        ("大正元年7月30日", date(1912, 7, 30)),
        ("明治45年7月29日", date(1912, 7, 29)),
        ("M45.7.29", date(1912, 7, 29)),
        ("明治元年9月8日", date(1868, 9, 8)),
        ("2025年4月1日(火)", date(2025, 4, 1)),
        ("2025年4月1日（火）", date(2025, 4, 1)),
        ("2025年4月1日火曜日", date(2025, 4, 1)),
        ("2025/4/1(火曜)", date(2025, 4, 1)),
        ("R7.4.1(火)", date(2025, 4, 1)),
        ("1868-09-08", date(1868, 9, 8)),
        ("2100-12-31", date(2100, 12, 31)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_dates_as_people_type_them(typed, expected):
    assert parse_date(typed) == expected


@pytest.mark.parametrize(
    "typed, code",
    [
        ("", "date_format"),
        ("明日", "date_format"),
        ("2025", "date_format"),
        ("2025-04", "date_format"),
        ("2025年4月", "date_format"),
        ("2025-04-01T00:00", "date_format"),
        ("2025 4 1", "date_format"),  # no separators at all: 202541
        ("4/1/2025", "date_format"),
        ("01.04.2025", "date_format"),
        ("25/4/1", "date_format"),  # two-digit western year
        ("25年4月1日", "date_format"),
        ("元年5月1日", "date_format"),  # 元年 of which era?
        ("令和0年5月1日", "date_format"),
        ("令和二三十年四月一日", "date_format"),  # not a kanji number
        ("令和十十年四月一日", "date_format"),
        ("X7.4.1", "date_format"),
        ("R7.4.1.", "date_format"),
        ("٢٠٢٥-٠٤-٠١", "date_format"),  # Arabic-Indic digits are not dates here
        ("2025-04-01" + " " * 40, "date_format"),  # absurdly long input
        ("2025-02-30", "invalid_date"),
        ("2025-02-29", "invalid_date"),
        ("2025-04-31", "invalid_date"),
        ("2025-04-00", "invalid_date"),
        ("2025-13-01", "invalid_date"),
        ("2025-00-10", "invalid_date"),
        ("令和7年2月29日", "invalid_date"),
        ("平成32年1月1日", "era_range"),
        ("平成31年5月1日", "era_range"),
        ("令和元年4月30日", "era_range"),
        ("令和1年4月1日", "era_range"),
        ("平成元年1月7日", "era_range"),
        ("昭和65年1月1日", "era_range"),
        ("昭和64年1月8日", "era_range"),
        ("S64.1.8", "era_range"),
        ("大正15年12月25日", "era_range"),
        ("昭和元年12月24日", "era_range"),
        ("明治45年7月30日", "era_range"),
        ("大正元年7月29日", "era_range"),
        ("明治元年9月7日", "era_range"),
        ("明治元年1月1日", "era_range"),
        ("1867-12-31", "date_range"),
        ("1868-09-07", "date_range"),
        ("1000-01-01", "date_range"),
        ("2101-01-01", "date_range"),
        ("9999-12-31", "date_range"),
        ("令和83年1月1日", "date_range"),
        ("令和99999年1月1日", "date_range"),
        ("2025年4月1日(月)", "weekday"),
        ("R7.4.1(日)", "weekday"),
    ],
)
def test_dates_that_are_refused(typed, code):
    assert error_of(parse_date, typed).code == code


def test_era_boundaries():
    assert parse_date("平成31年4月30日") == date(2019, 4, 30)
    assert error_of(parse_date, "令和元年4月30日").code == "era_range"
    assert parse_date("昭和64年1月7日") == date(1989, 1, 7)
    assert error_of(parse_date, "平成元年1月7日").code == "era_range"
    for earlier, later in itertools.pairwise(ERAS):
        assert earlier.end == later.start - timedelta(days=1)
        assert format_wareki(earlier.end).startswith(earlier.name)
        assert format_wareki(later.start) == f"{later.name}元年{later.start.month}月{later.start.day}日"


def test_era_errors_name_the_era_and_its_range():
    assert english(error_of(parse_date, "平成32年1月1日")) == (
        "平成 runs from 平成元年1月8日 to 平成31年4月30日 (1989-01-08 to 2019-04-30)."
    )
    assert english(error_of(parse_date, "令和元年4月30日")) == "令和 began on 令和元年5月1日 (2019-05-01)."
    assert "昭和64年1月7日" in english(error_of(parse_date, "昭和65年1月1日"))


def test_a_day_that_does_not_exist_is_said_in_the_terms_it_was_typed_in():
    from django.utils import translation

    error = error_of(parse_date, "令和3年2月30日")
    assert error.code == "invalid_date"
    with translation.override("ja"):
        assert str(error.message) == "令和3年2月30日は存在しない日付です（令和3年2月は28日まで）。"
        assert str(error_of(parse_date, "2024-02-30").message) == (
            "2024年2月30日は存在しない日付です（2024年2月は29日まで）。"
        )
        assert str(error_of(parse_date, "令和元年6月31日").message) == (
            "令和元年6月31日は存在しない日付です（令和元年6月は30日まで）。"
        )
    assert english(error) == "There is no 令和3年2月30日: 令和3年2月 (February 2021) has 28 days."


def test_other_date_errors_say_what_is_wrong():
    assert english(error_of(parse_date, "2025-02-30")) == (
        "There is no 2025年2月30日: 2025年2月 (February 2025) has 28 days."
    )
    assert english(error_of(parse_date, "2025-13-01")) == "There is no month 13."
    assert "1868-09-08" in english(error_of(parse_date, "1800-01-01"))
    assert "2100-12-31" in english(error_of(parse_date, "2101-01-01"))
    assert "火曜日" in english(error_of(parse_date, "2025年4月1日(月)"))
    assert "2025-04-01" in english(error_of(parse_date, "2025/4/1 は"))


@pytest.mark.parametrize(
    "day, printed",
    [
        (date(2025, 4, 1), "令和7年4月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1868, 9, 8), "明治元年9月8日"),
        (date(2100, 12, 31), "令和82年12月31日"),
        (datetime(2025, 4, 1, 23, 59), "令和7年4月1日"),
    ],
)
def test_format_wareki(day, printed):
    assert format_wareki(day) == printed


def test_format_wareki_refuses_a_date_before_meiji():
    assert error_of(format_wareki, date(1868, 9, 7)).code == "date_range"


supported_dates = st.dates(min_value=FIRST_DATE, max_value=LAST_DATE)


@given(supported_dates)
def test_wareki_round_trip(day):
    assert parse_date(format_wareki(day)) == day


@given(supported_dates)
def test_iso_round_trip(day):
    assert parse_date(day.isoformat()) == day


def _era_of(day):
    era = next(e for e in reversed(ERAS) if e.start <= day)
    return era, day.year - era.start.year + 1


@given(
    supported_dates,
    st.sampled_from(
        [
            "{L}{y}.{m}.{d}",
            "{L}{y:02d}/{m:02d}/{d:02d}",
            "{l}{y}-{m}-{d}",
            "{L}{y:02d}{m:02d}{d:02d}",
            "{E}{y}.{m}.{d}",
            "{y4}/{m}/{d}",
            "{y4}{m:02d}{d:02d}",
            "{y4}年{m}月{d}日",
            "{E}{y}年{m}月{d}日({w})",
        ]
    ),
    st.booleans(),
)
def test_typed_forms_of_a_date(day, form, full_width):
    era, year = _era_of(day)
    typed = form.format(
        L=era.letter,
        l=era.letter.lower(),
        E=era.name,
        y=year,
        y4=day.year,
        m=day.month,
        d=day.day,
        w="月火水木金土日"[day.weekday()],
    )
    if full_width:
        typed = typed.translate(
            str.maketrans("0123456789./-RHSTMrhstm()", "０１２３４５６７８９．／－ＲＨＳＴＭｒｈｓｔｍ（）")
        )
    assert parse_date(typed) == day


# -- dates in 年 / 月 / 日 fields ------------------------------------------------------------------


def test_a_date_in_parts_in_its_era_or_in_full_before_meiji():
    assert date_parts(date(2026, 1, 15)) == {"era": "R", "year": "8", "month": "1", "day": "15"}
    assert date_parts(datetime(2019, 4, 30, 12)) == {"era": "H", "year": "31", "month": "4", "day": "30"}
    assert date_parts(date(1850, 1, 1)) == {"era": "", "year": "1850", "month": "1", "day": "1"}


@pytest.mark.parametrize(
    "year, month, day, whole",
    [
        ("R8.1.15", "", "", True),
        ("令和8年1月15日", "", "", True),
        ("20260115", "", "", True),
        ("2026", "", "", False),
        ("8", "", "", False),
        ("", "", "", False),
        ("R8.1.15", "1", "", False),
    ],
)
def test_a_whole_date_typed_in_the_year_field(year, month, day, whole):
    assert whole_date_in_year(year, month, day) is whole
    shown = typed_date({"era": "R", "year": year, "month": month, "day": day})
    assert (shown == year) is (whole or not (year or month or day))


# -- normalise_phone -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("011-211-2111", "011-211-2111"),
        ("0112112111", "0112112111"),  # a fixed line without hyphens: no guessed split
        ("(011)211-2111", "011-211-2111"),
        ("(011) 211-2111", "011-211-2111"),
        ("011（211）2111", "011-211-2111"),
        ("011(211)2111", "011-211-2111"),
        ("０１１－２１１－２１１１", "011-211-2111"),
        ("０１１ー２１１ー２１１１", "011-211-2111"),
        ("011‐211‐2111", "011-211-2111"),
        ("011−211−2111", "011-211-2111"),
        ("011 211 2111", "011-211-2111"),
        ("011\u3000211\u30002111", "011-211-2111"),
        (" 011-211-2111 ", "011-211-2111"),
        ("+81 11 211 2111", "011-211-2111"),
        ("+81-11-211-2111", "011-211-2111"),
        ("+81 (0)11 211 2111", "011-211-2111"),
        ("+81 011 211 2111", "011-211-2111"),
        ("＋８１　１１　２１１　２１１１", "011-211-2111"),
        ("+81112112111", "0112112111"),
        ("03-1234-5678", "03-1234-5678"),
        ("0312345678", "0312345678"),
        ("+81 3 1234 5678", "03-1234-5678"),
        ("0123-45-6789", "0123-45-6789"),
        ("01267-2-1234", "01267-2-1234"),
        ("011-2112111", "0112112111"),  # two groups: no split of a fixed line is guessed
        ("0112-11-21-11", "0112112111"),
        ("+81-90-1234-5678", "090-1234-5678"),
        ("+819012345678", "090-1234-5678"),
        ("090 1234 5678", "090-1234-5678"),
        ("090-1234-5678", "090-1234-5678"),
        ("09012345678", "090-1234-5678"),
        ("0901-234-5678", "090-1234-5678"),  # implausible grouping: the usual one instead
        ("080(1234)5678", "080-1234-5678"),
        ("07012345678", "070-1234-5678"),
        ("050-1234-5678", "050-1234-5678"),
        ("0120-12-6565", "0120-12-6565"),
        ("0120-126-565", "0120-126-565"),
        ("0120126565", "0120-126-565"),
        ("0120-1265-65", "0120-126-565"),
        ("0570-008800", "0570-008-800"),
        ("0570-008-800", "0570-008-800"),
        ("0570008800", "0570-008-800"),
        ("0990123456", "0990-123-456"),
        ("0800-123-4567", "0800-123-4567"),
        ("08001234567", "0800-123-4567"),
        ("0800-1234-567", "0800-123-4567"),
    ],
)
def test_phone_numbers_as_people_type_them(typed, expected):
    assert normalise_phone(typed) == expected


@pytest.mark.parametrize(
    "typed, code",
    [
        ("", "phone"),
        ("   ", "phone"),
        ("-", "phone"),
        ("電話 011-211-2111", "phone"),
        ("011-211-2111 内線 12", "phone"),
        ("011-211-2111 ext. 12", "phone"),
        ("011-211-2111#", "phone"),
        ("٠١١٢١١٢١١١", "phone"),  # Arabic-Indic digits
        ("+1 212 555 1234", "phone"),
        ("+44 20 7946 0000", "phone"),
        ("81-11-211-2111", "phone_prefix"),
        ("011+211", "phone"),
        ("((011)) 211-2111", "phone"),
        ("(011)(211)2111", "phone"),
        ("011)211(2111", "phone"),
        ("(011 211)-2111", "phone"),
        ("0" * 41, "phone"),
        ("112112111", "phone_prefix"),
        ("010-1234-5678", "phone_prefix"),  # international prefix
        ("001-1234-5678", "phone_prefix"),
        ("020-1234-5678", "phone_prefix"),  # pager / M2M
        ("060-1234-5678", "phone_prefix"),
        ("0301234567", "phone_prefix"),
        ("011-211-211", "phone_length"),
        ("011-211-21111", "phone_length"),
        ("090-1234-567", "phone_length"),
        ("090-1234-56789", "phone_length"),
        ("0120-123-4567", "phone_length"),
        ("0570-00-880", "phone_length"),
        ("0800-123-456", "phone_length"),
        ("0", "phone_length"),
        ("03", "phone_length"),
    ],
)
def test_phone_numbers_that_are_refused(typed, code):
    assert error_of(normalise_phone, typed).code == code


def test_phone_errors_say_what_is_wrong():
    assert english(error_of(normalise_phone, "090-1234-567")) == ("A number starting 090 has 11 digits; this has 10.")
    assert english(error_of(normalise_phone, "0120-123-4567")) == ("A number starting 0120 has 10 digits; this has 11.")
    assert "内" in english(error_of(normalise_phone, "011-211-2111 内線 12"))
    assert "010" in english(error_of(normalise_phone, "010-1234-5678"))


PHONE_OUTPUT = re.compile(r"0\d{1,4}(-\d{1,4}){2}|0\d{9}")
PHONE_ALPHABET = list("0123456789０１２３４５６７８９-－ー‐ ()（）+＋\u3000") + list("0" * 5 + "8" * 3)


def _check_phone_output(number):
    digits = number.replace("-", "")
    assert PHONE_OUTPUT.fullmatch(number), number
    assert len(digits) in (10, 11)
    assert digits[0] == "0" and digits[1] != "0"
    assert normalise_phone(number) == number


@given(st.text(alphabet=st.sampled_from(PHONE_ALPHABET), max_size=20))
def test_phone_output_has_the_canonical_form(text):
    try:
        number = normalise_phone(text)
    except InputError:
        return
    _check_phone_output(number)


@given(
    st.sampled_from(
        ["050", "070", "080", "090", "0800", "0120", "0570", "0990", "011", "03", "0123", "01267", "06", "0466"]
    ),
    st.text(alphabet="0123456789", min_size=10, max_size=10),
    st.sampled_from(["", "-", " ", "－", "ー"]),
    st.booleans(),
)
def test_valid_numbers_keep_their_digits(prefix, rest, separator, international):
    length = 11 if prefix in ("050", "070", "080", "090", "0800") else 10
    digits = (prefix + "2" + rest)[:length]  # a local number does not start with 0 or 1
    typed = separator.join([digits[: len(prefix)], digits[len(prefix) : len(prefix) + 3], digits[len(prefix) + 3 :]])
    if international:
        typed = "+81" + separator + typed[1:]
    number = normalise_phone(typed)
    _check_phone_output(number)
    assert number.replace("-", "") == digits


# -- check_text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("札幌市中央区北1条西2丁目", "札幌市中央区北1条西2丁目"),
        ("e\u0301", "é"),  # NFC
        ("か\u3099", "が"),
        ("  spaces kept  ", "  spaces kept  "),
        ("葛\U000e0100城", "葛\U000e0100城"),  # an ideographic variation sequence stays
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
        ("\ue000", "\ue000"),  # private use (外字) is not refused here
        ("", ""),
    ],
)
def test_check_text_accepts_and_composes(typed, expected):
    assert check_text(typed, max_length=20) == expected


@pytest.mark.parametrize(
    "typed, code",
    [
        ("a\nb", "line_break"),
        ("a\r\nb", "line_break"),
        ("a\rb", "line_break"),
        ("a\u2028b", "line_break"),
        ("a\u2029b", "line_break"),
        ("a\tb", "control_character"),
        ("a\x00b", "control_character"),
        ("a\x1bb", "control_character"),
        ("a\x7fb", "control_character"),
        ("a\x85b", "control_character"),  # C1 (NEL)
        ("a\x9fb", "control_character"),
        ("a\ud800b", "invalid_character"),
        ("a\udfffb", "invalid_character"),
        ("a\ufffeb", "invalid_character"),
        ("a\uffffb", "invalid_character"),
        ("a\ufdd0b", "invalid_character"),
        ("a\ufdefb", "invalid_character"),
        ("a\U0001fffeb", "invalid_character"),
        ("a\U0010ffffb", "invalid_character"),
    ],
)
def test_check_text_refuses(typed, code):
    assert error_of(check_text, typed, max_length=20).code == code


def test_check_text_says_which_character_and_where():
    assert english(error_of(check_text, "ab\x07", max_length=9)) == (
        "Remove the control character U+0007 at position 3."
    )
    assert english(error_of(check_text, "\ufffe", max_length=9)) == (
        "Remove the invalid character U+FFFE at position 1."
    )


def test_check_text_counts_characters_after_nfc():
    assert check_text("e\u0301" * 3, max_length=3) == "é" * 3
    error = error_of(check_text, "あいうえお", max_length=4)
    assert error.code == "too_long"
    assert english(error) == "Use at most 4 characters (this has 5)."
    assert check_text("😀" * 4, max_length=4) == "😀" * 4  # characters, not UTF-16 units


def test_check_text_multiline():
    assert check_text("a\nb\tc", max_length=9, multiline=True) == "a\nb\tc"
    assert check_text("a\r\nb\rc\u2028d", max_length=9, multiline=True) == "a\nb\nc\nd"
    assert check_text("a\r\n" * 3, max_length=6, multiline=True) == "a\n" * 3
    assert error_of(check_text, "a\x0bb", max_length=9, multiline=True).code == "control_character"
    assert error_of(check_text, "a\ud800", max_length=9, multiline=True).code == "invalid_character"


def test_check_text_max_length_is_the_callers_business():
    with pytest.raises(TypeError):
        check_text("a", max_length=-1)
    with pytest.raises(TypeError):
        check_text("a", max_length="10")


any_text = st.text(alphabet=st.characters(exclude_categories=[]), max_size=40)


@given(any_text, st.integers(min_value=0, max_value=50), st.booleans())
def test_check_text_output(text, limit, multiline):
    try:
        value = check_text(text, max_length=limit, multiline=multiline)
    except InputError:
        return
    assert len(value) <= limit
    assert check_text(value, max_length=limit, multiline=multiline) == value
    assert not any((ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in value)


# -- nothing but InputError, whatever is typed ---------------------------------------------------

DATEISH = list(
    "0123456789０１２３４５６７８９-/.・年月日元西暦令和平成昭大正明治RHSTMrhstm〇一二三四五六七八九十百千()（）火曜 "
) + ["㋿", "㍻"]


@pytest.mark.parametrize(
    "function",
    [
        to_katakana,
        parse_date,
        normalise_phone,
        lambda t: check_text(t, max_length=10),
        lambda t: check_text(t, max_length=10, multiline=True),
    ],
)
@given(
    text=st.one_of(
        any_text,
        st.text(alphabet=st.sampled_from(DATEISH), max_size=20),
        st.text(alphabet=st.sampled_from(PHONE_ALPHABET), max_size=20),
        st.text(alphabet=st.sampled_from(KANA_ALPHABET), max_size=20),
    )
)
def test_only_input_errors_on_arbitrary_text(function, text):
    try:
        function(text)
    except InputError as error:
        assert str(error)  # the message renders


@given(st.text(alphabet=st.sampled_from(DATEISH), max_size=20))
def test_parsed_dates_are_in_range_and_print(text):
    try:
        day = parse_date(text)
    except InputError:
        return
    assert FIRST_DATE <= day <= LAST_DATE
    assert parse_date(format_wareki(day)) == day


@pytest.mark.parametrize("function", [to_katakana, parse_date, normalise_phone, lambda v: check_text(v, max_length=10)])
@pytest.mark.parametrize("value", [None, 12, b"abc", ["a"]])
def test_values_that_are_not_text_are_input_errors(function, value):
    with pytest.raises(InputError):
        function(value)


# --- names folded for a look-up (names) ----------------------------------------------------


def test_a_name_is_folded_however_it_was_typed():
    from hikkoshi.japanese import name_key

    for typed in ("やまだ たろう", "ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだたろう", " ヤマダ・タロウ "):
        assert name_key(typed) == "やまだたろう", typed
    assert name_key("山田\u3000太郎") == name_key("山田 太郎") == "山田太郎"
    assert name_key("Ｓｍｉｔｈ  ＪＡＮＥ") == "smithjane"
    assert name_key("ヴァン・ゴッホ") == "ゔぁんごっほ"
    assert name_key(" \u3000・") == ""
    # Variant kanji (異体字) are folded onto their common form, variation selectors dropped.
    assert name_key("髙橋") == name_key("高橋") == "高橋"
    assert name_key("山田\U000e0100") == name_key("山田")  # an IVS


def test_the_terms_of_a_name_are_the_whole_and_each_part():
    from hikkoshi.japanese import name_terms

    assert name_terms("山田　太郎", "ﾔﾏﾀﾞ ﾀﾛｳ") == {"山田太郎", "山田", "太郎", "やまだたろう", "やまだ", "たろう"}
    assert name_terms("ジョン・スミス") == {"じょんすみす", "じょん", "すみす"}
    assert name_terms("", "  ", None) == set()  # (not text: none)


@given(st.text(max_size=20))
def test_every_term_is_folded_already(text):
    from hikkoshi.japanese import name_key, name_terms

    for term in name_terms(text):
        assert term and name_key(term) == term


@pytest.mark.parametrize(
    ("written", "natural"),
    [
        ("サツポロシロイシクヤクシヨ", "サッポロシロイシクヤクショ"),
        ("サツポロシヤクシヨ", "サッポロシヤクショ"),
        ("ホツカイドウデンリヨク", "ホッカイドウデンリョク"),
        ("トウキヨウトチヨダクヤクシヨ", "トウキョウトチヨダクヤクショ"),
        ("シンジユククヤクシヨ", "シンジュククヤクショ"),
        ("オオサカシスイドウキヨク", "オオサカシスイドウキョク"),
        ("ホツカイドウシンブンシヤ", "ホッカイドウシンブンシャ"),
        # Already natural, or not one of the words: unchanged.
        ("サッポロシチュウオウクヤクショ", "サッポロシチュウオウクヤクショ"),
        ("ミツザワ", "ミツザワ"),
        ("ヤクシヨコチョウ", "ヤクシヨコチョウ"),
        ("", ""),
    ],
)
def test_natural_reading_puts_back_the_small_kana_of_japan_post_style(written, natural):
    from hikkoshi.japanese.kana import natural_reading

    assert natural_reading(written) == natural
