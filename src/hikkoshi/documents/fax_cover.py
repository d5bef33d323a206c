"""FAX送付状: the cover sheet sent before the pages of a 申込書.

One A4 page: who it is for and their fax number (宛先), who sends it and their number (発信元),
when it was sent (送信日時), how many pages go with it, the cover sheet included (送信枚数), what
it is about (件名: the procedure's 申込書), the application number (申請番号, when the move has
one) and the portal's application id, and where to ask about the application.

A cover sheet lies in the tray of a shared fax machine for anyone to see, so it carries nothing
about the mover: no name, no address — only the application id, which means nothing without
the portal. Like the 申込書 it is drawn for a fax (204 × 196 dpi, 1 bit): IPAex Gothic of 10 pt or
more, black on white, no fills, thin rules. A value too long for its box is set smaller (not
below 10 pt), then wrapped, and as a last resort cut with "…": the sheet stays one page.
"""

from datetime import datetime
import io

from django.utils import timezone

from .answer_slip import AnswerSlip, draw_on_sheet, slip_height_mm
from .application import PORTAL, addressee, full_date
from .flow import break_lines
from .fonts import GOTHIC
from .layout import Sheet, new_canvas, string_width_mm

TITLE = "FAX送付状"

LEFT, RIGHT = 20.0, 190.0  # mm; fax machines lose a few millimetres at every edge
LABEL_W = 46.0
PAD = 3.0
MIN_SIZE = 10.0
RULE = 0.6  # pt


def _fit(text: str, width_mm: float, size: float, max_lines: int) -> tuple[float, list[str]]:
    """(font size, lines) of ``text`` within ``width_mm``: one line at ``size`` or smaller down
    to 10 pt, else wrapped at 10 pt onto at most ``max_lines`` lines, the last cut with "…"."""
    text = " ".join(text.split())
    while size > MIN_SIZE and string_width_mm(text, GOTHIC, size) > width_mm:
        size = max(MIN_SIZE, size - 0.5)
    if string_width_mm(text, GOTHIC, size) <= width_mm:
        return size, [text]
    return size, _lines(text, size, width_mm, max_lines)


