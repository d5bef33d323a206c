"""The evaluation report (実証評価レポート) as an A4 PDF: IPAex as every PDF of the portal
(``hikkoshi.documents.fonts``), drawn with the business model's page helper (``pdf.Pages``); the
charts are drawn on the page with the same ticks as the dashboard's SVG (``hikkoshi.charts``).

Headings are Japanese first with English beside them. When any figure includes simulated
activity, every page says so at its top and in its footer.
"""

from collections.abc import Sequence
from datetime import date
import io

from django.utils import timezone, translation

from hikkoshi.charts import nice_top, tick_indices
from hikkoshi.documents.fonts import GOTHIC, MINCHO
from hikkoshi.documents.layout import Sheet, new_canvas, wrap

from .evaluation import DeliveryTime, Evaluation, Row, duration_text
from .pdf import LEFT, RIGHT, ROW, Pages

TITLE = "実証評価レポート / Evaluation report"
SIMULATED = (
    "※ 模擬データを含みます（hikkoshi stats simulate）。実測値ではありません / Includes simulated data: not measured"
)
NUMBER_W = 26.0  # mm of each number column


class ReportPages(Pages):
    def __init__(self, sheet: Sheet, title: str, *, simulated: bool):
        super().__init__(sheet, title)
        self.simulated = simulated

    def page_started(self) -> None:
        if self.simulated:
            self.sheet.text(LEFT, 13, SIMULATED, font=GOTHIC, size=8, gray=0.2)

    def _footer(self) -> None:
        left = self.title + ("  ／ 模擬データを含む / includes simulated data" if self.simulated else "")
        self.sheet.footer(left, f"{self.page}")

    def note(self, text: str, *, size: float = 8) -> None:
        for line in wrap(text, MINCHO, size, (RIGHT - LEFT) * 2.8346):
            self.row([(LEFT, line, "left")], size=size)

    def subheading(self, text: str) -> None:
        """A table's title, kept on a page with the table's head and first rows."""
        self.need(ROW * 4)
        self.row([(LEFT, text, "left")], font=GOTHIC, size=9)

    def table(self, rows: Sequence[Row], *, total: int | None = None, empty: str = "") -> None:
        """A row per line: label, a bar, count, share of ``total`` and of which simulated."""
        self.need(ROW * 3)
        if not rows:
            self.note(empty or "この期間の記録はありません / nothing counted in this period")
            return
        total = total if total is not None else sum(row.count for row in rows)
        label_w, bar_w = 74.0, RIGHT - LEFT - 78 - 3 * NUMBER_W
        self.row(
            [
                (LEFT, "項目 / item", "left"),
                (RIGHT - 2 * NUMBER_W, "件数 / count", "right"),
                (RIGHT - NUMBER_W, "割合 / share", "right"),
                (RIGHT, "うち模擬 / simulated", "right"),
            ],
            font=GOTHIC,
            size=6.5,
        )
        top = max(row.count for row in rows) or 1
        for row in rows:
            self.need(ROW)
            self.sheet.fit(LEFT, self.t - 4, label_w, ROW, row.label, size=8.5, min_size=6, pad=0)
            width = bar_w * row.count / top
            if width > 0:
                self.sheet.rect(LEFT + label_w + 2, self.t - 3.4, width, 3.6, fill=0.3, stroke=False)
            share = f"{100 * row.count / total:.1f} %" if total else "—"
            for x, text in (
                (RIGHT - 2 * NUMBER_W, f"{row.count:,}"),
                (RIGHT - NUMBER_W, share),
                (RIGHT, f"{row.simulated:,}"),
            ):
                self.sheet.text(x, self.t, text, size=8.5, align="right")
            self.t += ROW

    def columns(self, title: str, series: Sequence[tuple[date, int]], *, height: float = 38.0) -> None:
        """A bar per day, a count axis with round ticks and a few dates beneath, both axes named."""
        self.need(height + 28)
        self.t += 2
        self.sheet.text(LEFT, self.t, title, font=GOTHIC, size=9)
        self.t += 4.5
        self.sheet.text(LEFT, self.t, "件数 / count", size=6.5)
        self.t += 3
        axis_x = LEFT + 14
        width = RIGHT - axis_x
        top = nice_top(max((n for _d, n in series), default=0))
        base = self.t + height
        for i in range(5):
            value = top * i // 4
            y = base - height * i / 4
            self.sheet.line(axis_x, y, RIGHT, y, width=0.2, gray=0.75)
            self.sheet.text(axis_x - 1.2, y + 1, f"{value:,}", size=6.5, align="right")
        step = width / max(1, len(series))
        for i, (_day, n) in enumerate(series):
            h = height * n / top
            if h > 0:
                self.sheet.rect(axis_x + i * step, base - h, max(0.2, step * 0.85), h, fill=0.3, stroke=False)
        self.sheet.line(axis_x, base, RIGHT, base, width=0.5)
        self.sheet.line(axis_x, self.t, axis_x, base, width=0.5)
        for i in tick_indices(len(series)):
            x = axis_x + i * step + step * 0.425
            self.sheet.line(x, base, x, base + 1, width=0.4)
            self.sheet.text(x, base + 4, f"{series[i][0]:%Y-%m-%d}", size=6.5, align="center")
        self.sheet.text(axis_x + width / 2, base + 8.5, "日付 / day", size=7, align="center")
        self.t = base + 13


