"""住民異動届 (juminido: 転入届・転居届・転出届): the residence change form, pre-filled.

Laid out like the standard paper form (see ``shared/reference/forms.md`` 1.2): addressee
(○○市長 殿), filing date, the kind of notification with its box checked, move date, new and
old address with 方書, the 世帯主 at the new address, one row per person moving (ふりがな /
氏名, 生年月日 with the era circled, 性別, 続柄 to that 世帯主 — 世帯主 on the head's own row —,
住民票コード), the notifier (届出人) with signature line and seal box (印),
the municipality's office-use box, and the signed QR code of :mod:`.qr`. Five persons fit a
sheet; more continue on further sheets, each a complete form. For foreign residents (外国人住民) a
別紙 follows with what the form asks of them only (国籍・地域, 法第30条の45に規定する区分, 在留資格,
在留期間 and its 満了の日, 在留カード等の番号; ten persons a sheet, numbered as on the form). Then
one page 「持ち物・届出先」:
what to bring, where to go and when, and that the form must be signed.

The filing date and the boxes a person writes by hand (住民票コード, signature; 性別 when it
was not given) are left blank: the form is printed days before it is taken to the counter.
"""

import io

from django.utils.translation import get_language, pgettext
from segno import DataOverflowError

from hikkoshi.japanese import ERA_ABBREVIATIONS, era_of, seireki, wareki

from . import guide, wording
from .data import Address, MoveRecord, Person, ProcedureRecord
from .fonts import GOTHIC, MINCHO
from .labels import (
    FORM_TITLES,
    NOTIFICATION_BOXES,
    NOTIFICATIONS,
    SEAL_NOTE,
    householder,
    mayor_of,
    new_building_line,
    old_building_line,
    postcode,
    relationship,
    sex,
)
from .layout import MARGIN_MM, WIDTH_MM, Sheet, new_canvas, string_width_mm
from .qr import ERROR, Matrix, draw_qr, form_payload, qr_encode, qr_matrix

PERSONS_PER_SHEET = 5
L, R = MARGIN_MM, WIDTH_MM - MARGIN_MM  # 12 … 198 mm
W = R - L
LABEL_W = 24.0
QR_MM = 40.0

# 異動者 table: (heading, width in mm); the widths add up to W.
COLUMNS = (
    ("", 8.0),
    ("ふりがな\n氏名", 66.0),
    ("生年月日", 52.0),
    ("性別", 14.0),
    ("続柄", 20.0),
    ("住民票コード\n(転入のみ)", 26.0),
)
ROW_H = 15.0

# 別紙「外国人住民の記載事項」: (heading, width in mm); the widths add up to W.
FOREIGN_PER_SHEET = 10
FOREIGN_COLUMNS = (
    ("", 8.0),
    ("ふりがな\n氏名", 38.0),
    ("国籍・地域", 24.0),
    ("法第30条の45\nに規定する区分", 28.0),
    ("在留資格", 30.0),
    ("在留期間\n在留期間の満了の日", 30.0),
    ("在留カード等の番号", 28.0),
)
FOREIGN_ROW_H = 16.0


