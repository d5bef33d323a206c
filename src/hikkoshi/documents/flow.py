"""Flowing A4 documents (申請結果, 申請控え, 申込書): styles, tables that break across pages, footer.

Built with reportlab's platypus: text wraps the Japanese way (between any two characters),
long tables continue on the next page with their heading row repeated, and every page carries
"page n / N" and the move's id.

Two looks: ``PRINT`` (the default: shaded labels, small grey notes) for documents the mover
prints or reads on screen, and ``FAX`` for documents an organisation receives by fax or e-mail
(申込書): at least 10 pt, IPAex Gothic throughout (Mincho's hairlines drop out of a 1-bit fax
image), black on white with no fills, thin black rules.
"""

from dataclasses import dataclass
import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from .data import MoveRecord
from .fonts import GOTHIC, MINCHO, glyph_width, printable, register_fonts, runs, ttf_face
from .layout import _NO_LINE_START as NO_LINE_START

# A line may not end with these (禁則: opening brackets).
NO_LINE_END = set("（「『【〔［｛〈《‘“([{")
# A run of Latin letters and digits at most this long is not broken (longer ones, as URLs, are).
LATIN_WORD_MAX = 24

MARGIN = 15 * mm
FRAME_W = A4[0] - 2 * MARGIN

BODY = ParagraphStyle("body", fontName=MINCHO, fontSize=9.5, leading=13, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=10, textColor=colors.Color(0.3, 0.3, 0.3))
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=11.5)
HEAD_CELL = ParagraphStyle("head", parent=CELL, fontName=GOTHIC, fontSize=8.5, leading=11)
TITLE = ParagraphStyle("title", fontName=GOTHIC, fontSize=18, leading=22, wordWrap="CJK")
SUBTITLE = ParagraphStyle("subtitle", fontName=GOTHIC, fontSize=9, leading=12, textColor=colors.Color(0.35, 0.35, 0.35))
PROCEDURE = ParagraphStyle("procedure", parent=BODY, fontName=GOTHIC, fontSize=9.5, leading=12.5)
HEADING = ParagraphStyle(
    "heading", fontName=GOTHIC, fontSize=11.5, leading=15, wordWrap="CJK", spaceBefore=8, spaceAfter=4
)

GRID = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), MINCHO),  # else the table sets Helvetica for each cell
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)
LABEL_FILL = colors.Color(0.9, 0.9, 0.9)
HEADING_FILL = colors.Color(0.8, 0.8, 0.8)

# The fax look: rasterised at 204 × 196 dpi, 1 bit, 10 pt is about 27 pixels high.
FAX_BODY = ParagraphStyle("fax-body", fontName=GOTHIC, fontSize=10.5, leading=15, wordWrap="CJK")
FAX_CELL = ParagraphStyle("fax-cell", parent=FAX_BODY, fontSize=11, leading=15)
FAX_HEAD_CELL = ParagraphStyle("fax-head", parent=FAX_BODY, fontSize=10.5, leading=14)
FAX_TITLE = ParagraphStyle("fax-title", fontName=GOTHIC, fontSize=20, leading=25, wordWrap="CJK")
FAX_SUBTITLE = ParagraphStyle("fax-subtitle", fontName=GOTHIC, fontSize=11, leading=14, wordWrap="CJK")
FAX_HEADING = ParagraphStyle("fax-heading", fontName=GOTHIC, fontSize=12, leading=16, wordWrap="CJK")
FAX_GRID = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), GOTHIC),
        ("FONTSIZE", (0, 0), (-1, -1), 11),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),  # 1.7 px at 204 dpi: thin, never lost
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
)


# With ``label_table(split_rows=True)``, a row is split across pages only when this much of it
# (in points, about three lines) fits on the first page; a shorter row moves on whole.
SPLIT_ROW_MIN = 48


