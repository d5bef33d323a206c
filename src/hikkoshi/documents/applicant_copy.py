"""申請控え: the applicant's copy of everything entered — common data and each procedure's fields.

In the language of the request (``wording``): Japanese, or English. What the mover typed is
printed as typed; each procedure's field labels are as ``moves`` gives them. For the persons
who are foreign residents (外国人住民) only, what the 住民異動届 and its 別紙 print of them (国籍・地域,
在留カード等の番号, 在留資格, 在留期間 and its 満了の日, the 区分 of 住民基本台帳法第30条の45), each
field only where the person's 区分 has it.
"""

from django.utils.translation import pgettext
from reportlab.lib.units import mm

from . import wording
from .data import Address, MoveRecord, Person
from .flow import PROCEDURE, SMALL, Spacer, build, grid_table, heading, label_table, para, title_block
from .fonts import register_fonts
from .labels import destination, householder, postcode, relationship


def _address(address: Address) -> str:
    """〒, the address and, on a line of its own, the building (方書)."""
    line = f"{postcode(address.postcode)} {address.address}".strip()
    return f"{line}\n{address.building}" if address.building else line


def _foreign_rows(person: Person) -> list[tuple[str, str]]:
    """A foreign resident's rows (values in Japanese, as on the form); the empty ones left out."""
    f = person.foreign
    if f is None:
        return []
    rows = [
        (pgettext("document", "Category (Article 30-45 of the Basic Resident Registration Act)"), f.category),
        (pgettext("document", "Nationality or region"), f.nationality),
        (pgettext("document", "Residence card number"), f.card_number),
        (pgettext("document", "Status of residence"), f.status),
        (pgettext("document", "Period of stay"), f.period),
        (
            pgettext("document", "Date of expiration of the period of stay"),
            wording.long_date(f.expiry) if f.expiry else "",
        ),
    ]
    return [(label, value) for label, value in rows if value]


def render_copy(record: MoveRecord, *, lang: str = "ja") -> bytes:
    """The 申請控え PDF in ``lang`` ("ja" or "en")."""
    with wording.speaking(lang):
        return _render(record)


def _render(record: MoveRecord) -> bytes:
    register_fonts()  # paragraphs look their fonts up as they are made
    a = record.applicant
    none = pgettext("document", "None")
    story = title_block(pgettext("document", "Your copy of the application"))
    story.append(heading(pgettext("document", "Applicant")))
    story.append(
        label_table(
            [
                (pgettext("document", "Name"), a.name),
                (pgettext("document", "Reading (kana)"), a.name_kana),
                (pgettext("document", "Date of birth"), wording.long_date(a.birth_date)),
                *([(pgettext("document", "Sex"), wording.sex(a.sex))] if wording.sex(a.sex) else []),
                (pgettext("document", "Relationship to the head of household"), relationship(record, a) or "—"),
                (pgettext("document", "Phone number"), record.phone),
                (pgettext("document", "E-mail address"), record.email),
            ]
        )
    )
    story.append(heading(pgettext("document", "The move")))
    story.append(
        label_table(
            [
                (
                    pgettext("document", "Kind of move"),
                    pgettext("document", ", ").join(wording.kind(k) for k in record.kinds),
                ),
                (pgettext("document", "Moving day"), wording.long_date(record.move_date)),
                (pgettext("document", "Old address"), _address(record.old_address)),
                (pgettext("document", "New address"), _address(record.new_address)),
                (pgettext("document", "Head of household at the new address"), householder(record)),
                *([(pgettext("document", "Application number"), record.number)] if record.number else []),
                (pgettext("document", "Application ID"), record.id),
                (
                    pgettext("document", "Created on / submitted on"),
                    f"{wording.long_date(record.created_at)} / "
                    f"{wording.long_date(record.submitted_at) or wording.not_submitted()}",
                ),
            ]
        )
    )
    story.append(heading(pgettext("document", "Household members moving with you")))
    if record.members:
        rows = [
            [
                para(pgettext("document", "Name")),
                para(pgettext("document", "Reading (kana)")),
                para(pgettext("document", "Date of birth")),
                para(pgettext("document", "Sex")),
                para(pgettext("document", "Relationship to the head")),
            ]
        ]
        rows += [
            [
                para(m.name),
                para(m.name_kana),
                para(wording.long_date(m.birth_date)),
                para(wording.sex(m.sex) or "—"),
                para(relationship(record, m) or "—"),
            ]
            for m in record.members
        ]
        story.append(grid_table(rows, [44, 44, 45, 15, 32]))
    else:
        story.append(para(none))
    foreign = [p for p in (a, *record.members) if p.foreign is not None]
    if foreign:
        story.append(heading(pgettext("document", "Foreign residents (外国人住民)")))
        for person in foreign:
            story.append(label_table(_foreign_rows(person), label_mm=60, heading=para(person.name, PROCEDURE)))
            story.append(Spacer(1, 3 * mm))
    story.append(heading(pgettext("document", "What you entered for each procedure")))
    for number, entry in enumerate(record.procedures, 1):
        heading_cell = para(
            f"{number}. {wording.procedure_name(entry)}　{destination(entry)}（{wording.channel(entry.channel)}）",
            PROCEDURE,
        )
        pairs = [(f.label, f.value) for f in entry.fields] or [
            (pgettext("document", "Fields"), pgettext("document", "This procedure has no fields of its own."))
        ]
        # The procedure's name heads its table, so it never ends a page alone and repeats
        # when the table goes on to the next page.
        story.append(label_table(pairs, label_mm=50, heading=heading_cell))
        story.append(Spacer(1, 3 * mm))
    story.append(para(pgettext("document", "This copy is the record of what you entered. Keep it safe."), SMALL))
    return build(
        story, title=pgettext("document", "Your copy of the application"), record=record, footer=wording.footer(record)
    )
