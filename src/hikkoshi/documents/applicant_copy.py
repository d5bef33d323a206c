"""申請控え: the applicant's copy of everything entered — common data and each procedure's fields."""

from reportlab.lib.units import mm

from .data import MoveRecord
from .fonts import register_fonts
from .flow import (PROCEDURE, SMALL, Spacer, build, grid_table, heading, label_table, para,
                   title_block)
from .labels import CHANNELS, NOTIFICATIONS, destination, householder, postcode, relationship, sex
from .wareki import both

KINDS = NOTIFICATIONS  # relocation 転居 / move_out 転出 / move_in 転入


def _address(address) -> str:
    """〒, the address and, on a line of its own, the building (方書)."""
    line = f"{postcode(address.postcode)} {address.address}".strip()
    return f"{line}\n{address.building}" if address.building else line


def render_copy(record: MoveRecord) -> bytes:
    register_fonts()  # paragraphs look their fonts up as they are made
    a = record.applicant
    story = title_block("申請控え", "Your copy — everything you entered")
    story.append(heading("申請者"))
    story.append(label_table([
        ("氏名", a.name), ("ふりがな", a.name_kana), ("生年月日", both(a.birth_date)),
        *([("性別", sex(a))] if sex(a) else []),
        ("世帯主との続柄", relationship(record, a) or "—"),
        ("電話番号", record.phone), ("メールアドレス", record.email),
    ]))
    story.append(heading("引越し"))
    story.append(label_table([
        ("異動の種類", "・".join(KINDS.get(k, k) for k in record.kinds)),
        ("引越し日", both(record.move_date)),
        ("旧住所", _address(record.old_address)),
        ("新住所", _address(record.new_address)),
        ("新住所の世帯主", householder(record)),
        *([("申請番号", record.number)] if record.number else []),
        ("申請ID", record.id),
        ("作成日・申請日", f"{both(record.created_at)} / {both(record.submitted_at) or '未送信'}"),
    ]))
    story.append(heading("一緒に引っ越す人（世帯員）"))
    if record.members:
        rows = [[para("氏名"), para("ふりがな"), para("生年月日"), para("性別"),
                 para("続柄", small="世帯主との")]]
        rows += [[para(m.name), para(m.name_kana), para(both(m.birth_date)),
                  para(sex(m) or "—"), para(relationship(record, m) or "—")]
                 for m in record.members]
        story.append(grid_table(rows, [47, 47, 46, 15, 25]))
    else:
        story.append(para("なし"))
    story.append(heading("手続きごとの入力内容"))
    for number, entry in enumerate(record.procedures, 1):
        channel = CHANNELS.get(entry.channel, entry.channel)
        heading_cell = para(f"{number}. {entry.name}　{destination(entry)}（{channel}）",
                            PROCEDURE, small=entry.name_en)
        pairs = [(f.label, f.value) for f in entry.fields] or \
            [("入力項目", "この手続きに固有の入力項目はありません。")]
        # The procedure's name heads its table, so it never ends a page alone and repeats
        # when the table goes on to the next page.
        story.append(label_table(pairs, label_mm=50, heading=heading_cell))
        story.append(Spacer(1, 3 * mm))
    story.append(para("この控えは、あなたが入力した内容の記録です。大切に保管してください。", SMALL))
    return build(story, title="申請控え", record=record)
