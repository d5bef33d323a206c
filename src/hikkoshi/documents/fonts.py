"""The fonts of every PDF: IPAex Mincho (form text) and IPAex Gothic (headings), with IPAmj
Mincho for the characters they lack.

IPAex comes from Debian (``fonts-ipaexfont-mincho``, ``fonts-ipaexfont-gothic``); the settings
``HIKKOSHI_FONT_MINCHO`` and ``HIKKOSHI_FONT_GOTHIC`` name other ``.ttf`` files. They are
registered with reportlab once per process (parsing a font takes about a tenth of a second) and
embedded as subsets in each PDF, so a PDF prints the same wherever it is opened.

Names and addresses print as typed. IPAex has the 12,000 characters of everyday Japanese but
not every character of a family name (𠮷, U+20BB7, lies outside the BMP); IPAmj明朝 (Debian
``fonts-ipamj-mincho``, setting ``HIKKOSHI_FONT_FALLBACK``; "" turns it off) has the 58,000 of
the 文字情報基盤 used by the resident registers, and prints, character by character, what IPAex
lacks (:func:`runs`). It is parsed only when a text needs it: the file is 46 MB, and most moves
never do. A character no font has is left blank for handwriting (:func:`printable`), never
printed as another one; :func:`unprintable` names them so the mover is warned before printing.
Half-width katakana print full-width, their dakuten joined (ﾄﾞ → ド), as on any form.
"""

from contextlib import contextmanager
import logging
from pathlib import Path
import threading
from typing import cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from hikkoshi.japanese import full_width_kana

MINCHO = "IPAexMincho"
GOTHIC = "IPAexGothic"
FALLBACK = "IPAmjMincho"

DEFAULT_PATHS = {
    MINCHO: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
    GOTHIC: "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
}
FALLBACK_PATH = "/usr/share/fonts/truetype/ipamj/ipamjm.ttf"
SETTINGS = {MINCHO: "HIKKOSHI_FONT_MINCHO", GOTHIC: "HIKKOSHI_FONT_GOTHIC", FALLBACK: "HIKKOSHI_FONT_FALLBACK"}
DEBIAN_PACKAGES = {MINCHO: "fonts-ipaexfont-mincho", GOTHIC: "fonts-ipaexfont-gothic", FALLBACK: "fonts-ipamj-mincho"}
# What prints in place of a character no font has: a blank of a character's width.
BLANK = "\u3000"

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_registered = False


class FontMissing(ImproperlyConfigured):
    """A font file the PDFs need is not there."""


def font_path(name: str) -> Path:
    """The ``.ttf`` file of ``MINCHO``, ``GOTHIC`` or ``FALLBACK``: from its setting, else
    Debian's path."""
    if name == FALLBACK:
        path = Path(getattr(settings, SETTINGS[name], FALLBACK_PATH) or FALLBACK_PATH)
    else:
        path = Path(getattr(settings, SETTINGS[name], None) or DEFAULT_PATHS[name])
    if not path.is_file():
        raise FontMissing(
            _(
                "Font file %(path)s not found. Install the Debian packages %(packages)s "
                "(apt-get install %(packages)s) or set %(setting)s to a .ttf file."
            )
            % {"path": path, "packages": " ".join(DEBIAN_PACKAGES.values()), "setting": SETTINGS[name]}
        )
    return path