def render_residence_change_form(record: MoveRecord, entry: ProcedureRecord, *, lang: str = "ja") -> bytes:
    """The PDF: the form (one sheet per five persons), then 「持ち物・届出先」. The form is the
    official Japanese one whatever ``lang``; the page after it is in ``lang`` ("ja" or "en")."""
    if entry.notification not in NOTIFICATIONS:
        raise ValueError(f"not a 住民異動届 notification: {entry.notification!r}")
    buffer = io.BytesIO()
    title = f"住民異動届（{FORM_TITLES[entry.notification]}）"
    c = new_canvas(buffer, title)
    persons = (record.applicant, *record.members)
    sheets = [persons[i : i + PERSONS_PER_SHEET] for i in range(0, len(persons), PERSONS_PER_SHEET)]
    foreign = [(number, person) for number, person in enumerate(persons, 1) if person.foreign is not None]
    foreign_sheets = [foreign[i : i + FOREIGN_PER_SHEET] for i in range(0, len(foreign), FOREIGN_PER_SHEET)]
    total = len(sheets) + len(foreign_sheets) + 1
    for number, group in enumerate(sheets, 1):
        code = _sheet_code(record, entry, group, (number, len(sheets)) if len(sheets) > 1 else None)
        sheet = Sheet(c)
        _form_sheet(
            sheet,
            record,
            entry,
            group,
            first_number=1 + (number - 1) * PERSONS_PER_SHEET,
            sheet_no=number,
            sheets=len(sheets),
            code=code,
        )
        _footer(sheet, record, entry, number, total)
        c.showPage()
    for number, foreign_group in enumerate(foreign_sheets, 1):
        sheet = Sheet(c)
        _foreign_sheet(sheet, record, entry, foreign_group, sheet_no=number, sheets=len(foreign_sheets))
        _footer(sheet, record, entry, len(sheets) + number, total)
        c.showPage()
    sheet = Sheet(c)
    with wording.speaking(lang):
        guide.draw_guide(sheet, record, entry)
        quoted = ""
        if record.number:  # what the mover quotes when they ask about it
            quoted = pgettext("document", "Application number %(number)s") % {"number": record.number} + (
                "・" if (get_language() or "ja").startswith("ja") else " · "
            )
        sheet.footer(
            quoted
            + pgettext("document", "Application ID %(id)s · %(procedure)s (v%(version)s) · made with %(portal)s")
            % {"id": record.id, "procedure": entry.slug, "version": entry.version, "portal": record.portal_name},
            f"{total} / {total}",
        )
    c.showPage()
    c.save()
    return buffer.getvalue()


def _sheet_code(record, entry, persons, sheet) -> "Matrix | None":
    """The sheet's QR code, or None when its data is too much for any QR code."""
    try:
        return qr_matrix(qr_encode(form_payload(record, entry, persons, sheet)), ERROR)
    except DataOverflowError:
        return None


def _footer(sheet: Sheet, record: MoveRecord, entry: ProcedureRecord, page: int, pages: int):
    number = f"申請番号 {record.number}・" if record.number else ""  # what the mover quotes at the counter
    sheet.footer(
        f"{number}申請ID {record.id}・{entry.slug} (v{entry.version})・{record.portal_name} で作成", f"{page} / {pages}"
    )


def filing_office_address(record: MoveRecord, entry: ProcedureRecord) -> Address:
    """The address whose municipality receives the form: the old one for 転出, else the new."""
    return record.old_address if entry.notification == "move_out" else record.new_address


