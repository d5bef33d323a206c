"""Names as staff look them up (氏名の検索語): one form however a name or its reading was typed.

``name_key`` folds the ways one name is written into one string: NFKC (full-width Latin letters
and digits as ASCII, half-width katakana full-width with their voiced marks joined), katakana as
hiragana (ヤマダ and やまだ are one reading), variant kanji (異体字) as their common form (髙橋 and
高橋, 渡邉 and 渡辺, 櫻井 and 桜井 are one name: ``variants``, with its sources), variation
selectors (IVS) dropped, every space and middle dot (・) removed, casefolded.
``name_terms`` gives the terms a person's name is found by: the whole name and each part
between spaces or middle dots (氏 and 名), for the name and for its reading alike;
``mixed_terms`` the whole name with one part written and the other read (鈴木 いちろう,
すずき 一郎), as staff type a name they heard.

Kanji are not read: 山田 is found by 山田, or by やまだ only where a reading (フリガナ) was
stored. Changing how names fold changes the blind index of ``hikkoshi.assisted``: its terms must
be made again (a data migration there, or ``hikkoshi keys rotate --rebuild``).
"""

import re
import unicodedata

import jaconv

from .variants import fold_variants

# After NFKC: every space-like character is U+0020 (the ideographic space too) and ･ is ・.
_SEPARATORS = re.compile(r"[\s\u30fb]+")
# Variation selectors: the standardised ones and the ideographic variation sequences (IVS).
_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def name_key(text: str) -> str:
    """``text`` folded for an exact comparison of names: ``ﾔﾏﾀﾞ　ﾀﾛｳ``, ``やまだたろう`` and
    ``ヤマダ タロウ`` all give ``やまだたろう``; ``Ｓｍｉｔｈ`` gives ``smith``; ``髙橋`` gives ``高橋``."""
    value = fold_variants(_SELECTORS.sub("", unicodedata.normalize("NFKC", text)))
    value = jaconv.kata2hira(value)
    return _SEPARATORS.sub("", value).casefold()


def name_terms(*names: str) -> set[str]:
    """The folded terms ``names`` (a name, its reading …) are found by: each name whole, and
    each of its parts between spaces or middle dots. Empty and non-text values give none."""
    terms: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            continue
        whole = unicodedata.normalize("NFKC", name)
        for part in (whole, *_SEPARATORS.split(whole)):
            key = name_key(part)
            if key:
                terms.add(key)
    return terms


def _parts(text: str) -> list[str]:
    return [part for part in _SEPARATORS.split(unicodedata.normalize("NFKC", text)) if part]


def mixed_terms(name: str, reading: str) -> set[str]:
    """The whole name with the family name as written and the given name as read, and the
    other way round (``鈴木 一郎`` read ``すずき いちろう``: ``鈴木いちろう``, ``すずき一郎``), folded
    like ``name_key``. Only for a name and a reading of two parts each (氏 and 名): otherwise
    which part reads which is not known, and none is given."""
    if not isinstance(name, str) or not isinstance(reading, str):
        return set()
    written, read = _parts(name), _parts(reading)
    if len(written) != 2 or len(read) != 2:
        return set()
    return {key for key in (name_key(written[0] + read[1]), name_key(read[0] + written[1])) if key}
