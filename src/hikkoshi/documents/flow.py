"""Flowing A4 documents (申請結果, 申請控え): styles, tables that break across pages, footer.

Built with reportlab's platypus: text wraps the Japanese way (between any two characters),
long tables continue on the next page with their heading row repeated, and every page carries
"page n / N" and the move's id.
"""

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from .data import MoveRecord
from .fonts import GOTHIC, MINCHO, register_fonts

MARGIN = 15 * mm
FRAME_W = A4[0] - 2 * MARGIN

BODY = ParagraphStyle("body", fontName=MINCHO, fontSize=9.5, leading=13, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=10,
                       textColor=colors.Color(.3, .3, .3))
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=11.5)
HEAD_CELL = ParagraphStyle("head", parent=CELL, fontName=GOTHIC, fontSize=8.5, leading=11)
TITLE = ParagraphStyle("title", fontName=GOTHIC, fontSize=18, leading=22, wordWrap="CJK")
SUBTITLE = ParagraphStyle("subtitle", fontName=GOTHIC, fontSize=9, leading=12,
                          textColor=colors.Color(.35, .35, .35))
PROCEDURE = ParagraphStyle("procedure", parent=BODY, fontName=GOTHIC, fontSize=9.5, leading=12.5)
HEADING = ParagraphStyle("heading", fontName=GOTHIC, fontSize=11.5, leading=15, wordWrap="CJK",
                         spaceBefore=8, spaceAfter=4)

GRID = TableStyle([
    ("FONTNAME", (0, 0), (-1, -1), MINCHO),  # else the table sets Helvetica for each cell
    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
])
LABEL_FILL = colors.Color(.9, .9, .9)
HEADING_FILL = colors.Color(.8, .8, .8)


def para(text: str, style: ParagraphStyle = CELL, *, small: str = "") -> Paragraph:
    """A paragraph of plain ``text`` (escaped), with ``small`` on a second, smaller line."""
    markup = escape(text or "").replace("\n", "<br/>")
    if small:
        markup += f'<br/><font size="{style.fontSize - 2}" color="#555555">{escape(small)}</font>'
    return Paragraph(markup, style)


def title_block(title: str, english: str) -> list:
    return [Paragraph(escape(title), TITLE), Paragraph(escape(english), SUBTITLE),
            Spacer(1, 4 * mm)]


def heading(text: str) -> Paragraph:
    return Paragraph(escape(text), HEADING)


def grid_table(rows: list[list], widths_mm: list[float], *, header: bool = True) -> LongTable:
    """A ruled table; with ``header`` its first row is shaded and repeats on every page."""
    table = LongTable(rows, colWidths=[w * mm for w in widths_mm], repeatRows=1 if header else 0)
    table.setStyle(GRID)
    if header:
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), LABEL_FILL)]))
    return table


def label_table(pairs: list[tuple[str, str]], label_mm: float = 38, *,
                heading: Paragraph | None = None) -> LongTable:
    """Label / value rows, labels shaded, as on a form; ``heading`` spans a first row that
    repeats on every page the table runs onto."""
    rows = [[para(label, HEAD_CELL), para(value)] for label, value in pairs]
    if heading is not None:
        rows.insert(0, [heading, ""])
    table = LongTable(rows, colWidths=[label_mm * mm, FRAME_W - label_mm * mm],
                      repeatRows=1 if heading is not None else 0)
    table.setStyle(GRID)
    first = 1 if heading is not None else 0
    table.setStyle(TableStyle([("BACKGROUND", (0, first), (0, -1), LABEL_FILL)]))
    if heading is not None:
        table.setStyle(TableStyle([("SPAN", (0, 0), (1, 0)),
                                   ("BACKGROUND", (0, 0), (1, 0), HEADING_FILL)]))
    return table


class _NumberedCanvas(Canvas):
    """Writes "n / N" on each page once the number of pages is known."""

    footer_left = ""

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
            self.setFont(GOTHIC, 6.5)
            self.setFillGray(0.35)
            y = 11 * mm
            self.drawString(MARGIN, y, self.footer_left)
            self.drawRightString(A4[0] - MARGIN, y, f"{self._pageNumber} / {total}")
            super().showPage()
        super().save()


def build(story: list, *, title: str, record: MoveRecord) -> bytes:
    """The PDF of ``story``: A4, 15 mm margins, fonts embedded, page numbers."""
    register_fonts()
    buffer = io.BytesIO()
    footer = f"申請ID {record.id}・{record.portal_name} で作成"
    canvas_class = type("FooterCanvas", (_NumberedCanvas,), {"footer_left": footer})
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 3 * mm, title=title,
                            subject=title,
                            author=record.portal_name, creator="hikkoshi", invariant=1,
                            pageCompression=1, initialFontName=MINCHO, lang="ja")
    doc.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()