def _form_sheet(
    s: Sheet,
    record: MoveRecord,
    entry: ProcedureRecord,
    persons: tuple[Person, ...],
    *,
    first_number: int,
    sheet_no: int,
    sheets: int,
    code: Matrix | None,
) -> None:
    move_out = entry.notification == "move_out"
    # --- heading: addressee, title, filing date --------------------------------------------
    _heading(s, record, entry, "（転入届・転居届・転出届）", sheet_no, sheets, y=27, size=8.5)
    s.label_cell(142, 12, 56, 5, "届出年月日", size=8)
    s.rect(142, 17, 56, 9)
    s.text(195, 23.5, "令和　　年　　月　　日", size=10.5, align="right")

    # --- kind and move date ----------------------------------------------------------------
    t = 31.0
    _kind_row(s, t, entry)
    s.label_cell(130, t, 18, 10, "異動日")
    _date_cell(s, 148, t, R - 148, 10, record.move_date)
    t += 10

    # --- addresses and householder -----------------------------------------------------------
    # The 世帯主 is the head at the new address (for 転出, at the 転出先), whom every 続柄 below
    # refers to.
    new_label = "新住所\n(転出先)" if move_out else "新住所"
    t = _address_block(s, t, new_label, record.new_address, new_building_line(record, entry))
    t = _householder(s, t, "世帯主\n(転出先)" if move_out else "世帯主", householder(record))
    t = _address_block(
        s,
        t,
        "旧住所\n(前住所)" if not move_out else "旧住所\n(現住所)",
        record.old_address,
        old_building_line(record, entry),
    )

    # --- persons moving ----------------------------------------------------------------------
    t += 4
    s.rect(L, t, W, 6, fill=0.75)
    s.text(L + 2, t + 4.3, "異動者（異動する人）", font=GOTHIC, size=9)
    s.text(R - 2, t + 4.3, "生年月日は該当する元号に○", font=GOTHIC, size=7, align="right")
    if any(p.foreign is not None for p in (record.applicant, *record.members)):
        s.text(L + 36, t + 4.3, "※ 外国人住民の記載事項は別紙", font=GOTHIC, size=7)
    t += 6
    x = L
    for heading, width in COLUMNS:
        s.label_cell(x, t, width, 7, heading, size=7.5)
        x += width
    t += 7
    for i in range(PERSONS_PER_SHEET):
        person = persons[i] if i < len(persons) else None
        _person_row(s, t, first_number + i, person, record)
        t += ROW_H

    # --- notifier (届出人) ---------------------------------------------------------------------
    t += 4
    applicant = record.applicant
    s.label_cell(L, t, LABEL_W, 35, "届出人")
    sub_x, sub_w = L + LABEL_W, 20.0
    val_x = sub_x + sub_w
    rows = (("区分", 7.0), ("住所", 9.0), ("氏名", 12.0), ("電話番号", 7.0))
    tops = {}
    tt = t
    for label, h in rows:
        s.label_cell(sub_x, tt, sub_w, h, label, size=8)
        s.rect(val_x, tt, R - val_x, h)
        tops[label] = (tt, h)
        tt += h
    tk, _hk = tops["区分"]
    x = val_x + 2
    for option in ("本人", "世帯主", "代理人", "その他"):
        x = s.checkbox(x, tk + 5, option, option == "本人", size=9.5) + 5
    ta, ha = tops["住所"]
    here = filing_office_address(record, entry)
    here_building_line = old_building_line(record, entry) if move_out else new_building_line(record, entry)
    s.fit(
        val_x,
        ta,
        R - val_x,
        ha,
        f"{postcode(here.postcode)}　{here.address}　{here_building_line}".rstrip("　"),
        size=10.5,
    )
    tn, hn = tops["氏名"]
    s.fit(val_x, tn, 58, hn, applicant.name, size=13, min_size=8)
    s.line(val_x + 58, tn + 1.5, val_x + 58, tn + hn - 1.5, width=0.3, dash=(1, 1))
    s.text(val_x + 60, tn + 4, "署名", font=GOTHIC, size=7, gray=0.3)
    s.line(val_x + 60, tn + hn - 2.5, R - 15, tn + hn - 2.5, width=0.4)
    seal_x, seal_t = R - 7.5, tn + hn / 2
    s.circle(seal_x, seal_t, 5, width=0.5, dash=(1.5, 1.2), gray=0.35)
    s.text(seal_x, seal_t + 1.4, "印", size=10, align="center", gray=0.45)
    tp, hp = tops["電話番号"]
    s.fit(val_x, tp, 80, hp, record.phone, size=10.5)
    s.text(R - 2, tp + 4.8, "日中に連絡がとれる番号", font=GOTHIC, size=7, gray=0.35, align="right")
    t = tt + 4
    s.text(L, t, f"※ {SEAL_NOTE}。", font=MINCHO, size=8)

    # --- QR code and office-use box ------------------------------------------------------------
    t += 4
    if code is not None:
        draw_qr(s.c, code, *_pt(L, t + QR_MM), QR_MM * _MM)
        s.text(L + QR_MM / 2, t + QR_MM + 2.5, "窓口読取用コード（HKS1）", font=GOTHIC, size=6.5, align="center")
    else:
        s.rect(L, t, QR_MM, QR_MM)
        s.fit(L + 1, t + QR_MM / 2 - 6, QR_MM - 2, 6, "記入内容が多いため", size=7, min_size=5)
        s.fit(L + 1, t + QR_MM / 2, QR_MM - 2, 6, "読取用コードは省略", size=7, min_size=5)
    _office_box(s, L + QR_MM + 6, t, R - (L + QR_MM + 6), QR_MM + 3)