def _lines(text: str, size: float, width_mm: float, max_lines: int) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines, the last cut with "…" if need be."""
    lines = break_lines(text, GOTHIC, size, width_mm * 72 / 25.4)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and string_width_mm(last + "…", GOTHIC, size) > width_mm:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _sent_at(sent_at: datetime) -> str:
    """``令和7年3月19日（2025年3月19日）14:05``; an aware time in the portal's time zone
    (``TIME_ZONE``, whatever zone a request may have activated), a naive one as it is."""
    if timezone.is_aware(sent_at):
        sent_at = timezone.localtime(sent_at, timezone.get_default_timezone())
    return f"{full_date(sent_at.date())} {sent_at:%H:%M}"


class _Cover:
    """Draws the table of the cover sheet row by row, from ``t`` mm down."""

    def __init__(self, sheet: Sheet, t: float):
        self.sheet = sheet
        self.t = t

    def row(self, label: str, blocks: list[tuple[str, float, int]], height: float) -> None:
        """A ruled row: ``label`` on the left; on the right each (text, size, most lines)
        under the previous one, vertically centred together."""
        sheet, t = self.sheet, self.t
        sheet.rect(LEFT, t, RIGHT - LEFT, height, width=RULE)
        sheet.line(LEFT + LABEL_W, t, LEFT + LABEL_W, t + height, width=RULE)
        sheet.fit(LEFT, t, LABEL_W, height, label, font=GOTHIC, size=11, min_size=MIN_SIZE)
        width = RIGHT - LEFT - LABEL_W - 2 * PAD
        laid = []
        for text, size, max_lines in blocks:
            if text:
                s, lines = _fit(text, width, size, max_lines)
                laid += [(line, s) for line in lines]
        block = sum(s * 1.3 for _, s in laid) * 25.4 / 72  # mm
        baseline = t + (height - block) / 2
        for line, s in laid:
            baseline += s * 1.3 * 25.4 / 72
            sheet.text(LEFT + LABEL_W + PAD, baseline - s * 0.3 * 25.4 / 72, line, font=GOTHIC, size=s)
        self.t = t + height


def render_fax_cover(
    *,
    to_name: str,
    to_number: str,
    from_name: str,
    from_number: str,
    pages: int,
    procedure_name: str,
    application_id: str,
    portal_url: str,
    sent_at: datetime,
    application_number: str = "",
    answer: AnswerSlip | None = None,
    compress: bool = True,
) -> bytes:
    """The FAX送付状 as a one-page A4 PDF. ``pages`` counts every page sent, this one included.
    ``answer``: the answer page, reference and code (処理状況のご連絡, ``answer_slip``), in a box
    with its QR code above the footer. ``compress``: off when it is only rasterised here (the
    fax channel's)."""
    if pages < 1:
        raise ValueError("a fax has at least one page, its cover sheet")
    buffer = io.BytesIO()
    c = new_canvas(buffer, TITLE, compress=compress)
    sheet = Sheet(c)
    sheet.text(105, 32, TITLE, font=GOTHIC, size=30, align="center")
    sheet.line(LEFT, 47, RIGHT, 47, width=RULE)

    cover = _Cover(sheet, 56)
    to_number, from_number = to_number.strip(), from_number.strip()
    cover.row("宛先", [(addressee(to_name) or "—", 16, 2), (f"FAX {to_number}" if to_number else "", 14, 1)], 26)
    from_name = " ".join(from_name.split())
    cover.row(
        "発信元",
        [(from_name or ("" if from_number else "—"), 13, 2), (f"FAX {from_number}" if from_number else "", 13, 1)],
        24,
    )
    cover.row("送信日時", [(_sent_at(sent_at), 13, 1)], 14)
    cover.row("送信枚数\n（本紙を含む）", [(f"{pages}枚", 18, 1)], 16)
    procedure = " ".join(procedure_name.split())
    subject = f"{procedure}の申込書" if procedure else "申込書"
    cover.row("件名", [(f"{procedure}　申込書".strip(), 14, 2)], 20)
    number = " ".join(application_number.split())
    if number:  # the number the organisation asks about, once (the fax channel's id is the number too)
        cover.row("申請番号", [(number, 16, 1)], 14)
    else:  # a move from before numbers: its id
        cover.row("申請ID", [(application_id, 12, 2)], 16)

    url = " ".join(portal_url.split())
    ask = "申請番号" if number else "申請ID "
    notes = [
        f"{subject}をお送りします。内容をご確認のうえ、お手続きをお願いいたします。",
        f"本申込みについてのお問い合わせは {url} まで。{ask}をお知らせください。"
        if url
        else f"本申込みについてお問い合わせの際は、{ask}をお知らせください。",
        "送信枚数が足りない場合や読み取れない箇所がある場合も、同じくご連絡ください。",
        "このFAXは宛先の方にお送りするものです。誤って届いた場合は、お手数ですが破棄のうえご連絡ください。",
    ]
    # With the answer slip below, the notes are set tighter (10 pt, two lines each at most)
    # so that the page stays one page.
    t = cover.t + (7 if answer is not None else 12)
    size = MIN_SIZE if answer is not None else 11.0
    leading = size * 1.55 * 25.4 / 72
    for note in notes:
        # Three lines at most (more only for absurdly long names or URLs): one page.
        for line in _lines(note, size, RIGHT - LEFT, 2 if answer is not None else 3):
            sheet.text(LEFT, t, line, font=GOTHIC, size=size)
            t += leading
        t += 1 if answer is not None else 2
    if answer is not None:
        draw_on_sheet(c, answer, left_mm=LEFT, top_mm=272 - slip_height_mm(), width_mm=RIGHT - LEFT)
    sheet.line(LEFT, 275, RIGHT, 275, width=RULE)
    sheet.text(LEFT, 281, PORTAL, font=GOTHIC, size=MIN_SIZE)
    sheet.text(RIGHT, 281, TITLE, font=GOTHIC, size=MIN_SIZE, align="right")
    c.showPage()
    c.save()
    return buffer.getvalue()
