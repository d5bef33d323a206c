"""取下げ・訂正のお知らせ: the one page a fax carries when a mover withdraws or corrects an
application sent by fax earlier.

Laid out like the FAX送付状 (``fax_cover``) and for the same machine: who it is for, who sends
it, when, what it is about (the procedure and the 申請番号, the date the application was sent),
and what to do. A withdrawal is this page alone; a correction lists what changed (with the new
values) and is followed by the corrected 申込書 — so, unlike a cover sheet, a correction names
the changed values, which the 申込書 behind it holds anyway.
"""

from datetime import datetime
import io

from django.utils import timezone

from .application import PORTAL, addressee, full_date
from .fax_cover import LEFT, MIN_SIZE, RIGHT, RULE, _Cover, _lines, _sent_at
from .fonts import GOTHIC
from .layout import Sheet, new_canvas

TITLES = {"withdrawal": "申請取下げのお知らせ", "correction": "申請内容訂正のお知らせ"}
SUBTITLES = {"withdrawal": "Withdrawal of an application", "correction": "Correction of an application"}


def local_day(moment: datetime):
    """The day of an aware time in the portal's time zone (a naive one as it is)."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment, timezone.get_default_timezone())
    return moment.date()


def render_notice(
    *,
    kind: str,
    to_name: str,
    to_number: str,
    from_name: str,
    from_number: str,
    pages: int,
    procedure_name: str,
    number: str,
    sent_on: datetime | None,
    reference: str,
    changes: tuple = (),
    portal_url: str,
    sent_at: datetime,
) -> bytes:
    """The notice as a one-page A4 PDF; ``pages`` counts every page sent with it, this one
    included; ``changes`` are (label, new value) of a correction."""
    title = TITLES[kind]
    buffer = io.BytesIO()
    c = new_canvas(buffer, title)
    sheet = Sheet(c)
    sheet.text(105, 30, title, font=GOTHIC, size=24, align="center")
    sheet.text(105, 38, SUBTITLES[kind], font=GOTHIC, size=11, align="center")
    sheet.line(LEFT, 44, RIGHT, 44, width=RULE)
    cover = _Cover(sheet, 50)
    cover.row("宛先", [(addressee(to_name) or "—", 15, 2), (f"FAX {to_number}" if to_number else "", 13, 1)], 24)
    from_name = " ".join(from_name.split())
    cover.row(
        "発信元",
        [(from_name or ("" if from_number else "—"), 12, 2), (f"FAX {from_number}" if from_number else "", 12, 1)],
        20,
    )
    cover.row("送信日時", [(_sent_at(sent_at), 12, 1)], 12)
    cover.row("送信枚数\n（本紙を含む）", [(f"{pages}枚", 15, 1)], 14)
    cover.row("手続き", [(" ".join(procedure_name.split()) or "—", 13, 2)], 16)
    cover.row("申請番号", [(number or "—", 13, 1)], 12)
    cover.row("申請の送信日", [(full_date(local_day(sent_on)) if sent_on else "—", 12, 1)], 12)
    if reference:
        cover.row("受付番号", [(reference, 12, 1)], 12)
    if kind == "correction":
        shown = list(changes[:6])
        text: list[tuple[str, float, int]] = [
            (f"{label}: {' '.join(str(value).split())}", 11, 2) for label, value in shown
        ]
        if len(changes) > len(shown):
            text.append((f"ほか {len(changes) - len(shown)} 項目（添付の申込書のとおり）", 11, 1))
        cover.row("訂正した項目\n（訂正後）", text or [("—", 11, 1)], max(16, 7 * len(text) + 4))
    url = " ".join(portal_url.split())
    notes = (
        [
            "上記の申請を、申請者のご依頼により取り下げます。まだお手続きされていない場合は、処理しないでください。",
        ]
        if kind == "withdrawal"
        else [
            "上記の申請について、申請者のご依頼により内容を訂正します。次ページ以降の訂正後の申込書でお手続きください。",
        ]
    ) + [
        "すでにお手続きが済んでいる場合は、お手数ですが申請者へ直接ご連絡ください。",
        (
            f"お問い合わせは {url} まで、申請番号をお知らせください。"
            if url
            else "お問い合わせの際は申請番号をお知らせください。"
        ),
        "このFAXは宛先の方にお送りするものです。誤って届いた場合は、お手数ですが破棄のうえご連絡ください。",
    ]
    t = cover.t + 10
    size = 11.0
    leading = size * 1.55 * 25.4 / 72
    for note in notes:
        for line in _lines(note, size, RIGHT - LEFT, 3):
            sheet.text(LEFT, t, line, font=GOTHIC, size=size)
            t += leading
        t += 2
    sheet.line(LEFT, 275, RIGHT, 275, width=RULE)
    sheet.text(LEFT, 281, PORTAL, font=GOTHIC, size=MIN_SIZE)
    sheet.text(RIGHT, 281, title, font=GOTHIC, size=MIN_SIZE, align="right")
    c.showPage()
    c.save()
    return buffer.getvalue()