def render(evaluation: Evaluation) -> bytes:
    with translation.override("ja"):
        return _render(evaluation)


def _render(ev: Evaluation) -> bytes:
    period = f"{ev.start:%Y-%m-%d} – {ev.end:%Y-%m-%d}"
    title = f"{TITLE} {period}"
    buffer = io.BytesIO()
    c = new_canvas(buffer, title)
    sheet = Sheet(c)
    simulated = ev.has_simulated
    pages = ReportPages(sheet, title, simulated=simulated)
    pages.page_started()
    sheet.text(LEFT, pages.t, "実証評価レポート", font=GOTHIC, size=18)
    pages.t += 7
    sheet.text(LEFT, pages.t, "Evaluation report", font=GOTHIC, size=11)
    pages.t += 7
    days = (ev.end - ev.start).days + 1
    pages.row([(LEFT, f"期間 / period: {period}（{days}日間 / {days} days）", "left")], font=GOTHIC, size=10)
    basis = (
        "実測値と模擬データ / measured and simulated figures"
        if ev.include_simulated
        else "実測値のみ / measured figures only"
    )
    pages.row([(LEFT, f"集計の対象 / figures: {basis}", "left")], size=8.5)
    pages.row([(LEFT, "対象地域 / area: ポータル全体 / the whole portal", "left")], size=8.5)
    pages.row([(LEFT, f"作成日 / printed: {timezone.localdate():%Y-%m-%d}", "left")], size=8.5)
    pages.note(
        "利用統計は個人データを含まない日別の件数です（名前・住所・連絡先・利用者を記録しません）。 / "
        "The statistics are daily counts without personal data (no name, address, contact or user is kept)."
    )

    pages.heading("1. 利用状況 / Usage by service")
    pages.table(ev.usage, total=0)
    pages.columns("ページ閲覧（日別） / page views by day", ev.visits_by_day)
    pages.columns("引越し手続の申請（日別） / moves submitted by day", ev.moves_by_day)
    pages.subheading("手続の開始（入力者別） / moves started by who entered them")
    pages.table(ev.started_by_entered_by)
    pages.subheading("申請（入力者別） / moves submitted by who entered them")
    pages.table(ev.moves_by_entered_by)
    pages.subheading("事業者情報検索の種別 / provider searches by category")
    pages.table(ev.searches_by_category)

    pages.heading("2. 引越しの種類 / Move kinds")
    pages.table(ev.kinds)

    pages.heading("3. 送達された手続の経路 / Channel mix of delivered procedures")
    pages.table(ev.channels)

    pages.heading("4. 送達の成否と所要時間 / Delivery success and time to deliver")
    rate = f"{ev.success_rate:.1f} %" if ev.success_rate is not None else "—"
    for text, value in (
        ("送達 / delivered", f"{ev.delivered:,}"),
        ("失敗 / failed", f"{ev.failed:,}"),
        ("再試行 / retries", f"{ev.retries:,}"),
        ("成功率（送達÷(送達＋失敗)） / success rate (delivered ÷ (delivered + failed))", rate),
    ):
        pages.row([(LEFT, text, "left"), (RIGHT, value, "right")], size=9)
    _times(pages, ev.delivery_times)

    pages.heading("5. 失敗とその理由 / Failures and their reasons")
    pages.subheading("送達の失敗（理由別） / delivery failures by reason")
    pages.table(ev.failure_reasons)
    pages.subheading("送達の失敗（経路別） / delivery failures by channel")
    pages.table(ev.failure_channels)
    pages.subheading("送達の再試行（理由別） / delivery retries by reason")
    pages.table(ev.retry_reasons)
    pages.subheading("その他の失敗 / other failures")
    pages.table(ev.other_failures, total=0)

    pages.heading("6. 満足度アンケート / Satisfaction survey")
    _survey(pages, ev)

    pages.heading("7. 連携ポータルとの間 / Partner-portal traffic")
    pages.subheading("事業者情報検索の出所 / provider searches by origin")
    pages.table(ev.partner)
    pages.subheading("連携ポータルからの引継ぎ / hand-overs in")
    pages.table(ev.handoffs_in)
    pages.subheading("連携ポータルへの引継ぎ / hand-overs out")
    pages.table(ev.handoffs_out)

    pages.heading("8. ビジネスモデルの収支 / Balance of the business-model scenario")
    _balance(pages, ev)
    pages.finish()
    c.save()
    return buffer.getvalue()


