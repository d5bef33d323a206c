"""A scenario's results put together for the page, the CSV and the PDF."""

import csv
from dataclasses import dataclass
from decimal import Decimal
import io

from django.utils.translation import gettext as _, gettext_lazy

from . import model
from .models import CostItem, IncomeItem, Scenario
from .usage import ScenarioUsage, UsageSource, scenario_usage

YEARLY_USAGE_LABELS = {
    "moves": gettext_lazy("Moves per year (引越し件数/年)"),
    "applications": gettext_lazy("Applications delivered per year (申請数/年)"),
    "calls": gettext_lazy("Call-centre calls per year (電話受付/年)"),
    "fax_pages": gettext_lazy("Fax pages per year (FAX枚数/年)"),
    "mails": gettext_lazy("Mails per year (メール数/年)"),
    "forms_printed": gettext_lazy("Forms printed and posted per year (印刷・郵送数/年)"),
    "page_views": gettext_lazy("Page views per year (ページビュー/年)"),
    "agency_moves": gettext_lazy("Moves entered by agencies per year (代行入力件数/年)"),
    "agencies": gettext_lazy("Agencies using the ASP (代行ASP利用事業者数)"),
    "stores": gettext_lazy("Agency stores using the ASP (代行ASP利用店舗数)"),
    "organisations": gettext_lazy("Receiving organisations (受付事業者数)"),
}
# Said in Python, not in the template: ``{% translate %}`` looks a text holding "%" up with "%%"
# in its msgid, and so never found this one's Japanese.
SENSITIVITY_HEADING = gettext_lazy("Sensitivity: the balance's change with each input ±20 % (感度分析)")
GROUP_LABELS = {
    "cost": gettext_lazy("cost (費用)"),
    "income": gettext_lazy("income (収入)"),
    "usage": gettext_lazy("usage (利用量)"),
}


def label(group: str, item: str) -> str:
    if group == "cost":
        return str(CostItem(item).label)
    if group == "income":
        return str(IncomeItem(item).label)
    return str(YEARLY_USAGE_LABELS[item])


@dataclass(frozen=True)
class Input:
    group: str
    label: str
    value: Decimal
    source: str
    assumption: bool

    @property
    def shown(self) -> str:
        """The value with thousands separators and no trailing zeros (30,000,000; 0.1)."""
        return format(self.value.normalize(), ",f")

    @property
    def source_shown(self) -> str:
        """Where the number comes from, 「仮定 / assumption」 first when it is one (said once)."""
        return source_text(self)


@dataclass(frozen=True)
class Report:
    scenario: Scenario
    usage: ScenarioUsage
    result: model.Result
    inputs: list[Input]

    def summary(self) -> list[tuple[str, str]]:
        r = self.result
        never = _("never (回収・到達しない)")
        if self.usage.empty:
            # Zero usage from an empty period is not a measurement: no break-even or payback from it.
            unmeasured = _("not measured (統計なし)")
            break_even, payback = unmeasured, unmeasured
        else:
            break_even = f"{r.break_even_moves:,}" if r.break_even_moves is not None else never
            payback = f"{r.payback_years}" if r.payback_years is not None else never
        return [
            (_("Moves per year (引越し件数/年)"), f"{model.yen(r.moves):,}"),
            (_("Yearly income (年間収入)"), f"{r.total_income:,}"),
            (_("Yearly costs (年間費用)"), f"{r.total_costs:,}"),
            (_("Single-year balance (単年度収支)"), f"{r.balance:,}"),
            (_("Development, the portal's share (開発費用・自ポータル負担分)"), f"{r.development:,}"),
            (
                _("Cost per move (1件あたり費用)"),
                f"{r.cost_per_move:,}" if r.cost_per_move is not None else _("no moves (件数なし)"),
            ),
            (_("Break-even volume, moves per year (損益分岐件数/年)"), break_even),
            (_("Years to pay back development (開発費用回収見込み・年)"), payback),
        ]

    def cost_rows(self) -> list[tuple[str, int]]:
        return [(label("cost", line.item), line.yen) for line in self.result.costs]

    def income_rows(self) -> list[tuple[str, int]]:
        return [(label("income", line.item), line.yen) for line in self.result.income]

    def usage_rows(self) -> list[tuple[str, str]]:
        return [(str(text), f"{model.yen(self.usage.usage[item]):,}") for item, text in YEARLY_USAGE_LABELS.items()]

    def sensitivity_rows(self) -> list[tuple[str, str, int, int]]:
        return [
            (str(GROUP_LABELS[row.group]), label(row.group, row.item), row.minus, row.plus)
            for row in self.result.sensitivity
        ]


def build(scenario: Scenario, *, source: UsageSource | None = None) -> Report:
    usage = scenario_usage(scenario, source=source)
    result = model.evaluate(scenario.prices(), usage.usage)
    inputs = [
        Input("cost", str(line.get_item_display()), line.amount, line.source, line.assumption)
        for line in scenario.costs.all()
    ]
    inputs += [
        Input("income", str(line.get_item_display()), line.amount, line.source, line.assumption)
        for line in scenario.income.all()
    ]
    inputs += [
        Input("usage", str(figure.get_item_display()), figure.value, figure.source, figure.assumption)
        for figure in scenario.usage.all()
    ]
    return Report(scenario, usage, result, inputs)


def source_text(entry: Input) -> str:
    if entry.assumption and "仮定" not in entry.source:
        return _("仮定 / assumption") + (f" — {entry.source}" if entry.source else "")
    return entry.source


def _text(value: str) -> str:
    """Text a spreadsheet will not take for a formula (=, +, -, @ at the start)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(report: Report) -> str:
    """Sections of rows: summary, costs, income, usage, sensitivity, inputs with their sources."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([_("scenario (シナリオ)"), _text(report.scenario.name), report.scenario.get_kind_display()])
    if report.usage.message:
        w.writerow(["warning", report.usage.message])
    for text, value in report.summary():
        w.writerow(["summary", text, value.replace(",", "")])
    for line_label, amount in report.cost_rows():
        w.writerow(["cost", line_label, amount])
    for line_label, amount in report.income_rows():
        w.writerow(["income", line_label, amount])
    for text, value in report.usage_rows():
        w.writerow(["usage", text, value.replace(",", "")])
    w.writerow(["sensitivity", _("input (入力)"), _("−20 %"), _("+20 %")])
    for group, text, minus, plus in report.sensitivity_rows():
        w.writerow(["sensitivity", f"{text} [{group}]", minus, plus])
    for entry in report.inputs:
        w.writerow(["input", entry.label, entry.value, _text(source_text(entry))])
    return out.getvalue()