@dataclass(frozen=True)
class Look:
    """The styles a flowing document is set in (see the module's docstring)."""

    title: ParagraphStyle = TITLE
    subtitle: ParagraphStyle = SUBTITLE
    heading: ParagraphStyle = HEADING
    body: ParagraphStyle = BODY
    cell: ParagraphStyle = CELL
    head_cell: ParagraphStyle = HEAD_CELL
    grid: TableStyle = GRID
    label_fill: colors.Color | None = LABEL_FILL
    heading_fill: colors.Color | None = HEADING_FILL
    small_smaller_by: float = 2  # the second line of ``para`` is this many points smaller
    small_color: str = "#555555"
    footer_size: float = 6.5
    footer_gray: float = 0.35
    text_cells: bool = False  # table cells of plain text are ``TextLines``, not paragraphs


PRINT = Look()
FAX = Look(
    title=FAX_TITLE,
    subtitle=FAX_SUBTITLE,
    heading=FAX_HEADING,
    body=FAX_BODY,
    cell=FAX_CELL,
    head_cell=FAX_HEAD_CELL,
    grid=FAX_GRID,
    label_fill=None,
    heading_fill=None,
    small_smaller_by=1,
    small_color="#000000",
    footer_size=10,
    footer_gray=0,
    text_cells=True,
)


def markup(text: str, font: str) -> str:
    """Paragraph markup of plain ``text`` set in ``font``: escaped, as it prints
    (``fonts.printable``), the characters ``font`` lacks in the fallback font."""
    register_fonts()
    out = []
    for face, chunk in runs(printable(text or ""), font):
        chunk = escape(chunk).replace("\n", "<br/>")
        out.append(chunk if face == font else f'<font face="{face}">{chunk}</font>')
    return "".join(out)


def para(text: str, style: ParagraphStyle = CELL, *, small: str = "", look: Look = PRINT) -> Paragraph:
    """A paragraph of plain ``text`` (escaped), with ``small`` on a second, smaller line."""
    text_markup = markup(text, style.fontName)
    if small:
        text_markup += (
            f'<br/><font size="{style.fontSize - look.small_smaller_by}" '
            f'color="{look.small_color}">{markup(small, style.fontName)}</font>'
        )
    return Paragraph(text_markup, style)