def _times(pages: ReportPages, times: list[DeliveryTime]) -> None:
    pages.subheading("送達までの時間（申請から送達まで） / time to deliver (submission to delivery)")
    if not times:
        pages.note(
            "この期間に送達記録はありません（模擬データには送達記録がなく、所要時間は測れません）。 / "
            "No delivery records in this period (simulated activity has none: its time to deliver is not measured)."
        )
        return
    pages.row(
        [
            (LEFT, "経路 / channel", "left"),
            (RIGHT - 3 * 30, "件数 / count", "right"),
            (RIGHT - 2 * 30, "中央値 / median", "right"),
            (RIGHT - 30, "平均 / mean", "right"),
            (RIGHT, "90%点 / 90th pct.", "right"),
        ],
        font=GOTHIC,
        size=7.5,
    )
    for t in times:
        pages.row(
            [
                (LEFT, t.label, "left"),
                (RIGHT - 3 * 30, f"{t.count:,}", "right"),
                (RIGHT - 2 * 30, duration_text(t.median), "right"),
                (RIGHT - 30, duration_text(t.mean), "right"),
                (RIGHT, duration_text(t.p90), "right"),
            ],
            size=8,
        )
    pages.note(
        "送達記録（経路と日時のみ）から集計した実測値です。模擬データは含みません。 / "
        "Measured from the delivery records (channel and times only); simulated activity is not included."
    )


def _survey(pages: ReportPages, ev: Evaluation) -> None:
    survey = ev.survey
    if not survey["answers"]:
        pages.note("この期間の回答はありません / no answers in this period")
        return
    pages.row(
        [(LEFT, f"回答数 / answers: {survey['answers']:,}　平均 / average: {survey['average']} / 5", "left")],
        size=9,
    )
    names = {
        5: "とても満足 / very satisfied",
        4: "満足 / satisfied",
        3: "ふつう / neutral",
        2: "不満 / unsatisfied",
        1: "とても不満 / very unsatisfied",
    }
    pages.table([Row(f"{level} {names[level]}", n, s) for level, n, s in survey["levels"]])
    pages.note(
        "自由記述は、個人に関わる内容を含みうるためこのレポートには載せません（管理画面で確認できます）。 / "
        "Comments are not printed here: they may hold personal matters (see the dashboard)."
    )


def _balance(pages: ReportPages, ev: Evaluation) -> None:
    if ev.scenario_hidden:
        pages.note("シナリオを閲覧する権限がないため省略しました / left out: no permission to view scenarios")
        return
    if ev.scenario is None or ev.entered is None or ev.measured is None:
        pages.note("シナリオがありません（管理画面のビジネスモデルで作成） / no scenario (make one in the admin)")
        return
    pages.row([(LEFT, f"シナリオ / scenario: {ev.scenario.name}", "left")], font=GOTHIC, size=9)
    pages.row([(LEFT, f"種類 / kind: {ev.scenario.get_kind_display()}", "left")], size=8.5)
    pages.row(
        [
            (LEFT, "金額は円 / amounts in yen", "left"),
            (RIGHT - 40, "シナリオの利用量 / as entered", "right"),
            (RIGHT, "この期間の実績 / this period", "right"),
        ],
        font=GOTHIC,
        size=7.5,
    )
    for (text, entered), (_text, measured) in zip(ev.entered.summary(), ev.measured.summary()):
        pages.need(ROW)
        pages.sheet.fit(LEFT, pages.t - 4, RIGHT - LEFT - 82, ROW, text, size=8.5, min_size=6, pad=0)
        pages.sheet.text(RIGHT - 40, pages.t, entered, size=8.5, align="right")
        pages.sheet.text(RIGHT, pages.t, measured, size=8.5, align="right")
        pages.t += ROW
    note = (
        "「シナリオの利用量」はシナリオに入力された（または設定された）利用量、「この期間の実績」は"
        "この期間の利用統計を1年に換算した利用量での試算です（事業者数・店舗数は入力値）。 / "
        "'As entered': the scenario's own usage; 'this period': the statistics of this period scaled "
        "to a year (agencies, stores and organisations as entered)."
    )
    if ev.include_simulated and ev.has_simulated:
        note += " 実績には模擬データを含みます / the period's figures include simulated data."
    pages.note(note)
