"""申請結果: every procedure of a move, where it went, how, its status, reference and deadline.

In the language of the request (``wording``): Japanese, or English.
"""

from django.utils.translation import pgettext
from reportlab.lib.units import mm

from . import wording
from .data import MoveRecord, ProcedureRecord
from .flow import BODY, SMALL, Spacer, build, grid_table, label_table, para, title_block
from .fonts import register_fonts
from .labels import destination

# Widths in mm; 180 mm in all.
WIDTHS = (8, 40, 38, 15, 20, 25, 34)


def _columns() -> tuple[str, ...]:
    return (
        "No.",
        pgettext("document", "Procedure"),
        pgettext("document", "Submitted to"),
        pgettext("document", "How"),
        pgettext("document", "Status"),
        pgettext("document", "Reference"),
        pgettext("document", "Deadline"),
    )


def deadline_cell(entry: ProcedureRecord) -> str:
    start, end = entry.deadline_from, entry.deadline_to
    if start and end:
        return f"{wording.short_date(start)}\n〜 {wording.short_date(end)}"
    if end:
        return pgettext("document", "until %(date)s") % {"date": wording.short_date(end)}
    if start:
        return pgettext("document", "from %(date)s") % {"date": wording.short_date(start)}
    return "—"


PROGRESS_WIDTHS = (46, 34, 100)  # mm: procedure, when, what (180 in all)


def _progress_rows(record: MoveRecord) -> list[list]:
    """処理状況: each step of each procedure after it was sent (sent, received with the
    reference, every answer with its message), under a heading row; [] when there is none."""
    rows = []
    for entry in record.procedures:
        for event in entry.timeline:
            what = event.label
            if event.reference:
                what += f"（{pgettext('document', 'Reference')} {event.reference}）"
            if event.message:
                what += "\n" + event.message
            rows.append([para(wording.procedure_name(entry)), para(_when(event.at)), para(what)])
    if not rows:
        return []
    heads = (pgettext("document", "Procedure"), pgettext("document", "When"), pgettext("document", "Status"))
    return [[para(head) for head in heads], *rows]


def _when(at) -> str:
    from django.utils import timezone

    local = timezone.localtime(at, timezone.get_default_timezone()) if timezone.is_aware(at) else at
    return f"{wording.short_date(local.date())} {local:%H:%M}"


def render_result(record: MoveRecord, *, lang: str = "ja") -> bytes:
    """The 申請結果 PDF in ``lang`` ("ja" or "en")."""
    with wording.speaking(lang):
        return _render(record)


def _render(record: MoveRecord) -> bytes:
    register_fonts()  # paragraphs look their fonts up as they are made
    story = title_block(pgettext("document", "Application result"), "")
    story.append(
        label_table(
            [
                *([(pgettext("document", "Application number"), record.number)] if record.number else []),
                (pgettext("document", "Application ID"), record.id),
                (pgettext("document", "Applicant"), f"{record.applicant.name}（{record.applicant.name_kana}）"),
                (
                    pgettext("document", "Submitted on"),
                    wording.long_date(record.submitted_at) or wording.not_submitted(),
                ),
                (pgettext("document", "Moving day"), wording.long_date(record.move_date)),
                (
                    pgettext("document", "Old address → new address"),
                    f"{record.old_address.address}\n→ {record.new_address.address}",
                ),
            ]
        )
    )
    story.append(Spacer(1, 5 * mm))
    rows = [[para(head) for head in _columns()]]
    for number, entry in enumerate(record.procedures, 1):
        rows.append(
            [
                para(str(number)),
                para(wording.procedure_name(entry)),
                # An office is the building, then the section: 札幌市中央区役所 / 戸籍住民課.
                para(destination(entry).replace(" ", "\n", 1)),
                para(wording.channel(entry.channel)),
                para(entry.status_label),
                para(entry.reference or "—"),
                para(deadline_cell(entry)),
            ]
        )
    story.append(grid_table(rows, list(WIDTHS)))
    story.append(Spacer(1, 4 * mm))
    progress = _progress_rows(record)
    if progress:
        story.append(para(pgettext("document", "Progress at the organisations"), BODY))
        story.append(grid_table(progress, list(PROGRESS_WIDTHS)))
        story.append(Spacer(1, 4 * mm))
    windows = [e for e in record.procedures if e.in_person]
    if windows:
        names = pgettext("document", ", ").join(wording.procedure_name(e) for e in windows)
        story.append(
            para(
                pgettext(
                    "document",
                    "Take the printed forms of the procedures at the counter (%(names)s) and "
                    "what to bring to the office. Where to go and what to bring are on the pages after "
                    "each form.",
                )
                % {"names": names},
                BODY,
            )
        )
    story.append(
        para(
            pgettext(
                "document",
                "The statuses are those at the time this was made. The portal's page of your "
                "application shows where each stands now.",
            ),
            SMALL,
        )
    )
    return build(story, title=pgettext("document", "Application result"), record=record, footer=wording.footer(record))
