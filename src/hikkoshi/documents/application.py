"""申込書: the application form of one procedure that goes by e-mail or fax.

This is what the organisation receives, attached to an e-mail or as the pages after the
FAX送付状: the procedure and the organisation it is addressed to, the portal's application id
and the date of the application, the applicant, the old and new address, the moving day, the
household members who move, and every one of the procedure's own fields.

It is set in the ``FAX`` look of ``flow`` so that it survives a fax machine (rasterised at
204 × 196 dpi, 1 bit): at least 10 pt, IPAex Gothic, black on white, no fills, thin rules.
Any value may be long: tables continue on the next page with their heading row repeated, and
a value taller than a page (a 4,000-character text) goes on from one page to the next. Every
page's footer carries the portal, the application id and "page n / N", so pages separated at
the fax machine are put back together.
"""

from datetime import date

from reportlab.lib.units import mm

from hikkoshi.japanese import era_of, seireki, wareki

from .answer_slip import AnswerBlock, AnswerSlip
from .data import MoveRecord, Person, ProcedureRecord
from .flow import FAX, Spacer, build, grid_table, label_table, para, text_cell, title_block
from .fonts import register_fonts
from .labels import HEAD, NOTIFICATIONS, householder, new_building_line, old_building_line, postcode, relationship

PORTAL = "hikkoshi 引越しワンストップ"
LABEL_MM = 42
# Household members: 氏名, フリガナ, 生年月日, 続柄 (180 mm in all).
MEMBER_COLUMNS = (("氏名", 52), ("フリガナ", 52), ("生年月日", 46), ("世帯主との続柄", 30))
NOT_GIVEN = "（未記入）"
NONE = "なし"


def full_date(d: date | None) -> str:
    """``令和7年3月19日（2025年3月19日）``: 和暦 with the Gregorian date beside it; "" for None."""
    if d is None:
        return ""
    return f"{wareki(d)}（{seireki(d)}）" if era_of(d) else seireki(d)


def addressee(name: str) -> str:
    """``北海道新聞 御中``: an organisation takes 御中, unless its name already has an honorific."""
    name = " ".join((name or "").split())
    if not name or name.endswith(("御中", "様", "殿")):
        return name
    return f"{name} 御中"


def _or(value: str, empty: str = NOT_GIVEN) -> str:
    value = (value or "").strip()
    return value or empty


def _address(code: str, address: str) -> str:
    return "\n".join(part for part in (postcode(code), (address or "").strip()) if part) or NOT_GIVEN


def _section(text: str):
    """A section's heading row: no fill on a fax, so a black square marks it."""
    return para(f"■ {text}", FAX.heading, look=FAX)


def _member_rows(record: MoveRecord, members: tuple[Person, ...]) -> list[list]:
    def cell(text: str, style=FAX.cell):
        return text_cell(text, style, look=FAX)

    rows = [[cell(head, FAX.head_cell) for head, _ in MEMBER_COLUMNS]]
    rows += [
        [
            cell(_or(m.name)),
            cell(_or(m.name_kana)),
            cell(full_date(m.birth_date).replace("（", "\n（") or NOT_GIVEN),
            cell(_or(relationship(record, m), "—")),
        ]
        for m in members
    ]
    return rows


def _household_heading(record: MoveRecord) -> str:
    """The household section's heading: the 世帯主 at the new address, to whom every 続柄 is
    given, and the applicant's own 続柄 (on one line, so that a one-page form stays one page)."""
    own = relationship(record, record.applicant)
    head = _or(householder(record))
    who = f"世帯主: {head}（申込者）" if own == HEAD else f"世帯主: {head}　申込者の続柄: {_or(own, '—')}"
    return f"一緒に引っ越す人（申込者を除く）　{who}"


def application_title(entry: ProcedureRecord) -> str:
    """``新聞の購読申込み　申込書``: the title of the form (and of its PDF)."""
    return f"{entry.name}　申込書"