_MM = 72 / 25.4


def _heading(
    s: Sheet,
    record: MoveRecord,
    entry: ProcedureRecord,
    subtitle: str,
    sheet_no: int,
    sheets: int,
    *,
    y: float,
    size: float,
) -> None:
    """The top of every sheet: the addressee (the mayor of the filing office's municipality, （宛先）),
    the title 住民異動届 and the sheet's subtitle, with 「n枚目／全m枚」 when there is more than one."""
    s.text(L, 16, "（宛先）", font=GOTHIC, size=8)
    s.fit(
        L, 17, 50, 9, f"{mayor_of(filing_office_address(record, entry).municipality)}　殿", size=13, min_size=8, pad=0
    )
    s.text(105, 21, "住民異動届", font=GOTHIC, size=20, align="center")
    if sheets > 1:
        subtitle += f"　{sheet_no}枚目／全{sheets}枚"
    s.text(105, y, subtitle, font=GOTHIC, size=size, align="center")


def _kind_row(s: Sheet, t: float, entry: ProcedureRecord) -> None:
    """「届出の種類」 with its boxes (転入・転居・転出), the entry's own ticked."""
    s.label_cell(L, t, LABEL_W, 10, "届出の種類")
    s.rect(L + LABEL_W, t, 94, 10)
    chosen = NOTIFICATIONS[entry.notification]
    x = L + LABEL_W + 3
    for box in NOTIFICATION_BOXES:
        x = s.checkbox(x, t + 6.8, box, box == chosen) + 5


def _pt(x_mm: float, t_mm: float) -> tuple[float, float]:
    """A canvas point from mm from the top left."""
    return x_mm * _MM, (297 - t_mm) * _MM


def _date_cell(s: Sheet, x: float, t: float, w: float, h: float, d) -> None:
    s.rect(x, t, w, h)
    s.fit(x, t, w, h * 0.62, wareki(d), size=10.5, min_size=7)
    s.fit(x, t + h * 0.55, w, h * 0.45, f"({seireki(d)})", size=7, min_size=5)


def _address_block(s: Sheet, t: float, label: str, address: Address, building_line: str) -> float:
    s.label_cell(L, t, LABEL_W, 23, label)
    x = L + LABEL_W
    s.rect(x, t, R - x, 16)
    s.text(x + 1.5, t + 4, postcode(address.postcode), size=8.5)
    s.fit(x, t + 4.5, R - x, 11.5, address.address, size=12, min_size=8.5)
    s.label_cell(x, t + 16, 16, 7, "方書", size=8)
    s.rect(x + 16, t + 16, R - x - 16, 7)
    s.fit(x + 16, t + 16, R - x - 16, 7, building_line, size=10.5)
    return t + 23


def _householder(s: Sheet, t: float, label: str, name: str) -> float:
    s.label_cell(L, t, LABEL_W, 8, label, size=8 if "\n" in label else 9)
    s.rect(L + LABEL_W, t, R - L - LABEL_W, 8)
    s.fit(L + LABEL_W, t, R - L - LABEL_W, 8, name, size=11.5)
    return t + 8


