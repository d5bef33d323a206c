"""処理状況のご連絡: how an organisation without a system (e-mail, fax) answers about an application.

The 申込書 and the FAX送付状 print the portal's answer page (its URL with the application's
answer reference, also as a QR code), the answer reference and the answer code; the
organisation's staff open the page, type the code and set the status (受付・処理中・完了・不備あり・
受付不可) with a message to the mover. The code is valid for this application only
(``hikkoshi.moves.answers``).
"""

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from .fonts import GOTHIC
from .qr import ERROR, draw_qr
from .qrmatrix import Matrix, qr_matrix

ANSWER_PATH = "/answers/"
HEADING = "処理状況のご連絡のお願い"
QR_MM = 26.0


@dataclass(frozen=True)
class AnswerSlip:
    """The answer page's address (with the reference), the reference and the code as printed."""

    url: str
    reference: str
    code: str


def answer_url(portal_url: str, reference: str) -> str:
    """The answer page with the reference filled in: what the QR code holds."""
    return f"{portal_url.rstrip('/')}{ANSWER_PATH}?{urlencode({'ref': reference})}"


def lines(slip: AnswerSlip) -> list[str]:
    """The slip's text, line by line (also the e-mail's text)."""
    return [
        "受付・処理中・完了・不備あり・受付不可を下記ページでお知らせください。",
        f"URL: {slip.url}",
        f"照会番号: {slip.reference}",
        f"回答コード: {slip.code}",
        "回答コードはこの申込み専用です（アカウント不要）。",
    ]


class AnswerBlock(Flowable):
    """The slip in a 申込書 (a platypus flowable): a ruled box, the text on the left, the QR
    code of the URL on the right. Drawn for a fax: black on white, 10 pt or more."""

    def __init__(self, slip: AnswerSlip, width: float):
        super().__init__()
        self.slip = slip
        self.width = width
        self.height = (QR_MM + 6) * mm

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        c = self.canv
        c.setLineWidth(0.6)
        c.rect(0, 0, self.width, self.height)
        qr = QR_MM * mm
        draw_qr(c, url_code(self.slip.url), self.width - qr - 3 * mm, 3 * mm, qr)
        c.setFont(GOTHIC, 11)
        y = self.height - 7 * mm
        c.drawString(3 * mm, y, f"■ {HEADING}")
        c.setFont(GOTHIC, 10)
        for text in lines(self.slip):
            y -= 4.6 * mm
            c.drawString(3 * mm, y, _clip(c, text, self.width - qr - 9 * mm))


@lru_cache(maxsize=32)
def url_code(url: str) -> Matrix:
    """The QR code of the answer page's URL, made once for the two pages of a fax that print
    it (the FAX送付状 and the 申込書, rendered one after the other). The URL holds only the
    application's answer reference, no personal data. (Read only: ``draw_qr`` draws it.)"""
    return qr_matrix(url, ERROR)


def _clip(canvas, text: str, width: float) -> str:
    """``text`` cut with "…" to ``width`` points (a URL too long for the box still shows its
    start; the QR code holds it whole)."""
    if canvas.stringWidth(text, GOTHIC, 10) <= width:
        return text
    while text and canvas.stringWidth(text + "…", GOTHIC, 10) > width:
        text = text[:-1]
    return text + "…"


def draw_on_sheet(canvas, slip: AnswerSlip, *, left_mm: float, top_mm: float, width_mm: float) -> None:
    """The slip on a page drawn with a canvas (the FAX送付状): its box's top left corner at
    (``left_mm``, ``top_mm``) from the page's top left, ``width_mm`` wide."""
    page_height = canvas._pagesize[1]
    height = (QR_MM + 6) * mm
    canvas.saveState()
    canvas.translate(left_mm * mm, page_height - top_mm * mm - height)
    block = AnswerBlock(slip, width_mm * mm)
    block.canv = canvas
    block.draw()
    canvas.restoreState()


def slip_height_mm() -> float:
    return QR_MM + 6