def render_application(
    record: MoveRecord,
    entry: ProcedureRecord,
    shares=None,
    answer: "AnswerSlip | None" = None,
    *,
    compress: bool = True,
) -> bytes:
    """The 申込書 of ``entry`` (one of ``record``'s procedures) as an A4 PDF, one page or more.

    ``shares``: the common items the organisation receives (``catalogue.constants.CommonItem``
    values; None: all); the form prints only those, with the procedure's own fields.
    ``answer``: where and with which code the organisation tells the portal how the application
    stands (処理状況, ``answer_slip``), printed at the end with its QR code.
    ``compress``: off for a PDF only rasterised here (the fax channel's 申込書).
    """

    def shared(item: str) -> bool:
        return shares is None or item in shares

    register_fonts()  # paragraphs look their fonts up as they are made
    a = record.applicant
    title = application_title(entry)
    story = title_block(title, look=FAX)  # Japanese, for a Japanese organisation
    submitted = full_date(record.submitted_at) or "未送信（下書き）"
    story.append(
        label_table(
            [
                ("宛先", addressee(entry.organisation) or NOT_GIVEN),
                *([("申請番号", record.number)] if record.number else []),
                ("申請ID", record.id),
                ("申込日", submitted),
                ("送信元", PORTAL),
            ],
            LABEL_MM,
            look=FAX,
        )
    )
    story.append(Spacer(1, 3 * mm))
    story.append(para("下記のとおり申し込みます。", FAX.body, look=FAX))
    story.append(Spacer(1, 2 * mm))

    applicant = (
        ([("氏名", _or(a.name)), ("フリガナ", _or(a.name_kana))] if shared("applicant_name") else [])
        + ([("生年月日", full_date(a.birth_date) or NOT_GIVEN)] if shared("applicant_birth_date") else [])
        + ([("電話番号", _or(record.phone))] if shared("applicant_phone") else [])
        + ([("メールアドレス", _or(record.email))] if shared("applicant_email") else [])
    )
    if applicant:
        story.append(label_table(applicant, LABEL_MM, heading=_section("申込者"), look=FAX, split_rows=True))
        story.append(Spacer(1, 3 * mm))

    kinds = "・".join(NOTIFICATIONS.get(k, k) for k in record.kinds)
    story.append(
        label_table(
            (
                [
                    ("旧住所", _address(record.old_address.postcode, record.old_address.address)),
                    ("旧住所の方書", _or(old_building_line(record, entry), NONE)),
                ]
                if shared("old_address")
                else []
            )
            + (
                [
                    ("新住所", _address(record.new_address.postcode, record.new_address.address)),
                    ("新住所の方書", _or(new_building_line(record, entry), NONE)),
                ]
                if shared("new_address")
                else []
            )
            + ([("引越し日", full_date(record.move_date) or NOT_GIVEN)] if shared("move_date") else [])
            + [("異動の種類", kinds or NOT_GIVEN)],
            LABEL_MM,
            heading=_section("住所・引越し"),
            look=FAX,
            split_rows=True,
        )
    )
    story.append(Spacer(1, 3 * mm))

    if shared("members"):
        heading = _section(_household_heading(record))
        if record.members:
            story.append(
                grid_table(
                    _member_rows(record, record.members), [w for _, w in MEMBER_COLUMNS], heading=heading, look=FAX
                )
            )
        else:
            story.append(label_table([("世帯員", "なし（申込者のみ）")], LABEL_MM, heading=heading, look=FAX))
        story.append(Spacer(1, 3 * mm))

    pairs = [(_or(f.label, f.name), _or(f.value)) for f in entry.fields] or [
        ("入力項目", "この手続きに固有の入力項目はありません。")
    ]
    story.append(label_table(pairs, LABEL_MM, heading=_section(f"申込内容（{entry.name}）"), look=FAX, split_rows=True))
    story.append(Spacer(1, 2 * mm))
    if answer is not None:
        story.append(AnswerBlock(answer, 180 * mm))
        story.append(Spacer(1, 2 * mm))
    ask = "申請番号" if record.number else "申請ID"
    story.append(
        para(f"この申込書は {PORTAL} で作成しました。お問い合わせの際は{ask}をお知らせください。", FAX.body, look=FAX)
    )
    number = f"申請番号 {record.number}　" if record.number else ""
    return build(
        story, title=title, record=record, footer=f"{PORTAL}　{number}申請ID {record.id}", look=FAX, compress=compress
    )
