"""The language of the documents a mover reads: 申請結果, 申請控え and the 持ち物・届出先 page.

These are written in the language of the request that asks for them: Japanese (the default,
with no English beside it) or English. Their texts are English msgids with the context
``"document"`` (``pgettext``), translated into Japanese in the project's catalogue; a renderer
runs inside ``translation.override`` of :func:`language`. The official 住民異動届 itself and the
documents an organisation receives (申込書, FAX送付状) stay Japanese whatever the language: they
are not rendered through this module.

やさしい日本語 (``ja-x-easy``, a language of the pages) is not one of them: a request in it gets
its documents in ordinary Japanese. They are printed and handed in at the counter, where the
staff read them, and their fixed layout has no room for readings after every kanji; the pages
explain the same in やさしい日本語. A move's record for them is built inside
``documents.services.document_language`` so its statuses speak the documents' language too.
"""

import calendar
from contextlib import contextmanager
from datetime import date

from django.utils import translation
from django.utils.translation import pgettext

from hikkoshi import channels
from hikkoshi.japanese import both, era_of, wareki

LANGUAGES = ("ja", "en")  # of the documents; every other page language gets "ja"


def language(lang: str | None = None) -> str:
    """ "en" for an English request (``lang``, else the active language), else "ja"."""
    lang = lang or translation.get_language() or "ja"
    return "en" if lang.lower().startswith("en") else "ja"


@contextmanager
def speaking(lang: str):
    """Render inside: the documents' texts in ``lang`` ("ja" or "en")."""
    with translation.override(language(lang)):
        yield


def english() -> bool:
    return translation.get_language() == "en"


def long_date(d: date | None) -> str:
    """令和7年3月28日 (2025年) in Japanese, 28 March 2025 in English; "" for None."""
    if d is None:
        return ""
    if english():
        return f"{d.day} {calendar.month_name[d.month]} {d.year}"
    return both(d)


def short_date(d: date) -> str:
    """令和7年3月28日 in Japanese, 28 Mar 2025 in English."""
    if english():
        return f"{d.day} {calendar.month_abbr[d.month]} {d.year}"
    return wareki(d) if era_of(d) else f"{d.year}年{d.month}月{d.day}日"


def channel(name: str) -> str:
    """How the channel is named in the active language (its ``document_label``)."""
    return str(channels.document_label(name))


def kind(name: str) -> str:
    labels = {
        "relocation": pgettext("document", "Move within the municipality (転居)"),
        "move_out": pgettext("document", "Moving out of the municipality (転出)"),
        "move_in": pgettext("document", "Moving into the municipality (転入)"),
    }
    return labels.get(name, name)


def sex(value: str) -> str:
    labels = {"male": pgettext("document", "Male"), "female": pgettext("document", "Female")}
    return labels.get(value, "")


def procedure_name(entry) -> str:
    """The procedure's name: Japanese, or in English with the Japanese name after it (which
    is what an office's staff know it by)."""
    if english() and entry.name_en:
        return f"{entry.name_en} ({entry.name})"
    return entry.name


def not_submitted() -> str:
    return pgettext("document", "Not submitted")


def footer(record) -> str:
    """Bottom left of every page: the numbers a mover reads out when they ask about it."""
    number = (
        (pgettext("document", "Application number %(number)s") % {"number": record.number} + " · ")
        if record.number
        else ""
    )
    return number + pgettext("document", "Application ID %(id)s · made with %(portal)s") % {
        "id": record.id,
        "portal": record.portal_name,
    }
