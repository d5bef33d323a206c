"""「郵送する書類」: everything a call centre mails to a caller, as one PDF ready to print.

First a cover letter (送付状) whose address block shows through the window of a 長形3号 window
envelope (窓あき封筒), then every pre-filled 住民異動届 of the move (with its page of what to
bring and where to go), then the 申請控え. The caller signs (or seals) each form and takes it to
the office named on it (only a 転出届 may also be mailed: a 転入届 or 転居届 never); the procedures sent by the
portal itself are listed as done.

The window, and where the address block is put
------------------------------------------------
A 長形3号 envelope is 120 × 235 mm; A4 folded in three (三つ折り) is 210 × 99 mm and goes in with
its long side along the envelope's, the top panel (the first 99 mm of the page) facing the
window, the page's top edge along the envelope's top. The window used is the common stock one
for 長3 with a horizontal address: 90 mm wide × 45 mm high, 23 mm from the left edge and 13 mm
from the top edge of the envelope held landscape (Japan Post asks at least 80 × 45 mm for an
address window). With the page's top-left corner in the envelope's top-left corner the window
shows the page from x = 23 to 113 mm and t = 13 to 58 mm. The paper has about 25 mm of play
sideways (235 − 210) and 21 mm up and down (120 − 99) but is pushed to the closed end and rests
on the fold, so the block keeps 5 mm inside the window on every side: x = 28 to 108 mm,
t = 18 to 53 mm (80 × 35 mm). Nothing else is printed in the window. Fold marks at t = 99 and
198 mm on the left edge.
"""

from datetime import date
import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Spacer

from hikkoshi import channels
from hikkoshi.japanese import both

from .data import MoveRecord, ProcedureRecord
from .flow import BODY, HEADING, SMALL, grid_table, para
from .fonts import GOTHIC, MINCHO, register_fonts
from .labels import FORM_TITLES, destination, postcode
from .layout import Sheet, string_width_mm, wrap

# The window of a 長形3号 envelope on the page (mm from the page's top-left), and the block.
WINDOW = (23.0, 13.0, 90.0, 45.0)  # x, t, width, height
BLOCK = (28.0, 18.0, 80.0, 35.0)
FOLDS = (99.0, 198.0)
SENDER_X = 122.0
BODY_TOP = 68.0  # mm: the letter's text starts below the address and the sender
PORTAL = "hikkoshi 引越し手続きワンストップポータル"


def address_lines(contact: dict) -> list[tuple[str, str, float]]:
    """The lines of the address block: (text, font, size)."""
    lines: list[tuple[str, str, float]] = []
    if contact.get("postcode"):
        lines.append((postcode(contact["postcode"]), GOTHIC, 11))
    width = BLOCK[2] * mm
    for part in (contact.get("address", ""), contact.get("building", "")):
        part = " ".join((part or "").split())
        if part:
            lines += [(line, MINCHO, 11) for line in wrap(part, MINCHO, 11, width)]
    name = " ".join((contact.get("name") or "").split())
    if name:
        size = 14.0
        while size > 9 and string_width_mm(f"{name} 様", MINCHO, size) * mm > width:
            size -= 0.5
        lines += [(line, MINCHO, size) for line in wrap(f"{name} 様", MINCHO, size, width)]
    return lines


