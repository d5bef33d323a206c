"""The variant kanji (異体字) the name search folds (``hikkoshi.japanese.variants``)."""

import unicodedata

from hikkoshi.japanese import name_key, name_terms
from hikkoshi.japanese.variants import FOLD, fold_variants


def test_the_variants_of_family_names_fold_onto_their_common_form():
    for variant, form in {
        "髙橋": "高橋",
        "山﨑": "山崎",
        "宮嵜": "宮崎",
        "𠮷田": "吉田",
        "渡邊": "渡辺",
        "渡邉": "渡辺",
        "濱田": "浜田",
        "濵田": "浜田",
        "齋藤": "斎藤",
        "齊藤": "斎藤",
        "斉藤": "斎藤",
        "澤田": "沢田",
        "櫻井": "桜井",
        "嶋田": "島田",
        "廣瀨": "広瀬",
        "德永": "徳永",
        "眞鍋": "真鍋",
    }.items():
        assert fold_variants(variant) == form, variant
        assert name_key(variant) == name_key(form), variant


def test_the_table_is_one_step_and_stable_under_nfkc():
    for code, form in FOLD.items():
        variant = chr(code)
        assert ord(form) not in FOLD, variant  # folding once is enough
        assert unicodedata.normalize("NFKC", variant) == variant  # NFKC, which runs first, keeps it
        assert unicodedata.normalize("NFKC", form) == form
    assert len(FOLD) > 150  # the government's lists (Unihan) and the surnames


def test_the_terms_of_a_name_with_variants_are_those_of_its_common_form():
    assert name_terms("渡邉　美咲", "ワタナベ ミサキ") == name_terms("渡辺 美咲", "わたなべ みさき")
    # Readings and other text are untouched.
    assert fold_variants("やまだ Smith 山田") == "やまだ Smith 山田"
