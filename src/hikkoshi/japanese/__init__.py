"""What Japanese people type and read, one parser per idea: a shared library below the apps.

Movers type Japanese data the way they write it on paper: a reading in hiragana or half-width
katakana, a date as ``令和7年4月1日`` or ``R7.4.1``, a phone number as ``011（211）2111``, digits
full-width. Each function returns one canonical form or raises ``InputError``, whose ``message``
says what is wrong (lazily translated, so it is shown in the language of the request that reads
it). Nothing here touches the database or an app.

- ``width``: full-width digits, the dashes people type, half-width katakana (全角・半角)
- ``kana``: hiragana → katakana, a reading as full-width katakana (``to_katakana``)
- ``names``: names and readings folded for an exact look-up (``name_key``, ``name_terms``,
  ``mixed_terms``)
- ``numerals``: kanji numerals (漢数字) in dates and addresses
- ``eras``: the eras (元号) and dates in them (和暦): ``format_wareki``, ``wareki``, ``both``
- ``dates``: dates as typed (``parse_date``) and in 年 / 月 / 日 fields
- ``phone``: Japanese phone numbers (``normalise_phone``)
- ``text``: free text (``check_text``)

Import from the package (``from hikkoshi.japanese import parse_date``); the modules are how it is
kept in order. Postal codes and addresses, which use these, are ``hikkoshi.places.normalise``.
"""

from .dates import (
    DATE_MAX_INPUT,
    DATE_PARTS,
    ERA_CHOICES,
    LAST_DATE,
    WHOLE_DATE,
    date_parts,
    date_text,
    parse_date,
    typed_date,
    whole_date_in_year,
)
from .eras import (
    ERA_ABBREVIATIONS,
    ERA_BY_TOKEN,
    ERAS,
    FIRST_DATE,
    Era,
    both,
    era_and_year,
    era_of,
    format_wareki,
    seireki,
    wareki,
)
from .errors import InputError
from .kana import hiragana_to_katakana, to_katakana
from .names import mixed_terms, name_key, name_terms
from .numerals import kanji_number, kanji_numerals_to_digits
from .phone import PHONE_MAX_INPUT, normalise_phone
from .text import check_text
from .width import DASHES, FULL_WIDTH_DIGITS, ascii_digits, full_width_kana

__all__ = [
    "DASHES",
    "DATE_MAX_INPUT",
    "DATE_PARTS",
    "ERAS",
    "ERA_ABBREVIATIONS",
    "ERA_BY_TOKEN",
    "ERA_CHOICES",
    "FIRST_DATE",
    "FULL_WIDTH_DIGITS",
    "LAST_DATE",
    "PHONE_MAX_INPUT",
    "WHOLE_DATE",
    "Era",
    "InputError",
    "ascii_digits",
    "both",
    "check_text",
    "date_parts",
    "date_text",
    "era_and_year",
    "era_of",
    "format_wareki",
    "full_width_kana",
    "hiragana_to_katakana",
    "kanji_number",
    "kanji_numerals_to_digits",
    "mixed_terms",
    "name_key",
    "name_terms",
    "normalise_phone",
    "parse_date",
    "seireki",
    "to_katakana",
    "typed_date",
    "wareki",
    "whole_date_in_year",
]