def _draw_first_page(
    canvas, doc, *, contact: dict, sent_on: date, centre: str, centre_phone: str, portal_url: str, move_id: str
):
    sheet = Sheet(canvas)
    x, t, _w, h = BLOCK
    pt = 25.4 / 72  # mm per point
    baseline = None
    for text, font, size in address_lines(contact):
        # The first baseline an ascent below the block's top, then 1.35 × the size apart; a
        # line that would reach below the block is left out (six lines of 11 pt fit).
        baseline = t + size * 0.9 * pt if baseline is None else baseline + size * 1.35 * pt
        if baseline + size * 0.15 * pt > t + h:
            break
        sheet.text(x, baseline, text, font=font, size=size)
    for fold in FOLDS:
        sheet.line(3, fold, 8, fold, width=0.4, gray=0.5)
    sheet.text(SENDER_X, 22, "差出人", font=GOTHIC, size=8, gray=0.35)
    sheet.text(SENDER_X, 28, PORTAL, font=GOTHIC, size=9)
    sheet.text(SENDER_X, 33, f"{centre}（代行入力）", font=MINCHO, size=9)
    t = 38.0
    if centre_phone:
        sheet.text(SENDER_X, t, f"電話 {centre_phone}", font=GOTHIC, size=9)
        t += 5
    if portal_url:
        sheet.text(SENDER_X, t, portal_url, font=MINCHO, size=8)
    sheet.text(198, 60, both(sent_on), font=MINCHO, size=10, align="right")
    sheet.text(12, 290, f"申請ID {move_id}・{PORTAL}", font=GOTHIC, size=6.5, gray=0.35)


def _draw_later_page(canvas, doc, *, move_id: str):
    Sheet(canvas).text(12, 290, f"申請ID {move_id}・{PORTAL}（送付状のつづき）", font=GOTHIC, size=6.5, gray=0.35)


def deadline_line(entry: ProcedureRecord) -> str:
    """「期限: 令和8年1月15日 (2026年) まで」 from the procedure's period (its dates were worked
    out from the moving day when the move was submitted); "" without one."""
    start, end = entry.deadline_from, entry.deadline_to
    if start and end:
        return f"期限: {both(start)} から {both(end)} まで"
    if end:
        return f"期限: {both(end)} まで"
    if start:
        return f"期限: {both(start)} から"
    return ""


def how_to_file(entry: ProcedureRecord) -> str:
    """What the caller does with a 住民異動届. The 転入届 and the 転居届 are filed at the counter
    in person (the new address must be lived in first, and the office checks who files it):
    never by post. Only the 転出届 may also be mailed to the office of the old address."""
    if entry.notification == "move_out":
        return (
            "署名（または押印）のうえ、窓口へお持ちください。"
            "転出届は郵送でも届け出られます（送り方は提出先にお確かめください）。"
        )
    return "署名（または押印）のうえ、窓口へお持ちください。この届出は郵送では受け付けられません。"


