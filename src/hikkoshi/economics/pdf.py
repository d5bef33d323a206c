"""A scenario's results as an A4 PDF (IPAex, as every PDF of the portal): the summary, costs and
income by line with bars, the yearly usage, the sensitivity table and the inputs with sources."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from hikkoshi.documents.fonts import GOTHIC, MINCHO
from hikkoshi.documents.layout import HEIGHT_MM, MARGIN_MM, WIDTH_MM, Sheet, new_canvas, wrap

from .report import SENSITIVITY_HEADING, Report, source_text

LEFT = MARGIN_MM + 3
RIGHT = WIDTH_MM - MARGIN_MM - 3
ROW = 5.2
BOTTOM = HEIGHT_MM - MARGIN_MM - 8
HEADING_H = 4 + ROW + 1.5  # the space above a heading, its line and the space beneath
KEEP_ROWS = 3  # a heading stays with at least this many rows of its section


class Pages:
    """Rows drawn down A4 pages, a new page when the next rows do not fit (also the evaluation
    report's, ``evaluation_pdf``)."""

    def __init__(self, sheet: Sheet, title: str):
        self.sheet = sheet
        self.title = title
        self.t = 20.0
        self.page = 1

    def need(self, height: float) -> None:
        if self.t + height > BOTTOM:
            self._footer()
            self.sheet.c.showPage()
            self.page += 1
            self.t = 20.0
            self.page_started()

    def page_started(self) -> None:
        """Called at the top of every page after the first (nothing here)."""

    def _footer(self) -> None:
        self.sheet.footer(self.title, f"{self.page}")

    def heading(self, text: str, *, rows: int = 3) -> None:
        """A section's heading, kept on one page with the first ``rows`` rows beneath it: never
        alone at the foot of a page with its table on the next (keep-with-next)."""
        self.need(HEADING_H + ROW * max(1, rows))
        self.t += 4
        self.sheet.text(LEFT, self.t, text, font=GOTHIC, size=12)
        self.sheet.line(LEFT, self.t + 1.5, RIGHT, self.t + 1.5, width=0.4)
        self.t += ROW + 1.5

    def row(self, cells: list[tuple[float, str, str]], *, size: float = 9, font: str = MINCHO) -> None:
        """Cells of (x in mm, text, align)."""
        self.need(ROW)
        for x, text, align in cells:
            self.sheet.text(x, self.t, text, font=font, size=size, align=align)
        self.t += ROW

    def bars(self, rows: list[tuple[str, int]]) -> None:
        """Label, bar and amount per row; negative amounts in grey to the left of zero."""
        low = min([0, *(v for _, v in rows)])
        high = max([0, *(v for _, v in rows)])
        span = (high - low) or 1
        label_w = 104.0
        x0, width = LEFT + label_w + 2, RIGHT - LEFT - label_w - 30
        zero = x0 + width * (-low) / span
        for text, value in rows:
            self.need(ROW)
            self.sheet.fit(LEFT, self.t - 4, label_w, ROW, text, size=8.5, min_size=6, pad=0)
            w = width * abs(value) / span
            if w > 0:
                x = zero - w if value < 0 else zero
                self.sheet.rect(x, self.t - 3.4, w, 3.6, fill=0.55 if value < 0 else 0.25, stroke=False)
            self.sheet.text(RIGHT, self.t, f"{value:,}", size=8.5, align="right")
            self.t += ROW

    def finish(self) -> None:
        self._footer()
        self.sheet.c.showPage()


def render(report: Report) -> bytes:
    scenario = report.scenario
    title = _("Business model (ビジネスモデル): %(name)s") % {"name": scenario.name}
    buffer = io.BytesIO()
    c = new_canvas(buffer, title)
    sheet = Sheet(c)
    pages = Pages(sheet, title)
    sheet.text(LEFT, pages.t, "ビジネスモデル 収支試算", font=GOTHIC, size=18)
    pages.t += 7
    sheet.text(LEFT, pages.t, f"Business model: {scenario.name}", font=GOTHIC, size=11)
    pages.t += 6
    pages.row([(LEFT, f"{_('kind (種類)')}: {scenario.get_kind_display()}", "left")], size=8.5)
    basis = (
        _("measured usage, scaled to a year (実績の年換算)")
        if report.usage.measured
        else _("usage entered (入力した利用量)")
    )
    if report.usage.measured:
        basis += f" {scenario.period_start} – {scenario.period_end}"
        if scenario.region:
            basis += f" ({scenario.region})"
        if scenario.include_simulated:
            basis += " — " + _("includes simulated activity (シミュレーションを含む)")
    pages.row([(LEFT, f"{_('usage (利用量)')}: {basis}", "left")], size=8.5)
    if report.usage.message:
        for line in wrap(report.usage.message, GOTHIC, 9, (RIGHT - LEFT) * 2.8346):
            pages.row([(LEFT, line, "left")], size=9, font=GOTHIC)
    pages.row(
        [(LEFT, _("Printed %(when)s. Amounts in yen (金額は円).") % {"when": timezone.localdate()}, "left")], size=8
    )

    summary, income, costs, usage = report.summary(), report.income_rows(), report.cost_rows(), report.usage_rows()
    sensitivity = report.sensitivity_rows()
    pages.heading(_("Summary (収支試算)"), rows=min(KEEP_ROWS, len(summary)))
    for text, value in summary:
        pages.row([(LEFT, text, "left"), (RIGHT, value, "right")])
    pages.heading(_("Yearly income by line (年間収入)"), rows=min(KEEP_ROWS, len(income)))
    pages.bars(income)
    pages.heading(_("Yearly costs by line (年間費用)"), rows=min(KEEP_ROWS, len(costs)))
    pages.bars(costs)
    pages.heading(_("Yearly usage (年間利用量)"), rows=min(KEEP_ROWS, len(usage)))
    for text, value in usage:
        pages.row([(LEFT, text, "left"), (RIGHT, value, "right")])
    # the table's head row and its first rows
    pages.heading(str(SENSITIVITY_HEADING), rows=1 + min(KEEP_ROWS, len(sensitivity)))
    pages.row(
        [(LEFT, _("input (入力)"), "left"), (RIGHT - 30, "−20 %", "right"), (RIGHT, "+20 %", "right")], font=GOTHIC
    )
    for group, text, minus, plus in sensitivity:
        pages.row(
            [(LEFT, f"{text} [{group}]", "left"), (RIGHT - 30, f"{minus:+,}", "right"), (RIGHT, f"{plus:+,}", "right")],
            size=8.5,
        )
    pages.heading(_("Inputs and their sources (入力値と出典)"), rows=min(KEEP_ROWS, 2 * len(report.inputs)))
    for entry in report.inputs:
        pages.row([(LEFT, entry.label, "left"), (RIGHT, entry.shown, "right")], size=8.5)
        for line in wrap(source_text(entry), MINCHO, 7.5, (RIGHT - LEFT - 6) * 2.8346):
            pages.row([(LEFT + 6, line, "left")], size=7.5)
    pages.finish()
    c.save()
    return buffer.getvalue()