def break_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of plain ``text`` no wider than ``width`` points, in one pass over the characters.

    Breaks between any two characters, as Japanese does, but not inside a Latin word or a
    number (of up to ``LATIN_WORD_MAX`` characters); never before closing punctuation or small
    kana (the character before goes on to the next line with it, 追い出し) nor after an opening
    bracket. The text's own line breaks are kept, blank lines too.
    """
    face = ttf_face(font)
    widths, default = face.charWidths, face.defaultWidth
    text = printable(text)
    missing = {ord(c): glyph_width(c, font) for c in set(text) if ord(c) not in widths}
    if missing:  # characters another font prints
        widths = {**widths, **missing}
    limit = width * 1000 / size  # in the font's units

    def measure(chars) -> float:
        return sum(widths.get(ord(c), default) for c in chars)

    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line: list[str] = []
        used = 0.0
        for ch in paragraph:
            w = widths.get(ord(ch), default)
            if line and used + w > limit:
                if ch == " ":  # a space where the line breaks is not printed
                    lines.append("".join(line).rstrip())
                    line, used = [], 0.0
                    continue
                cut = len(line)  # where the line breaks; what follows goes on with ``ch``
                if ch in NO_LINE_START:
                    cut -= 1
                    while cut > 0 and line[cut] in NO_LINE_START:
                        cut -= 1
                elif ch.isascii():  # a Latin word or a number goes on whole when it can
                    start = cut
                    while start > 0 and line[start - 1].isascii() and line[start - 1] != " ":
                        start -= 1
                    if start > 1 and line[start - 1] == " ":
                        cut = start - 1
                    elif start > 0 and cut - start < LATIN_WORD_MAX:
                        cut = start
                while 1 < cut <= len(line) and line[cut - 1] in NO_LINE_END:
                    cut -= 1
                if cut <= 0 or not "".join(line[:cut]).strip() or measure(line[cut:]) + w > limit:
                    cut = len(line)  # nothing can go on with it, or it would not fit
                    if ch in NO_LINE_START:  # the punctuation hangs past the end
                        line.append(ch)
                        used += w
                        continue
                lines.append("".join(line[:cut]).rstrip())
                line = line[cut:]
                while line and line[0] == " ":  # nor where the next one starts
                    del line[0]
                used = measure(line)
            line.append(ch)
            used += w
        lines.append("".join(line))
    return lines


class TextLines(Flowable):
    """Plain text in one font, broken into lines once (``break_lines``).

    A table measures every cell again each time it is wrapped or split, several times for each
    page it runs onto; breaking a long text with ``Paragraph`` costs some 6 ms per thousand
    Japanese characters each time, ``break_lines`` a fortieth of that, once. It splits between
    any two lines, so a table row holding a long value goes on over as many pages as it needs.
    """

    def __init__(self, text: str, style: ParagraphStyle, *, lines: list[str] | None = None):
        super().__init__()
        self.text = text
        self.style = style
        self._lines = lines  # given: a piece of a split, never broken again
        self._for_width = None

    def wrap(self, availWidth, availHeight):
        if self._lines is None or (self._for_width is not None and abs(self._for_width - availWidth) > 1e-6):
            self._lines = break_lines(self.text, self.style.fontName, self.style.fontSize, availWidth)
            self._for_width = availWidth
        self.width = availWidth
        self.height = len(self._lines) * self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        if self._lines is None:
            self.wrap(availWidth, availHeight)
        lines = self._lines
        fit = int((availHeight + 1e-6) // self.style.leading)
        if fit >= len(lines):
            return [self]
        if fit < 1:
            return []
        return [TextLines("", self.style, lines=lines[:fit]), TextLines("", self.style, lines=lines[fit:])]

    def draw(self):
        style = self.style
        text = self.canv.beginText(0, self.height - style.fontSize)  # as Paragraph places it
        text.setFont(style.fontName, style.fontSize, style.leading)
        text.setFillColor(style.textColor)
        for line in self._lines:
            for face, chunk in runs(line, style.fontName):
                text.setFont(face, style.fontSize, style.leading)
                text.textOut(chunk)
            text.setFont(style.fontName, style.fontSize, style.leading)
            text.textLine("")
        self.canv.drawText(text)


def text_cell(text: str, style: ParagraphStyle = CELL, *, look: Look = PRINT) -> Flowable:
    """A table cell of plain ``text``: ``TextLines`` in a look with ``text_cells``, else
    ``para``."""
    if look.text_cells:
        return TextLines(text or "", style)
    return para(text, style, look=look)


def title_block(title: str, subtitle: str = "", *, look: Look = PRINT) -> list:
    """The document's title, and a subtitle under it when there is one."""
    block = [Paragraph(markup(title, look.title.fontName), look.title)]
    if subtitle:
        block.append(Paragraph(markup(subtitle, look.subtitle.fontName), look.subtitle))
    return [*block, Spacer(1, 4 * mm)]


def heading(text: str, *, look: Look = PRINT) -> Paragraph:
    return Paragraph(markup(text, look.heading.fontName), look.heading)


def grid_table(
    rows: list[list],
    widths_mm: list[float],
    *,
    header: bool = True,
    heading: Paragraph | None = None,
    look: Look = PRINT,
) -> LongTable:
    """A ruled table; with ``header`` its first row is shaded and repeats on every page.
    ``heading`` spans a row above it that repeats too."""
    if heading is not None:
        rows = [[heading] + [""] * (len(widths_mm) - 1), *rows]
    top = 1 if heading is not None else 0
    table = LongTable(rows, colWidths=[w * mm for w in widths_mm], repeatRows=top + (1 if header else 0))
    table.setStyle(look.grid)
    if header and look.label_fill is not None:
        table.setStyle(TableStyle([("BACKGROUND", (0, top), (-1, top), look.label_fill)]))
    if heading is not None:
        table.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0))]))
        if look.heading_fill is not None:
            table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), look.heading_fill)]))
    return table


