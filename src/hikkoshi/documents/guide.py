"""「持ち物・届出先」: the page after a window procedure's form — where, when, what to bring."""

from django.utils.translation import pgettext

from . import wording
from .data import MoveRecord, ProcedureRecord
from .fonts import GOTHIC, MINCHO
from .labels import postcode
from .layout import MARGIN_MM, WIDTH_MM, Sheet, string_width_mm, wrap

L, R = MARGIN_MM, WIDTH_MM - MARGIN_MM
W = R - L
_MM = 72 / 25.4


def deadline_text(entry: ProcedureRecord) -> str:
    """「令和7年3月28日 (2025年) から 令和7年4月11日 (2025年) まで」 (in English: "From … to …");
    "" without a deadline."""
    start, end = entry.deadline_from, entry.deadline_to
    if start and end:
        return pgettext("document", "From %(start)s to %(end)s") % {
            "start": wording.long_date(start),
            "end": wording.long_date(end),
        }
    if end:
        return pgettext("document", "until %(date)s") % {"date": wording.long_date(end)}
    if start:
        return pgettext("document", "from %(date)s") % {"date": wording.long_date(start)}
    return ""


def _heading(s: Sheet, t: float, text: str) -> float:
    s.rect(L, t, W, 7, fill=0.82)
    s.text(L + 2.5, t + 5, text, font=GOTHIC, size=11)
    return t + 10


def _paragraph(
    s: Sheet, t: float, text: str, *, x: float = L + 3, size: float = 10.5, font: str = MINCHO, gray: float = 0
) -> float:
    """``text`` wrapped from ``t`` (the top of its first line); returns the top after it."""
    leading = size * 1.45 / _MM
    for line in wrap(text, font, size, (R - x - 2) * _MM):
        t += leading
        s.text(x, t - leading * 0.3, line, font=font, size=size, gray=gray)
    return t


def draw_guide(s: Sheet, record: MoveRecord, entry: ProcedureRecord) -> None:
    """The page, in the active language (``wording``): Japanese, or English."""
    s.text(L, 22, pgettext("document", "What to bring and where to go"), font=GOTHIC, size=18)
    s.text(
        L,
        30,
        pgettext("document", "%(procedure)s (住民異動届) for %(name)s")
        % {"procedure": wording.procedure_name(entry), "name": record.applicant.name},
        font=MINCHO,
        size=11,
    )
    s.line(L, 33, R, 33, width=1.2)
    t = 38.0

    t = _heading(s, t, pgettext("document", "Where to go"))
    office = entry.office
    if office is None:
        t = _paragraph(
            s,
            t,
            pgettext("document", "The counter of %(organisation)s") % {"organisation": entry.organisation},
            size=12,
        )
    else:
        if office.sample:
            sample = pgettext("document", "Sample data")
            badge_w = string_width_mm(sample, GOTHIC, 9) + 4
            s.rect(R - badge_w, t - 1, badge_w, 6, fill=0)
            s.text(R - badge_w / 2, t + 3.3, sample, font=GOTHIC, size=9, gray=1, align="center")
        t = _paragraph(s, t, office.name, size=13, font=GOTHIC)
        lines = [
            pgettext("document", "Address: %(address)s")
            % {"address": f"{postcode(office.postcode)} {office.address}".strip()}
            if office.address
            else "",
            pgettext("document", "Opening hours: %(hours)s") % {"hours": office.hours} if office.hours else "",
            pgettext("document", "Phone: %(phone)s") % {"phone": office.phone} if office.phone else "",
        ]
        for line in filter(None, lines):
            t = _paragraph(s, t, line)
        if office.sample:
            t = _paragraph(
                s,
                t + 1,
                pgettext(
                    "document",
                    "This office's details are sample data, not checked against the "
                    "office's own published information. Check its address and opening hours on the "
                    "municipality's official information before you go.",
                ),
                size=9,
                gray=0.25,
            )
    t += 4

    t = _heading(s, t, pgettext("document", "By when"))
    t = _paragraph(s, t, deadline_text(entry) or pgettext("document", "No deadline is known."), size=12)
    t = _paragraph(
        s, t, pgettext("document", "Moving day: %(date)s") % {"date": wording.long_date(record.move_date)}, size=10
    )
    t += 4

    t = _heading(s, t, pgettext("document", "What to bring (tick each before you go)"))
    items = entry.what_to_bring or (pgettext("document", "(Nothing is known about what to bring. Ask the office.)"),)
    for item in items:
        s.text(L + 3, t + 4.2, "□", size=11)
        t = _paragraph(s, t, item, x=L + 9, size=10.5)
        t += 1
    t += 3

    t = _heading(s, t, pgettext("document", "Before you hand in the form"))
    notes = (
        pgettext(
            "document",
            "The person filing signs the signature field of 届出人 on the form. "
            "With their own signature no seal is needed; without one (a printed name), "
            "press a seal in the 印 box.",
        ),
        pgettext(
            "document",
            "Write the date you hand it in as 届出年月日. Fill in the 住民票コード "
            "by hand where needed, and 性別 where it is not printed.",
        ),
        pgettext(
            "document",
            "When someone other than the person moving or the head of household "
            "files it, most municipalities ask for a letter of proxy (委任状).",
        ),
        pgettext(
            "document", "The QR code on the form lets the counter read its contents. Do not fold it or get it dirty."
        ),
    )
    for note in notes:
        s.text(L + 3, t + 4.2, "・", size=10.5)
        t = _paragraph(s, t, note, x=L + 8, size=10)
        t += 1
