"""申請結果: every procedure of a move, where it went, how, its status, reference and deadline."""

from reportlab.lib.units import mm

from .data import MoveRecord, ProcedureEntry
from .fonts import register_fonts
from .flow import BODY, SMALL, Spacer, build, grid_table, label_table, para, title_block
from .labels import CHANNELS, destination
from .wareki import both, wareki

# (heading, width in mm); 180 mm in all.
COLUMNS = (("No.", 8), ("手続き", 40), ("提出先", 40), ("方法", 12), ("状況", 20),
           ("受付番号", 26), ("期限", 34))


def deadline_cell(entry: ProcedureEntry) -> str:
    start, end = entry.deadline_from, entry.deadline_to
    if start and end:
        return f"{wareki(start)}\n〜 {wareki(end)}"
    if end:
        return f"{wareki(end)} まで"
    if start:
        return f"{wareki(start)} から"
    return "—"


def render_result(record: MoveRecord) -> bytes:
    register_fonts()  # paragraphs look their fonts up as they are made
    story = title_block("申請結果", "Application result — every procedure of your move")
    story.append(label_table([
        *([("申請番号", record.number)] if record.number else []),
        ("申請ID", record.id),
        ("申請者", f"{record.applicant.name}（{record.applicant.name_kana}）"),
        ("申請日", both(record.submitted_at) or "未送信"),
        ("引越し日", both(record.move_date)),
        ("旧住所 → 新住所", f"{record.old_address.address}\n→ {record.new_address.address}"),
    ]))
    story.append(Spacer(1, 5 * mm))
    rows = [[para(head) for head, _ in COLUMNS]]
    for number, entry in enumerate(record.procedures, 1):
        rows.append([
            para(str(number)),
            para(entry.name, small=entry.name_en),
            # An office is the building, then the section: 札幌市中央区役所 / 戸籍住民課.
            para(destination(entry).replace(" ", "\n", 1)),
            para(CHANNELS.get(entry.channel, entry.channel)),
            para(entry.status_label),
            para(entry.reference or "—"),
            para(deadline_cell(entry)),
        ])
    story.append(grid_table(rows, [w for _, w in COLUMNS]))
    story.append(Spacer(1, 4 * mm))
    windows = [e for e in record.procedures if e.channel == "window"]
    if windows:
        names = "、".join(e.name for e in windows)
        story.append(para(f"窓口の手続き（{names}）は、印刷した届出書と持ち物を持って、届出先の窓口へ"
                          "出かけてください。届出書の2枚目以降に届出先と持ち物があります。", BODY))
    story.append(para("状況は作成時点のものです。最新の状況はポータルの申請状況の画面で確かめてください。",
                      SMALL))
    return build(story, title="申請結果", record=record)