def label_table(
    pairs: list[tuple[str, str]],
    label_mm: float = 38,
    *,
    heading: Paragraph | None = None,
    look: Look = PRINT,
    split_rows: bool = False,
) -> LongTable:
    """Label / value rows, labels shaded, as on a form; ``heading`` spans a first row that
    repeats on every page the table runs onto. With ``split_rows`` a row may go on from one
    page to the next when at least ``SPLIT_ROW_MIN`` of it fits on the first (else a value
    taller than a page cannot be laid out at all); rows are kept whole where they can be."""
    rows: list[list[Any]] = [
        [text_cell(label, look.head_cell, look=look), text_cell(value, look.cell, look=look)] for label, value in pairs
    ]
    if heading is not None:
        rows.insert(0, [heading, ""])
    table = LongTable(
        rows,
        colWidths=[label_mm * mm, FRAME_W - label_mm * mm],
        repeatRows=1 if heading is not None else 0,
        splitByRow=0 if split_rows else 1,
        splitInRow=SPLIT_ROW_MIN if split_rows else 0,
    )
    table.setStyle(look.grid)
    first = 1 if heading is not None else 0
    if look.label_fill is not None:
        table.setStyle(TableStyle([("BACKGROUND", (0, first), (0, -1), look.label_fill)]))
    if heading is not None:
        table.setStyle(TableStyle([("SPAN", (0, 0), (1, 0))]))
        if look.heading_fill is not None:
            table.setStyle(TableStyle([("BACKGROUND", (0, 0), (1, 0), look.heading_fill)]))
    return table


class _NumberedCanvas(Canvas):
    """Writes "n / N" on each page once the number of pages is known."""

    footer_left = ""
    footer_size = 6.5
    footer_gray = 0.35

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFillGray(self.footer_gray)
            y = 11 * mm
            number = f"{self._pageNumber} / {total}"
            self.setFont(GOTHIC, self.footer_size)
            self.drawRightString(A4[0] - MARGIN, y, number)
            # The left text gives way to the page number: smaller, never over it.
            room = A4[0] - 2 * MARGIN - stringWidth(number, GOTHIC, self.footer_size) - 3 * mm
            size = self.footer_size
            while size > 4 and stringWidth(self.footer_left, GOTHIC, size) > room:
                size -= 0.25
            self.setFont(GOTHIC, size)
            self.drawString(MARGIN, y, self.footer_left)
            super().showPage()
        super().save()


def build(
    story: list,
    *,
    title: str,
    record: MoveRecord | None = None,
    footer: str | None = None,
    look: Look = PRINT,
    author: str | None = None,
    compress: bool = True,
) -> bytes:
    """The PDF of ``story``: A4, 15 mm margins, fonts embedded, page numbers; ``footer`` (by
    default the move's id and the portal) at the bottom left of every page. A document that is
    not about one move (a consent sheet) gives ``footer`` and ``author`` instead of ``record``.
    ``compress``: as ``layout.new_canvas``'s (off only for a PDF rasterised here)."""
    register_fonts()
    buffer = io.BytesIO()
    if footer is None:
        if record is None:
            raise ValueError("build() needs the move's record or a footer")
        footer = f"申請ID {record.id}・{record.portal_name} で作成"
    author = author or (record.portal_name if record is not None else "hikkoshi")
    canvas_class = type(
        "FooterCanvas",
        (_NumberedCanvas,),
        {"footer_left": footer, "footer_size": look.footer_size, "footer_gray": look.footer_gray},
    )
    # A larger footer needs room between its baseline (11 mm up) and the text above it.
    bottom = MARGIN + 3 * mm + max(0.0, look.footer_size - PRINT.footer_size)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=bottom,
        title=title,
        subject=title,
        author=author,
        creator="hikkoshi",
        invariant=1,
        pageCompression=int(compress),
        initialFontName=MINCHO,
        lang="ja",
    )
    doc.build(story, canvasmaker=canvas_class)  # type: ignore[arg-type]  # a Canvas subclass, made by type()
    return buffer.getvalue()