def register_fonts() -> None:
    """Register both fonts with reportlab, once per process (safe from several threads)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        _mend_to_unicode()
        paths = {name: font_path(name) for name in (MINCHO, GOTHIC)}
        for name, path in paths.items():
            font = TTFont(name, str(path))
            _memoise_tables(font.face)
            pdfmetrics.registerFont(font)
        # Every character IPAex has (both faces have the same); half-width katakana are left
        # out, so that a text holding one takes the slow path of ``printable``.
        global _common
        cmap = ttf_face(MINCHO).charToGlyph
        _common = frozenset(chr(c) for c in cmap if not 0xFF61 <= c <= 0xFF9F) | {"\n"}
        _registered = True


def _memoise_tables(face) -> None:
    """Keep each table of the font once it has been read.

    reportlab copies tables out of the font file every time it makes a subset, and a PDF has a
    subset per font and per 256 characters; IPAex's glyph table alone is 7 MB. Tables are
    read-only bytes, so one copy per process serves every document.
    """
    read = face.get_table
    tables: dict[str, bytes] = {}

    def get_table(tag):
        try:
            return tables[tag]
        except KeyError:
            return tables.setdefault(tag, read(tag))

    face.get_table = get_table


# -- characters: which font prints each, and what cannot be printed ----------------------------

_common: frozenset[str] = frozenset()  # every character IPAex prints (set by register_fonts)
_fallback_lock = threading.Lock()
_fallback_font = None  # IPAmj's TTFont once a text needed it
_fallback_missing = False  # its file was not found (see ``_fallback``)
_baseline = False  # see ``fallback_disabled``


def fallback_configured() -> bool:
    """Whether IPAmj prints what IPAex lacks (``HIKKOSHI_FONT_FALLBACK`` is not "")."""
    return getattr(settings, SETTINGS[FALLBACK], FALLBACK_PATH) != ""


@contextmanager
def fallback_disabled():
    """Inside: text is drawn the way it was before the fallback existed (no character checked,
    no half-width conversion, a missing glyph printed as the font's box). Only for the
    documents benchmark's baseline, which measures what the fallback costs."""
    global _baseline
    previous, _baseline = _baseline, True
    try:
        yield
    finally:
        _baseline = previous


def _fallback():
    """IPAmj's TTFont, registered with reportlab on first use; None when not configured, or
    when its file is missing (logged once: its characters are then left blank, and the review
    page names them, rather than a document failing)."""
    global _fallback_font, _fallback_missing
    if _fallback_font is not None or _fallback_missing or not fallback_configured():
        return _fallback_font
    with _fallback_lock:
        if _fallback_font is None and not _fallback_missing:
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            try:
                path = font_path(FALLBACK)
            except FontMissing as exc:
                logger.warning("fallback_font_missing %s", exc)
                _fallback_missing = True
                return None
            font = TTFont(FALLBACK, str(path))
            _memoise_tables(font.face)
            pdfmetrics.registerFont(font)
            _fallback_font = font
    return _fallback_font


def _in_fallback(ch: str) -> bool:
    font = _fallback()
    return font is not None and ord(ch) in font.face.charToGlyph


def printable(text: str) -> str:
    """``text`` as it prints: half-width katakana full-width, and each character no embedded
    font has replaced by a blank (``BLANK``) to be written by hand."""
    register_fonts()
    if _baseline or _common.issuperset(text):
        return text
    text = full_width_kana(text)
    return "".join(ch if ch in _common or ch.isspace() or _in_fallback(ch) else BLANK for ch in text)


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` that no embedded font has, each once, in order of first
    appearance (what ``printable`` leaves blank)."""
    register_fonts()
    if _common.issuperset(text):
        return []
    missing: list[str] = []
    for ch in full_width_kana(text):
        if not (ch in _common or ch.isspace() or ch in missing or _in_fallback(ch)):
            missing.append(ch)
    return missing


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` (already ``printable``) as (font, characters) runs: ``font`` where it has the
    characters, IPAmj for those it lacks."""
    if not _registered:
        register_fonts()
    if _baseline or font == FALLBACK or _common.issuperset(text):
        return [(font, text)]
    out: list[tuple[str, str]] = []
    for ch in text:
        face = font if ch in _common or ch.isspace() or _fallback() is None else FALLBACK
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + ch)
        else:
            out.append((face, ch))
    return out


def text_width(text: str, font: str, size: float) -> float:
    """The width in points of ``text`` (already ``printable``) set in ``font``, each character
    measured in the font that prints it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if not _registered:
        register_fonts()
    if _baseline or _common.issuperset(text):  # the usual case, without making runs
        return stringWidth(text, font, size)
    return sum(stringWidth(chunk, face, size) for face, chunk in runs(text, font))


# -- text extraction of characters outside the BMP ----------------------------------------------


def _utf16_hex(code: int) -> str:
    """A code point as the hex of its UTF-16BE form (a surrogate pair above U+FFFF)."""
    if code <= 0xFFFF:
        return f"{code:04X}"
    code -= 0x10000
    return f"{0xD800 + (code >> 10):04X}{0xDC00 + (code & 0x3FF):04X}"


def _to_unicode_cmap(fontname, subset) -> str:
    """reportlab's ``makeToUnicodeCMap`` with each code's Unicode value in UTF-16BE, as the PDF
    specification (9.10.3) requires: reportlab writes ``%04X``, which makes U+20BB7 (𠮷) the
    five digits ``20BB7``, read back by PDF readers as U+20BB (₻)."""
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *(f"<{i:02X}> <{_utf16_hex(v)}>" for i, v in enumerate(subset)),
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


def _mend_to_unicode() -> None:
    """Have reportlab write ToUnicode maps that read back characters outside the BMP."""
    from reportlab.pdfbase import ttfonts

    ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def ttf_face(name: str):
    """The face (glyphs and widths) of a registered TrueType font: every font registered here
    is a ``TTFont``, which reportlab's ``getFont`` is typed as its base ``Font``."""
    from reportlab.pdfbase.pdfmetrics import getFont
    from reportlab.pdfbase.ttfonts import TTFont

    return cast(TTFont, getFont(name)).face


def glyph_width(ch: str, font: str) -> float:
    """The advance of ``ch`` in thousandths of the size, in the font that prints it."""
    face = ttf_face(runs(ch, font)[0][0])
    return face.charWidths.get(ord(ch), face.defaultWidth)


def unprintable_rows(groups) -> list[dict]:
    """What the review page warns about: for each (group, rows) — rows as the review page
    shows them, dicts with ``label`` and ``value`` — each field holding characters no font
    prints, as ``{"group", "label", "chars": [(character, "U+XXXX"), …]}``."""
    warnings = []
    for group, rows in groups:
        for row in rows or ():
            chars = unprintable(str(row.get("value") or ""))
            if chars:
                warnings.append(
                    {"group": group, "label": row.get("label", ""), "chars": [(ch, f"U+{ord(ch):04X}") for ch in chars]}
                )
    return warnings
