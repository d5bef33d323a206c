"""同意書: the consent sheet an estate agency's customer reads and signs before the agency enters
their move (代行申請についての同意書).

It names the agency and the store, the customer and the application id; says in the versioned
words of ``hikkoshi.assisted.texts.AGENCY_CONSENT`` (Japanese, with the English wording beneath)
what the staff will do; lists which data goes to which organisations — the common data every
organisation receives and, for every procedure of the catalogue, its organisation, the channel
and its own fields (a window procedure sends nothing: its form is printed); and ends with the
lines for the date and the customer's signature. The text version is printed in the footer of
every page, so a signed sheet says what was agreed to.

Every value is plain text (``flow.para`` escapes it): a name such as ``<script>`` is printed
as typed.
"""

from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether

from hikkoshi.japanese import both

from .flow import BODY, HEADING, SMALL, Spacer, build, grid_table, heading, label_table, para, title_block
from .fonts import register_fonts

# (heading, width in mm): 180 mm in all.
COLUMNS = (("手続き", 44), ("提出先", 38), ("方法", 16), ("送られる情報", 82))
SENT = "共通の情報"
NOT_SENT = "送信しません（記入済みの届出書をお渡しします。窓口へお持ちください）"


def render_consent_sheet(
    *,
    agency: str,
    store: str,
    customer: str,
    text_ja: tuple[str, ...],
    text_en: tuple[str, ...],
    version: str,
    flows: list[dict],
    common_data: tuple[str, ...],
    move_id: str,
    issued_on: date,
) -> bytes:
    """The consent sheet as an A4 PDF (one page or more)."""
    register_fonts()
    story = title_block("代行申請についての同意書", "Consent to having your move entered for you")
    story.append(
        label_table(
            [
                ("不動産会社", agency),
                ("店舗", store),
                ("お客様", customer or "（　　　　　　　　　　）"),
                ("申請ID", move_id),
                ("作成日", both(issued_on)),
            ]
        )
    )
    story.append(Spacer(1, 4 * mm))
    for ja, en in zip(text_ja, text_en):
        story.append(para(ja, BODY, small=en))
        story.append(Spacer(1, 1.5 * mm))
    story.append(heading("提出先に送られる情報 / Which data goes where"))
    if common_data:
        story.append(para("共通の情報（ポータルから送る、どの手続きにも含まれる情報）:", BODY))
        for line in common_data:
            story.append(para(f"・{line}", BODY))
        story.append(Spacer(1, 2 * mm))
    rows = [[para(head) for head, _w in COLUMNS]]
    for flow in flows:
        own = "、".join(flow["fields"])
        # Each procedure's own declaration of the common data it receives (``items``), when given.
        shared = "、".join(flow["items"]) if "items" in flow else SENT
        data = (
            (shared + (f"＋{own}" if own else ""))
            if flow["sent"]
            else NOT_SENT + (f"。届出書には{shared}" + (f"と{own}" if own else "") + "が記入されます")
        )
        rows.append(
            [
                para(flow["name"], small=flow.get("name_en", "")),
                para(
                    flow["organisation"],
                    small=flow.get("organisation_en", "")
                    if flow.get("organisation_en") != flow["organisation"]
                    else "",
                ),
                para(flow["channel"]),
                para(data),
            ]
        )
    story.append(grid_table(rows, [w for _h, w in COLUMNS]))
    story.append(
        para(
            "実際に送られるのは、お客様の引越しに当てはまり、選んだ手続きの分だけです。"
            "申請の前に、担当者がお客様と一緒に確認します。",
            SMALL,
        )
    )
    story.append(Spacer(1, 6 * mm))
    story.append(
        KeepTogether(
            [
                para("上記の内容を確認し、同意します。 / I have read the above and I agree.", HEADING),
                Spacer(1, 6 * mm),
                label_table(
                    [("日付 / Date", "________ 年 ______ 月 ______ 日"), ("署名 / Signature", "\n\n")], label_mm=38
                ),
            ]
        )
    )
    return build(
        story,
        title="代行申請についての同意書",
        author="hikkoshi",
        footer=f"同意書（版 {version}）・申請ID {move_id}・hikkoshi で作成",
    )
