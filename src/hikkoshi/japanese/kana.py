"""Kana (仮名): a reading typed in hiragana, katakana or half-width katakana, as full-width katakana."""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _
import jaconv

from .errors import InputError, show_char
from .width import full_width_kana


def hiragana_to_katakana(text: str) -> str:
    """Hiragana as katakana (さっぽろ → サッポロ, ゔ → ヴ, ゕゖ → ヵヶ, ゝゞ → ヽヾ); the rest unchanged."""
    return jaconv.hira2kata(text)


# Every space-like character (category Zs) people put between family and given name.
_SPACE_RUN = re.compile("[\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# What a kana field keeps: katakana ァ (U+30A1) … ヺ (U+30FA) – including ヴ, the small kana
# ァィゥェォッャュョヮヵヶ and ヷヸヹヺ – then ・ (U+30FB), ー (U+30FC), and the ideographic space.
# Left out on purpose: the iteration marks ヽヾ (U+30FD–30FE), ヿ, ゠ and the Ainu small kana
# (U+31F0–31FF).
_KANA_FIELD_CHAR = re.compile("[\u30a1-\u30fc\u3000]")


def to_katakana(text: str) -> str:
    """Return the reading of a name as full-width katakana, or raise ``InputError``.

    Hiragana become katakana (ゔ → ヴ, ゕゖ → ヵヶ), half-width katakana become full-width with
    their voiced marks joined (ｶﾞ → ガ, ﾊﾟ → パ, ｳﾞ → ヴ), decomposed marks are composed
    (カ + U+3099 → ガ), and every run of spaces (ASCII, ideographic, no-break …) becomes one
    ideographic space; spaces at either end go. ー, ・ and small kana are kept. Anything else –
    kanji, Latin letters, digits, symbols, line breaks, iteration marks (ゝゞヽヾ), a voiced mark
    that joins no kana (ｱﾞ, ゛) – is refused. An empty or all-space value gives ``""``.

    Why not NFKC: it would also turn ㌔ into キロ, ㋐ into ア and ① into 1, and the spacing marks
    ゛゜ into a space plus a combining mark. jaconv converts only the half-width katakana
    block, and NFC only composes (canonical equivalence, never a change of meaning).

    >>> to_katakana("やまだ　ﾀﾛｳ")
    'ヤマダ\u3000タロウ'
    """
    if not isinstance(text, str):
        raise InputError(_("Enter the reading in kana."), code="not_kana")
    value = full_width_kana(text)
    value = hiragana_to_katakana(value)
    value = unicodedata.normalize("NFC", value)
    value = _SPACE_RUN.sub("\u3000", value).strip("\u3000")
    for char in value:
        if not _KANA_FIELD_CHAR.fullmatch(char):
            raise InputError(
                _("Use kana only (katakana or hiragana): “%(char)s” is not kana."),
                code="not_kana",
                params={"char": show_char(char)},
            )
    return value


# Japan Post's data, and data copied from it, writes the small kana of a reading full size
# (サツポロシヤクシヨ for サッポロシヤクショ). Which ツ, ヤ, ユ or ヨ was small cannot be told in
# general (ミツ of 三ツ沢 is full size), but in these words of organisations' names it can.
_JAPAN_POST_WORDS = {
    "サツポロ": "サッポロ",
    "ホツカイドウ": "ホッカイドウ",
    "トウキヨウ": "トウキョウ",
    "シンジユク": "シンジュク",
    "チユウオウ": "チュウオウ",
    "デンリヨク": "デンリョク",
    "シンブンシヤ": "シンブンシャ",
    "スイドウキヨク": "スイドウキョク",
    "カブシキガイシヤ": "カブシキガイシャ",
}
_JAPAN_POST_STYLE = re.compile("|".join(_JAPAN_POST_WORDS) + "|ヤクシヨ(?=$|[\u3000 ・])")


def natural_reading(text: str) -> str:
    """An organisation's reading as people write it: the small kana of the words Japan Post's
    data writes full size put back (サツポロシシロイシクヤクシヨ → サッポロシシロイシクヤクショ);
    anything else unchanged."""
    return _JAPAN_POST_STYLE.sub(lambda m: _JAPAN_POST_WORDS.get(m.group(0), "ヤクショ"), text)