def _person_row(s: Sheet, t: float, number: int, person: Person | None, record: MoveRecord) -> None:
    x = L
    cells = []
    for _, width in COLUMNS:
        s.rect(x, t, width, ROW_H)
        cells.append((x, width))
        x += width
    (nx, nw), (kx, kw), (bx, bw), (gx, gw), (rx, rw), _ = cells
    s.fit(nx, t, nw, ROW_H, str(number), font=GOTHIC, size=9, align="center")
    s.line(kx + 1, t + 5, kx + kw - 1, t + 5, width=0.3, dash=(1, 1), gray=0.4)
    s.line(bx + 1, t + 5, bx + bw - 1, t + 5, width=0.3, dash=(1, 1), gray=0.4)
    _era_choices(s, bx + 2, t + 3.6, person.birth_date if person else None)
    given = sex(person) if person else ""
    if given:
        s.fit(gx, t, gw, ROW_H, given, size=11, align="center")
    else:  # for the applicant to circle by hand
        s.text(gx + gw / 2, t + 9.6, "男・女", size=9, align="center", gray=0.35)
    if person is None:
        return
    s.fit(kx, t, kw, 5, person.name_kana, size=8, min_size=5.5)
    s.fit(kx, t + 5, kw, ROW_H - 5, person.name, size=13, min_size=8)
    born = person.birth_date
    if born is not None:  # None only once the move's personal data was erased
        s.text(bx + bw - 2, t + 3.6, f"{born.year}年", size=7, align="right", gray=0.3)
        s.fit(bx, t + 5, bw, ROW_H - 5, wareki(born), size=11, min_size=8, align="center")
    s.fit(rx, t, rw, ROW_H, relationship(record, person), size=10.5, min_size=7, align="center")


def _foreign_sheet(
    s: Sheet,
    record: MoveRecord,
    entry: ProcedureRecord,
    persons: list[tuple[int, Person]],
    *,
    sheet_no: int,
    sheets: int,
) -> None:
    """別紙「外国人住民の記載事項」: per foreign resident, numbered as on the form, the fields the
    standard form asks of 外国人住民 only (国籍・地域, 法第30条の45に規定する区分, 在留資格, 在留期間等
    and its 満了の日, 在留カード等の番号: ``shared/reference/forms.md`` 1.2 (A))."""
    _heading(s, record, entry, "別紙　外国人住民の記載事項", sheet_no, sheets, y=27.5, size=10)
    t = 33.0
    _kind_row(s, t, entry)
    s.label_cell(130, t, 18, 10, "届出人")
    s.rect(148, t, R - 148, 10)
    s.fit(148, t, R - 148, 10, record.applicant.name, size=11.5, min_size=7)
    t += 16
    s.rect(L, t, W, 6, fill=0.75)
    s.text(L + 2, t + 4.3, "外国人住民のみ記入（番号は届書の異動者の番号）", font=GOTHIC, size=9)
    t += 6
    x = L
    for heading, width in FOREIGN_COLUMNS:
        s.label_cell(x, t, width, 9, heading, size=7.5)
        x += width
    t += 9
    for i in range(FOREIGN_PER_SHEET):
        _foreign_row(s, t, persons[i] if i < len(persons) else None)
        t += FOREIGN_ROW_H
    t += 5
    notes = (
        "在留カード（特別永住者の方は特別永住者証明書）を窓口でお示しください。",
        "国籍・地域、在留資格、在留期間、在留カード等の番号は、在留カード等の記載のとおりです。",
    )
    for note in notes:
        s.text(L, t, f"※ {note}", font=MINCHO, size=8.5)
        t += 5


STATUS_SIZE = 9.5  # 在留資格: a long one goes on two lines rather than shrinking below 8 pt