def render_cover_letter(
    record: MoveRecord, contact: dict, *, centre: str, sent_on: date, portal_url: str = "", centre_phone: str = ""
) -> bytes:
    """The cover letter (送付状): the address block in the window, the sender (the centre, its
    phone number when one is set, the portal's address), the date, what is enclosed, each
    form's deadline and what the caller does with it."""
    from .services import form_procedures

    register_fonts()
    buffer = io.BytesIO()
    page_w, page_h = A4
    margin = 15 * mm
    first = Frame(margin, margin + 5 * mm, page_w - 2 * margin, page_h - BODY_TOP * mm - margin - 5 * mm, id="first")
    later = Frame(margin, margin + 5 * mm, page_w - 2 * margin, page_h - 2 * margin - 5 * mm, id="later")
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title="送付状",
        subject="引越し手続きの書類の送付状",
        author="hikkoshi",
        creator="hikkoshi",
        invariant=1,
        pageCompression=1,
        initialFontName=MINCHO,
        lang="ja",
    )
    values: dict[str, Any] = {
        "contact": contact,
        "sent_on": sent_on,
        "centre": centre,
        "centre_phone": centre_phone,
        "portal_url": portal_url,
        "move_id": record.id,
    }
    doc.addPageTemplates(
        [
            PageTemplate(
                id="first",
                frames=[first],
                onPage=lambda c, d: _draw_first_page(c, d, **values),
                autoNextPageTemplate="later",
            ),
            PageTemplate(id="later", frames=[later], onPage=lambda c, d: _draw_later_page(c, d, move_id=record.id)),
        ]
    )
    name = " ".join((contact.get("name") or record.applicant.name or "").split())
    forms = form_procedures(record)
    sent = [e for e in record.procedures if not e.in_person]
    story = [
        para("引越し手続きの書類をお送りします", HEADING),
        para(f"{name} 様" if name else "", BODY),
        Spacer(1, 2 * mm),
        para(
            "お電話でお申し込みいただいた引越しの手続きについて、記入済みの届出書と申請の控えをお送りします。"
            "下の「お手続きのお願い」のとおりお進めください。",
            BODY,
        ),
        Spacer(1, 3 * mm),
        para("同封書類", HEADING),
    ]
    rows = [[para("No."), para("書類"), para("提出先・期限・お手続き")]]
    for number, entry in enumerate(forms, 1):
        office = entry.office
        where = office.name if office else entry.organisation
        if office and office.address:
            where += f"\n{postcode(office.postcode)} {office.address}".rstrip()
        deadline = deadline_line(entry)
        rows.append(
            [
                para(str(number)),
                para(
                    f"住民異動届（{FORM_TITLES.get(entry.notification, entry.name)}）", small="持ち物・届出先の案内つき"
                ),
                para("\n".join(filter(None, (where, deadline, how_to_file(entry))))),
            ]
        )
    rows.append([para(str(len(forms) + 1)), para("申請控え"), para("お手元に保管してください。")])
    story.append(grid_table(rows, [12, 58, 110]))
    story += [Spacer(1, 3 * mm), para("お手続きのお願い", HEADING)]
    steps = [
        "届出書の届出人の欄に署名してください（署名した場合、押印は不要です）。",
        "同封の「持ち物・届出先」を見て、持ち物をそろえてください。",
        "期限までに、届出書を記載の窓口へお持ちください（本人確認書類が必要です）。",
    ]
    if not forms:
        steps = ["窓口に出す届出書はありません。申請控えを保管してください。"]
    for number, step in enumerate(steps, 1):
        story.append(para(f"{number}. {step}", BODY))
    if sent:
        story += [Spacer(1, 3 * mm), para("ポータルから送った手続き（お手続きは不要です）", HEADING)]
        for entry in sent:
            story.append(
                para(f"・{entry.name}　{destination(entry)}（{channels.japanese_label(entry.channel)}）", BODY)
            )
    story += [
        Spacer(1, 4 * mm),
        para(
            f"申請ID: {record.id}　申請日: {both(record.submitted_at)}　"
            f"ご不明な点は {centre}"
            + (f"（電話 {centre_phone}）" if centre_phone else "")
            + " へ、申請IDを添えてお問い合わせください。"
            + (f"　引越し手続きワンストップポータル: {portal_url}" if portal_url else ""),
            SMALL,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()


def render_mailing_pack(
    record: MoveRecord, contact: dict, *, centre: str, sent_on: date, portal_url: str = "", centre_phone: str = ""
) -> bytes:
    """The cover letter, every 住民異動届 and the 申請控え as one PDF (merged with pypdfium2)."""
    from django.conf import settings
    import pypdfium2 as pdfium

    from .applicant_copy import render_copy
    from .residence_change_form import render_residence_change_form
    from .services import form_procedures

    portal_url = portal_url or getattr(settings, "HIKKOSHI_PORTAL_URL", "")
    parts = [
        render_cover_letter(
            record, contact, centre=centre, sent_on=sent_on, portal_url=portal_url, centre_phone=centre_phone
        )
    ]
    parts += [render_residence_change_form(record, entry) for entry in form_procedures(record)]
    parts.append(render_copy(record))
    merged = pdfium.PdfDocument.new()
    try:
        for part in parts:
            source = pdfium.PdfDocument(part)
            try:
                merged.import_pages(source)
            finally:
                source.close()
        output = io.BytesIO()
        merged.save(output)
    finally:
        merged.close()
    return output.getvalue()
