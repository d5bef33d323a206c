"""The fonts of every PDF: IPAex Mincho (form text) and IPAex Gothic (headings).

Both come from Debian (``fonts-ipaexfont-mincho``, ``fonts-ipaexfont-gothic``); the settings
``HIKKOSHI_FONT_MINCHO`` and ``HIKKOSHI_FONT_GOTHIC`` name other ``.ttf`` files. They are
registered with reportlab once per process (parsing a font takes about a tenth of a second) and
embedded as subsets in each PDF, so a PDF prints the same wherever it is opened.
"""

import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

MINCHO = "IPAexMincho"
GOTHIC = "IPAexGothic"

DEFAULT_PATHS = {
    MINCHO: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
    GOTHIC: "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
}
SETTINGS = {MINCHO: "HIKKOSHI_FONT_MINCHO", GOTHIC: "HIKKOSHI_FONT_GOTHIC"}
DEBIAN_PACKAGES = {MINCHO: "fonts-ipaexfont-mincho", GOTHIC: "fonts-ipaexfont-gothic"}

_lock = threading.Lock()
_registered = False


class FontMissing(ImproperlyConfigured):
    """A font file the PDFs need is not there."""


def font_path(name: str) -> Path:
    """The ``.ttf`` file of ``MINCHO`` or ``GOTHIC``: from its setting, else Debian's path."""
    path = Path(getattr(settings, SETTINGS[name], None) or DEFAULT_PATHS[name])
    if not path.is_file():
        raise FontMissing(
            _("Font file %(path)s not found. Install the Debian packages %(packages)s "
              "(apt-get install %(packages)s) or set %(setting)s to a .ttf file.")
            % {"path": path, "packages": " ".join(DEBIAN_PACKAGES.values()),
               "setting": SETTINGS[name]})
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

        paths = {name: font_path(name) for name in (MINCHO, GOTHIC)}
        for name, path in paths.items():
            font = TTFont(name, str(path))
            _memoise_tables(font.face)
            pdfmetrics.registerFont(font)
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
