"""Full-width and half-width forms (全角・半角) people type: digits, dashes, katakana."""

import re

import jaconv

# Characters people (and input methods) use for the hyphen in postal codes, house numbers, phone
# numbers and dates.
DASHES = (
    "\u002d"  # - hyphen-minus
    "\u2010"  # ‐ hyphen
    "\u2011"  # ‑ non-breaking hyphen
    "\u2012"  # ‒ figure dash
    "\u2013"  # – en dash
    "\u2014"  # — em dash
    "\u2015"  # ― horizontal bar
    "\u2212"  # − minus sign
    "\u2043"  # ⁃ hyphen bullet
    "\ufe63"  # ﹣ small hyphen-minus
    "\uff0d"  # － full-width hyphen-minus
    "\u30fc"  # ー katakana prolonged sound mark (typed for a dash by many IMEs)
    "\uff70"  # ｰ half-width prolonged sound mark
    "\u2500"  # ─ box drawing light horizontal
    "\u2501"  # ━ box drawing heavy horizontal
    "\u301c"  # 〜 wave dash (sometimes typed for a range dash)
)

# ０１２３４５６７８９ → 0123456789, for ``str.translate`` (and to merge into another table).
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

_HALF_WIDTH_KANA = re.compile("[\uff61-\uff9f]")


def ascii_digits(text: str) -> str:
    """Full-width digits as ASCII digits (``０６０`` → ``060``); everything else unchanged."""
    return text.translate(FULL_WIDTH_DIGITS)


def full_width_kana(text: str) -> str:
    """Half-width katakana and their marks full-width, voiced marks joined: ``ﾒｿﾞﾝ･ﾄﾞ`` →
    ``メゾン・ド``, ``ﾊﾟ`` → ``パ``. Nothing else changes (not ASCII, not digits)."""
    if _HALF_WIDTH_KANA.search(text):
        return jaconv.h2z(text, kana=True, ascii=False, digit=False)
    return text
