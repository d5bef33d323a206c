"""Drawing on an A4 page in millimetres from the top left, as forms are measured.

:class:`Sheet` wraps a reportlab canvas: ``t`` is the distance from the top edge, ``x`` from
the left edge, both in mm; text is fitted into its cell by shrinking, then by wrapping.
"""

from contextlib import contextmanager
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .fonts import GOTHIC, MINCHO, printable, register_fonts, runs, text_width

PAGE_W, PAGE_H = A4  # points
WIDTH_MM, HEIGHT_MM = 210.0, 297.0
MARGIN_MM = 12.0  # printable on any office printer (≥ 10 mm)
LABEL_GRAY = 0.9

# A line may not start with these (禁則: closing brackets and punctuation).
_NO_LINE_START = set("、。，．・：；？！）」』】〕’”ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def new_canvas(buffer: io.BytesIO, title: str, author: str = "hikkoshi", *, compress: bool = True) -> Canvas:
    """A canvas for an A4 document: fonts registered, no Helvetica, reproducible output.
    ``compress``: its streams (pages, embedded fonts) deflated, as a PDF that is sent or kept
    wants; off for a PDF only rasterised here (a fax page), where deflating was a quarter of
    its making."""
    register_fonts()
    c = Canvas(
        buffer,
        pagesize=A4,
        invariant=1,
        pageCompression=int(compress),
        initialFontName=MINCHO,  # type: ignore[arg-type]  # the stubs say float: it is the font's name
        initialFontSize=10,
        lang="ja",
    )
    c.setTitle(title)
    c.setSubject(title)
    c.setAuthor(author)
    c.setCreator("hikkoshi")
    return c


def wrap(text: str, font: str, size: float, width_pt: float) -> list[str]:
    """Lines of ``text`` no wider than ``width_pt``: breaks between any two characters (as
    Japanese does), at spaces in Latin text where it can, never before closing punctuation."""
    lines: list[str] = []
    text = printable(text)
    for paragraph in text.splitlines() or [""]:
        line = ""
        for ch in paragraph:
            if line and text_width(line + ch, font, size) > width_pt and ch not in _NO_LINE_START:
                cut = line.rfind(" ")
                if ch != " " and cut > 0 and line[cut + 1 :].isascii() and ch.isascii():
                    lines.append(line[:cut])
                    line = line[cut + 1 :]
                else:
                    lines.append(line.rstrip())
                    line = ""
                if ch == " ":
                    continue
            line += ch
        lines.append(line)
    return lines


class Sheet:
    """A page being drawn: mm coordinates from the top left."""

    def __init__(self, canvas: Canvas):
        self.c = canvas

    @staticmethod
    def _x(x: float) -> float:
        return x * mm

    @staticmethod
    def _y(t: float) -> float:
        return PAGE_H - t * mm

    def text(
        self, x: float, t: float, s: str, *, font: str = MINCHO, size: float = 10, align: str = "left", gray: float = 0
    ) -> None:
        """``s`` with its baseline ``t`` mm from the top; each character in ``font`` or, where
        ``font`` lacks it, in the fallback font (``fonts.runs``)."""
        c = self.c
        c.setFillGray(gray)
        parts = runs(printable(s), font)
        if len(parts) == 1:
            c.setFont(font, size)
            if align == "center":
                c.drawCentredString(self._x(x), self._y(t), parts[0][1])
            elif align == "right":
                c.drawRightString(self._x(x), self._y(t), parts[0][1])
            else:
                c.drawString(self._x(x), self._y(t), parts[0][1])
        else:
            widths = [stringWidth(chunk, face, size) for face, chunk in parts]
            left = self._x(x) - {"center": sum(widths) / 2, "right": sum(widths)}.get(align, 0)
            for (face, chunk), width in zip(parts, widths):
                c.setFont(face, size)
                c.drawString(left, self._y(t), chunk)
                left += width
            c.setFont(font, size)
        c.setFillGray(0)

    def fit(
        self,
        x: float,
        t: float,
        w: float,
        h: float,
        s: str,
        *,
        font: str = MINCHO,
        size: float = 11,
        min_size: float = 7,
        align: str = "left",
        pad: float = 1.5,
        valign: str = "middle",
    ) -> None:
        """``s`` inside the cell (x, t, w, h): one line, shrunk down to ``min_size`` if need be,
        else wrapped onto as many lines as the height holds."""
        if not s:
            return
        s = printable(s)
        avail = (w - 2 * pad) * mm
        size_now = size

        def widest(sz: float) -> float:
            return max(text_width(part, font, sz) for part in s.splitlines())

        while size_now > min_size and widest(size_now) > avail:
            size_now -= 0.5
        lines = s.splitlines() if widest(size_now) <= avail else wrap(s, font, size_now, avail)
        leading = size_now * 1.2 / mm  # in mm
        while len(lines) * leading > h - 1 and size_now > 5:
            size_now -= 0.5
            leading = size_now * 1.2 / mm
            lines = wrap(s, font, size_now, avail)
        block = len(lines) * leading
        if valign == "top":
            first = t + pad + size_now * 0.88 / mm
        else:
            first = t + (h - block) / 2 + size_now * 0.95 / mm
        if align == "center":
            xx = x + w / 2
        elif align == "right":
            xx = x + w - pad
        else:
            xx = x + pad
        for i, line in enumerate(lines):
            self.text(xx, first + i * leading, line, font=font, size=size_now, align=align)

    def rect(
        self,
        x: float,
        t: float,
        w: float,
        h: float,
        *,
        fill: float | None = None,
        width: float = 0.6,
        stroke: bool = True,
        dash: tuple | None = None,
    ) -> None:
        c = self.c
        c.saveState()
        c.setLineWidth(width)
        if dash:
            c.setDash(*dash)
        if fill is not None:
            c.setFillGray(fill)
        c.rect(self._x(x), self._y(t + h), w * mm, h * mm, stroke=int(stroke), fill=int(fill is not None))
        c.restoreState()

    def label_cell(self, x: float, t: float, w: float, h: float, s: str, *, size: float = 9) -> None:
        """A shaded heading cell of the form with its label centred."""
        self.rect(x, t, w, h, fill=LABEL_GRAY)
        self.fit(x, t, w, h, s, font=GOTHIC, size=size, min_size=6, align="center", pad=1)

    @contextmanager
    def _stroke(self, width: float, dash: tuple | None, gray: float):
        """The canvas with a line style set for what is drawn inside, restored after."""
        c = self.c
        c.saveState()
        c.setLineWidth(width)
        c.setStrokeGray(gray)
        if dash:
            c.setDash(*dash)
        try:
            yield c
        finally:
            c.restoreState()

    def line(
        self,
        x1: float,
        t1: float,
        x2: float,
        t2: float,
        *,
        width: float = 0.6,
        dash: tuple | None = None,
        gray: float = 0,
    ) -> None:
        with self._stroke(width, dash, gray) as c:
            c.line(self._x(x1), self._y(t1), self._x(x2), self._y(t2))

    def circle(
        self, x: float, t: float, r: float, *, width: float = 0.6, dash: tuple | None = None, gray: float = 0
    ) -> None:
        with self._stroke(width, dash, gray) as c:
            c.circle(self._x(x), self._y(t), r * mm, stroke=1, fill=0)

    def checkbox(self, x: float, t: float, label: str, checked: bool, *, size: float = 10.5) -> float:
        """A box and its label, baseline at ``t``; a checked box is filled, with a white tick
        (its text reads ■, an empty one □). Returns the x just after the label."""
        glyph = "■" if checked else "□"
        self.text(x, t, glyph, font=MINCHO, size=size)
        if checked:
            c = self.c
            c.saveState()
            c.setStrokeGray(1)
            c.setLineWidth(size * 0.11)
            c.setLineCap(1)
            c.setLineJoin(1)
            s = size / mm  # glyph size in mm
            base_x, base_t = x + 0.1 * s, t - 0.05 * s
            p = c.beginPath()
            p.moveTo(self._x(base_x + 0.22 * s), self._y(base_t - 0.45 * s))
            p.lineTo(self._x(base_x + 0.42 * s), self._y(base_t - 0.25 * s))
            p.lineTo(self._x(base_x + 0.78 * s), self._y(base_t - 0.72 * s))
            c.drawPath(p, stroke=1, fill=0)
            c.restoreState()
        after = x + stringWidth(glyph, MINCHO, size) / mm + 0.8
        self.text(after, t, label, font=MINCHO, size=size)
        return after + stringWidth(label, MINCHO, size) / mm

    def footer(self, left: str, right: str) -> None:
        self.text(MARGIN_MM, HEIGHT_MM - MARGIN_MM + 1, left, font=GOTHIC, size=6.5, gray=0.35)
        self.text(
            WIDTH_MM - MARGIN_MM, HEIGHT_MM - MARGIN_MM + 1, right, font=GOTHIC, size=6.5, gray=0.35, align="right"
        )


def string_width_mm(s: str, font: str, size: float) -> float:
    return text_width(printable(s), font, size) / mm
