"""「持ち物・届出先」: the page after a window procedure's form — where, when, what to bring."""

from .data import MoveRecord, ProcedureEntry
from .fonts import GOTHIC, MINCHO
from .labels import SAMPLE_DATA, postcode
from .layout import MARGIN_MM, WIDTH_MM, Sheet, string_width_mm, wrap
from .wareki import both

L, R = MARGIN_MM, WIDTH_MM - MARGIN_MM
W = R - L
_MM = 72 / 25.4


def deadline_text(entry: ProcedureEntry) -> str:
    """「令和7年3月28日 (2025年) から 令和7年4月11日 (2025年) まで」; "" without a deadline."""
    start, end = entry.deadline_from, entry.deadline_to
    if start and end:
        return f"{both(start)} から {both(end)} まで"
    if end:
        return f"{both(end)} まで"
    if start:
        return f"{both(start)} から"
    return ""


def _heading(s: Sheet, t: float, text: str) -> float:
    s.rect(L, t, W, 7, fill=0.82)
    s.text(L + 2.5, t + 5, text, font=GOTHIC, size=11)
    return t + 10


def _paragraph(s: Sheet, t: float, text: str, *, x: float = L + 3, size: float = 10.5,
               font: str = MINCHO, gray: float = 0) -> float:
    """``text`` wrapped from ``t`` (the top of its first line); returns the top after it."""
    leading = size * 1.45 / _MM
    for line in wrap(text, font, size, (R - x - 2) * _MM):
        t += leading
        s.text(x, t - leading * 0.3, line, font=font, size=size, gray=gray)
    return t


def draw_guide(s: Sheet, record: MoveRecord, entry: ProcedureEntry) -> None:
    s.text(L, 22, "持ち物・届出先", font=GOTHIC, size=18)
    s.text(L, 30, f"{entry.name}（住民異動届）　{record.applicant.name} 様", font=MINCHO, size=11)
    s.line(L, 33, R, 33, width=1.2)
    t = 38.0

    t = _heading(s, t, "届出先（どこへ）")
    office = entry.office
    if office is None:
        t = _paragraph(s, t, f"{entry.organisation} の窓口", size=12)
    else:
        if office.sample:
            badge_w = string_width_mm(SAMPLE_DATA, GOTHIC, 9) + 4
            s.rect(R - badge_w, t - 1, badge_w, 6, fill=0)
            s.text(R - badge_w / 2, t + 3.3, SAMPLE_DATA, font=GOTHIC, size=9, gray=1,
                   align="center")
        t = _paragraph(s, t, office.name, size=13, font=GOTHIC)
        lines = [f"所在地　{postcode(office.postcode)} {office.address}".rstrip()
                 if office.address else "",
                 f"受付時間　{office.hours}" if office.hours else "",
                 f"電話　{office.phone}" if office.phone else ""]
        for line in filter(None, lines):
            t = _paragraph(s, t, line)
        if office.sample:
            t = _paragraph(s, t + 1, "※ この窓口の情報は、窓口自身の公表資料で確かめていない"
                           "サンプルデータです。出かける前に市区町村の公式情報で所在地と受付時間を"
                           "確かめてください。", size=9, gray=0.25)
    t += 4

    t = _heading(s, t, "届出の期限（いつまでに）")
    t = _paragraph(s, t, deadline_text(entry) or "期限の情報はありません。", size=12)
    t = _paragraph(s, t, f"異動日（引越しの日）: {both(record.move_date)}", size=10)
    t += 4

    t = _heading(s, t, "持ち物（チェックしてからお出かけください）")
    items = entry.what_to_bring or ("（持ち物の情報はありません。窓口にお問い合わせください）",)
    for item in items:
        s.text(L + 3, t + 4.2, "□", size=11)
        t = _paragraph(s, t, item, x=L + 9, size=10.5)
        t += 1
    t += 3

    t = _heading(s, t, "窓口に出す前に")
    notes = (
        "届出書の「届出人」欄の署名欄に、届出人本人が署名してください。本人の署名であれば押印は"
        "要りません。署名しない場合（記名の場合）は、印の欄に押印してください。",
        "届出年月日は、窓口に出す日を記入してください。性別・住民票コードの欄は必要に応じて"
        "手書きで記入してください。",
        "本人・世帯主以外の人が届け出るときは、多くの市区町村で委任状が必要です。",
        "届出書のQRコードは、窓口で内容を読み取るためのものです。折ったり汚したりしないで"
        "ください。",
    )
    for note in notes:
        s.text(L + 3, t + 4.2, "・", size=10.5)
        t = _paragraph(s, t, note, x=L + 8, size=10)
        t += 1
