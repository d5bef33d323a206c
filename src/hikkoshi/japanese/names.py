"""Names as staff look them up (氏名の検索語): one form however a name or its reading was typed.

``name_key`` folds the ways one name is written into one string: NFKC (full-width Latin letters
and digits as ASCII, half-width katakana full-width with their voiced marks joined), katakana as
hiragana (ヤマダ and やまだ are one reading), every space and middle dot (・) removed, casefolded.
``name_terms`` gives the terms a person's name is found by: the whole name and each part
between spaces or middle dots (氏 and 名), for the name and for its reading alike.

Kanji are not read: 山田 is found by 山田, or by やまだ only where a reading (フリガナ) was
stored. Variant kanji (髙 / 高, 﨑 / 崎) are different characters, not folded.
"""

import re
import unicodedata

import jaconv

# After NFKC: every space-like character is U+0020 (the ideographic space too) and ･ is ・.
_SEPARATORS = re.compile(r"[\s\u30fb]+")


def name_key(text: str) -> str:
    """``text`` folded for an exact comparison of names: ``ﾔﾏﾀﾞ　ﾀﾛｳ``, ``やまだたろう`` and
    ``ヤマダ タロウ`` all give ``やまだたろう``; ``Ｓｍｉｔｈ`` gives ``smith``."""
    value = unicodedata.normalize("NFKC", text)
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