def _status_lines(status: str, width_mm: float, size: float) -> str:
    """A 在留資格 too wide for its cell broken at the 「・」 that balances its two lines best
    (技術・人文知識・ / 国際業務); ``fit`` wraps anything else that does not fit at 8 pt."""
    if "\n" in status or string_width_mm(status, MINCHO, size) <= width_mm:
        return status
    cuts = [i + 1 for i, ch in enumerate(status[:-1]) if ch == "・"]
    if not cuts:
        return status
    best = min(
        cuts,
        key=lambda i: max(string_width_mm(status[:i], MINCHO, size), string_width_mm(status[i:], MINCHO, size)),
    )
    return f"{status[:best]}\n{status[best:]}"


def _foreign_row(s: Sheet, t: float, found: tuple[int, Person] | None) -> None:
    x = L
    cells = []
    for _, width in FOREIGN_COLUMNS:
        s.rect(x, t, width, FOREIGN_ROW_H)
        cells.append((x, width))
        x += width
    if found is None:
        return
    number, person = found
    foreign = person.foreign
    if foreign is None:
        return
    (nx, nw), (px, pw), (cx, cw), (kx, kw), (sx, sw), (ex, ew), (dx, dw) = cells
    h = FOREIGN_ROW_H
    s.fit(nx, t, nw, h, str(number), font=GOTHIC, size=9, align="center")
    s.line(px + 1, t + 5, px + pw - 1, t + 5, width=0.3, dash=(1, 1), gray=0.4)
    s.fit(px, t, pw, 5, person.name_kana, size=7.5, min_size=5)
    s.fit(px, t + 5, pw, h - 5, person.name, size=11, min_size=6.5)
    s.fit(cx, t, cw, h, foreign.nationality, size=10.5, min_size=6.5)
    s.fit(kx, t, kw, h, foreign.category, size=9.5, min_size=6)
    s.fit(sx, t, sw, h, _status_lines(foreign.status, sw - 3, STATUS_SIZE), size=STATUS_SIZE, min_size=8)
    s.line(ex + 1, t + h / 2, ex + ew - 1, t + h / 2, width=0.3, dash=(1, 1), gray=0.4)
    s.fit(ex, t, ew, h / 2, foreign.period, size=9.5, min_size=6, align="center")
    if foreign.expiry is not None:
        s.fit(ex, t + h / 2, ew, h / 2, f"{seireki(foreign.expiry)}まで", size=8.5, min_size=6, align="center")
    s.fit(dx, t, dw, h, foreign.card_number, font=GOTHIC, size=10, min_size=6, align="center")


def _era_choices(s: Sheet, x: float, baseline: float, born) -> None:
    """明・大・昭・平・令, the era of ``born`` circled."""
    era = era_of(born) if born else None
    size = 7.5
    step = string_width_mm("明", MINCHO, size) + 2.2
    for i, abbr in enumerate(ERA_ABBREVIATIONS):
        cx = x + i * step
        s.text(cx, baseline, abbr, size=size)
        if era and era[1] == abbr:
            half = string_width_mm(abbr, MINCHO, size) / 2
            s.circle(cx + half, baseline - 0.95, 1.9, width=0.5)


def _office_box(s: Sheet, x: float, t: float, w: float, h: float) -> None:
    """事務処理欄: for the municipality's staff only, as on the paper form."""
    s.rect(x, t, w, 5.5, fill=0.75)
    s.text(x + 2, t + 4, "※ 事務処理欄（市区町村記入欄: 記入しないでください）", font=GOTHIC, size=7.5)
    rows = (("受付", "入力", "審査", "照合", "交付", "通知"), ("国保", "年金", "後期高齢", "介護", "児童手当", "選挙"))
    cell_w = w / 6
    body_h = (h - 5.5) / 2 - 4.5
    tt = t + 5.5
    for labels in rows:
        for i, label in enumerate(labels):
            s.label_cell(x + i * cell_w, tt, cell_w, 4.5, label, size=6.5)
            s.rect(x + i * cell_w, tt + 4.5, cell_w, body_h)
        tt += 4.5 + body_h
    s.rect(x, t, w, h, width=0.9)
