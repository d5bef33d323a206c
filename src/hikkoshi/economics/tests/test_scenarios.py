"""Scenarios in the database: usage entered or measured, validation, the Sapporo example, and the
staff page with its CSV and PDF."""

import csv
from datetime import date
from decimal import Decimal as D
import io
from pathlib import Path
import re

from django.conf import settings
from django.core.exceptions import ValidationError
import pytest

from hikkoshi.charts import hbar_chart
from hikkoshi.documents.tests import pdftools
from hikkoshi.economics import model, report, usage
from hikkoshi.economics.models import CostLine, IncomeLine, Scenario, UsageFigure

ALONE = "札幌（例）単独 / Sapporo example: the portal alone"
REGIONAL = "札幌（例）地域情報ポータルに組み込み / Sapporo example: inside a regional portal"
FEDERATED = "札幌（例）3ポータル共同利用 / Sapporo example: shared by 3 federated portals"


def test_entered_usage_from_the_citys_counts():
    figures = {
        "moves_in": D(60_000),
        "moves_out": D(60_000),
        "moves_within": D(100_000),
        "uptake_percent": D(5),
        "applications_per_move": D(5),
        "calls_per_move": D("0.1"),
        "agency_percent": D(10),
        "stores": D(30),
    }
    result = usage.entered_usage(figures)
    # (60,000 + 60,000 + 100,000) × 5 % = 11,000 moves; × 5 = 55,000 applications; × 0.1 = 1,100 calls
    assert result["moves"] == 11_000
    assert result["applications"] == 55_000
    assert result["calls"] == 1_100
    # 10 % of the moves entered by agencies; the stores as entered
    assert result["agency_moves"] == 1_100
    assert result["stores"] == 30


class FakeStatistics:
    """Stands for hikkoshi.stats.selectors.period_totals: records how it was called."""

    def __init__(self, totals):
        self.totals = totals
        self.calls = []

    def __call__(self, start, end, *, region=None, include_simulated=True):
        self.calls.append((start, end, region, include_simulated))
        return self.totals


def test_measured_usage_scales_the_period_to_a_year():
    fake = FakeStatistics({"moves_submitted": 10, "procedures_delivered": 40, "visits": 200, "moves_by_agency": 2})
    # 1 January to 14 March 2026, both included: 31 + 28 + 14 = 73 days; 365 ÷ 73 = 5
    result = usage.measured_usage(date(2026, 1, 1), date(2026, 3, 14), region="01100", source=fake)
    assert fake.calls == [(date(2026, 1, 1), date(2026, 3, 14), "01100", True)]
    assert (result["moves"], result["applications"], result["page_views"], result["agency_moves"]) == (
        50,
        200,
        1000,
        10,
    )


@pytest.mark.django_db
def test_measured_scenario_keeps_the_entered_agencies_and_organisations():
    scenario = Scenario.objects.create(
        name="measured",
        usage_basis="measured",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 14),
        include_simulated=True,
    )
    UsageFigure.objects.create(scenario=scenario, item="organisations", value=5, source="counted")
    UsageFigure.objects.create(scenario=scenario, item="moves_in", value=1_000, source="x")
    fake = FakeStatistics({"moves_submitted": 10})
    result = usage.scenario_usage(scenario, source=fake)
    assert result.measured and not result.message
    assert result.usage["moves"] == 50  # measured, not the 1,000 entered
    assert result.usage["organisations"] == 5
    assert fake.calls == [(date(2026, 1, 1), date(2026, 3, 14), None, True)]


@pytest.mark.django_db
def test_without_the_statistics_app_the_entered_usage_is_used_and_said(monkeypatch):
    monkeypatch.setattr(usage, "STATS_SELECTORS", "hikkoshi.no_statistics_here")
    scenario = Scenario.objects.create(
        name="measured", usage_basis="measured", period_start=date(2026, 1, 1), period_end=date(2026, 1, 31)
    )
    UsageFigure.objects.create(scenario=scenario, item="moves_in", value=1_000, source="x")
    UsageFigure.objects.create(scenario=scenario, item="uptake_percent", value=10, assumption=True)
    result = usage.scenario_usage(scenario)
    assert not result.measured
    assert result.usage["moves"] == 100
    assert "hikkoshi.stats" in result.message and "利用統計" in result.message
    with pytest.raises(usage.StatisticsUnavailable):
        usage.measured_usage(date(2026, 1, 1), date(2026, 1, 31))


@pytest.mark.django_db
def test_a_number_needs_a_source_or_to_be_an_assumption():
    scenario = Scenario.objects.create(name="s")
    line = CostLine(scenario=scenario, item="operation", amount=D(1), source="  ")
    with pytest.raises(ValidationError) as error:
        line.full_clean()
    assert "source" in error.value.message_dict
    line.assumption = True
    line.full_clean()


def test_scenario_kind_and_period_are_checked():
    with pytest.raises(ValidationError) as error:
        Scenario(name="r", kind="regional", shared_percent=D(0)).clean()
    assert "shared_percent" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Scenario(name="m", usage_basis="measured", period_start=date(2026, 2, 1), period_end=date(2026, 1, 1)).clean()
    assert "period_end" in error.value.message_dict


@pytest.mark.django_db
def test_the_sapporo_example_names_a_source_or_an_assumption_for_every_number():
    scenarios = Scenario.objects.filter(name__in=[ALONE, REGIONAL, FEDERATED])
    assert scenarios.count() == 3
    for scenario in scenarios:
        figures = [*scenario.costs.all(), *scenario.income.all(), *scenario.usage.all()]
        assert figures
        for figure in figures:
            assert figure.source.strip(), figure
            assert figure.assumption or "開発実証事業" in figure.source, figure
        # no yen figure is presented as sourced: the source document has none
        assert all(line.assumption for line in [*scenario.costs.all(), *scenario.income.all()])
        assert not scenario.usage.get(item="organisations").assumption


@pytest.mark.django_db
def test_the_sapporo_example_results():
    alone = report.build(Scenario.objects.get(name=ALONE)).result
    # moves (60,000 + 60,000 + 100,000) × 5 % = 11,000
    # costs: 12,000,000 + 1,200,000 + 5 × 100,000 + 1,100 calls × 800 + 3,300 fax pages × 10
    #        + 33,000 mails × 1 + 3,300 forms × 150 = 15,141,000
    # income: 55,000 × 100 + 30 stores × 3,000 × 12 + 1,100 × 500 + 220,000 views ÷ 1,000 × 300 = 7,196,000
    assert (alone.total_costs, alone.total_income, alone.balance) == (15_141_000, 7_196_000, -7_945_000)
    assert alone.payback_years is None
    # per move: income 500 + 50 + 6 = 556, variable cost 80 + 3 + 3 + 45 = 131, margin 425;
    # (13,700,000 − 1,080,000) ÷ 425 = 29,694.1 → 29,695
    assert alone.break_even_moves == 29_695
    regional = report.build(Scenario.objects.get(name=REGIONAL)).result
    # half of operation and hosting: 15,141,000 − 6,600,000 = 8,541,000; 7,196,000 − 8,541,000
    assert regional.balance == -1_345_000
    federated = report.build(Scenario.objects.get(name=FEDERATED)).result
    # a third: 15,141,000 − 8,800,000 = 6,341,000; balance 855,000; 10,000,000 ÷ 855,000 = 11.7 years
    assert federated.balance == 855_000
    assert federated.payback_years == D("11.7")


def test_chart_escapes_labels_and_draws_negative_bars_left_of_zero():
    svg = str(hbar_chart([("<script>", -50), ("b", 100)], labelledby="c", title="T <b>", description="D"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "T &lt;b&gt;" in svg
    assert 'role="img"' in svg and 'aria-labelledby="c"' in svg and 'aria-describedby="c-desc"' in svg
    assert '<desc id="c-desc">D</desc>' in svg
    negative, positive = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*fill="(#\w+)"', svg)
    # the zero line at a third: -50 ends where 100 starts; the negative bar red, half as long
    assert negative[2] == "#b3261e" and positive[2] == "#1f5fa8"
    assert float(negative[0]) + float(negative[1]) == pytest.approx(float(positive[0]), abs=0.1)
    assert float(positive[1]) == pytest.approx(2 * float(negative[1]), abs=0.1)


@pytest.mark.django_db
def test_staff_page_shows_tables_and_charts(admin_client):
    scenario = Scenario.objects.get(name=ALONE)
    page = admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results/").content.decode()
    assert page.count('<svg class="chart chart-h" role="img"') == 3
    for heading in ("income", "costs", "sensitivity"):  # each chart named by its section's heading
        assert f'<h2 id="{heading}">' in page and f'aria-labelledby="{heading}"' in page
    assert "単年度収支" in page and "-7,945,000" in page
    assert "<table" in page and "仮定" in page
    chart = page.split('class="chart chart-h"', 1)[1].split("</svg>", 1)[0]
    assert "<script" not in chart and "<title" in chart and "<desc" in chart


@pytest.mark.django_db
def test_results_are_for_staff_only(client):
    scenario = Scenario.objects.get(name=ALONE)
    for suffix in ("results/", "results.csv", "results.pdf"):
        response = client.get(f"/admin/economics/scenario/{scenario.pk}/{suffix}")
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_csv_export(admin_client):
    scenario = Scenario.objects.get(name=ALONE)
    response = admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # a spreadsheet reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    summary = {row[1]: row[2] for row in rows if row[0] == "summary"}
    assert summary["単年度収支 (Single-year balance)"] == "-7945000"
    costs = {row[1]: row[2] for row in rows if row[0] == "cost"}
    assert costs["年間運用経費 (Operation per year)"] == "12000000"
    sources = [row[3] for row in rows if row[0] == "input"]
    assert all(sources)


@pdftools.needs_poppler
@pytest.mark.django_db
def test_pdf_export_reads_back(admin_client):
    scenario = Scenario.objects.get(name=FEDERATED)
    response = admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdftools.squeezed(response.content)
    assert "単年度収支" in text and "855,000" in text
    assert "開発費用回収見込み" in text and "11.7" in text
    assert "感度分析" in text and "出典" in text
    assert {font["name"].split("+")[-1] for font in pdftools.fonts(response.content)} <= {"IPAexMincho", "IPAexGothic"}


def test_model_has_no_django():
    assert "django" not in Path(model.__file__).read_text(encoding="utf-8")


@pytest.mark.django_db
def test_csv_cells_are_never_spreadsheet_formulas():
    scenario = Scenario.objects.create(name="=HYPERLINK(1)")
    CostLine.objects.create(scenario=scenario, item="operation", amount=D(1), source="@SUM(A1)")
    rows = list(csv.reader(io.StringIO(report.to_csv(report.build(scenario)))))
    assert rows[0][1] == "'=HYPERLINK(1)"
    assert [row[3] for row in rows if row[0] == "input"] == ["'@SUM(A1)"]
    # a negative amount stays a number
    assert [row[2] for row in rows if row[0] == "summary"][3] == "-1"


@pytest.mark.django_db
def test_staff_without_the_view_permission_get_no_results(django_user_model):
    from django.test import Client

    from hikkoshi.accounts.tests.conftest import add_totp, make_user, totp_code

    user = make_user(django_user_model, "clerk@example.jp", is_staff=True)
    secret = add_totp(user)
    client = Client()
    client.force_login(user)
    client.post("/accounts/2fa/reauthenticate/", {"code": totp_code(secret)})
    scenario = Scenario.objects.get(name=ALONE)
    for suffix in ("results/", "results.csv", "results.pdf"):
        assert client.get(f"/admin/economics/scenario/{scenario.pk}/{suffix}").status_code == 403


@pytest.mark.django_db
def test_measured_results_say_when_simulated_activity_is_included(admin_client, monkeypatch):
    fake = FakeStatistics({"moves_submitted": 10})
    monkeypatch.setattr(usage, "statistics_source", lambda: fake)
    scenario = Scenario.objects.create(
        name="m",
        usage_basis="measured",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 14),
        include_simulated=True,
    )
    page = admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results/").content.decode()
    assert "シミュレーションを含む" in page
    # 10 moves in 73 days: 50 a year
    assert "50" in page.split("引越し件数/年", 1)[1][:200]
    assert "シミュレーションを含む" in pdftools.squeezed(
        admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results.pdf").content
    )


def test_an_assumption_is_said_once_beside_its_reasoning(admin_client):
    from hikkoshi.economics.models import Scenario

    scenario = Scenario.objects.get(name__contains="単独")
    html = admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results/").content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "仮定 / assumption" in text
    assert "仮定 / assumption — 仮定" not in text


@pytest.mark.django_db
def test_the_sensitivity_heading_is_japanese_first_on_the_japanese_page(admin_client):
    scenario = Scenario.objects.get(name=ALONE)
    page = admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results/", HTTP_ACCEPT_LANGUAGE="ja").content
    assert '<h2 id="sensitivity">感度分析 (Sensitivity: the balance&#x27;s change with each input ±20 %)</h2>' in (
        page.decode()
    )
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results/").content.decode()
    assert "Sensitivity: the balance&#x27;s change with each input ±20 % (感度分析)" in english


def _empty_measured_scenario(monkeypatch, **fields):
    empty = FakeStatistics({"moves_submitted": 0, "visits": 0, "procedures_delivered": 0})
    monkeypatch.setattr(usage, "statistics_source", lambda: empty)
    scenario = Scenario.objects.create(
        name="measured, empty",
        usage_basis="measured",
        period_start=date(2026, 4, 1),
        period_end=date(2026, 4, 30),
        **fields,
    )
    # enough to break even and pay back if the zeros were taken for measured usage
    CostLine.objects.create(scenario=scenario, item="development", amount=D(1_000_000), assumption=True)
    IncomeLine.objects.create(scenario=scenario, item="contribution", amount=D(2_000_000), assumption=True)
    return scenario


@pytest.mark.django_db
def test_a_measured_period_without_statistics_is_said_and_gives_no_break_even_nor_payback(admin_client, monkeypatch):
    scenario = _empty_measured_scenario(monkeypatch, region="01100")
    rep = report.build(scenario)
    assert rep.usage.measured and rep.usage.empty
    assert "2026-04-01 – 2026-04-30" in rep.usage.message and "01100" in rep.usage.message
    assert rep.usage.message.index("利用統計がありません") < rep.usage.message.index("No statistics")
    summary = dict(rep.summary())
    assert (
        summary["損益分岐件数/年 (Break-even volume, moves per year)"]
        == summary["開発費用回収見込み・年 (Years to pay back development)"]
    )
    assert "統計なし" in summary["開発費用回収見込み・年 (Years to pay back development)"]
    assert "0.5" not in summary.values()  # 1,000,000 ÷ 2,000,000 would be presented as measured

    html = admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results/").content.decode()
    warning = html.split('class="errornote"', 1)[1].split("</p>", 1)[0]
    assert "2026-04-01 – 2026-04-30" in warning and "利用統計がありません" in warning and "No statistics" in warning
    rows = list(
        csv.reader(
            io.StringIO(
                admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results.csv").content.decode("utf-8-sig")
            )
        )
    )
    assert rows[1][0] == "warning" and "2026-04-01 – 2026-04-30" in rows[1][1]
    assert [row[2] for row in rows if row[0] == "summary" and "回収" in row[1]] != ["0.5"]


@pdftools.needs_poppler
@pytest.mark.django_db
def test_the_pdf_says_when_the_measured_period_has_no_statistics(admin_client, monkeypatch):
    scenario = _empty_measured_scenario(monkeypatch)
    text = pdftools.squeezed(admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results.pdf").content)
    assert "利用統計がありません" in text and "2026-04-01" in text and "2026-04-30" in text
    assert "統計なし" in text


@pytest.mark.django_db
def test_a_measured_period_with_statistics_gives_no_warning():
    scenario = Scenario.objects.create(
        name="m", usage_basis="measured", period_start=date(2026, 1, 1), period_end=date(2026, 1, 31)
    )
    result = usage.scenario_usage(scenario, source=FakeStatistics({"visits": 3}))
    assert result.measured and not result.empty and not result.message


@pytest.mark.django_db
@pytest.mark.parametrize("item", ["uptake_percent", "agency_percent"])
def test_a_percentage_above_100_is_refused_naming_the_field(item):
    scenario = Scenario.objects.create(name="s")
    figure = UsageFigure(scenario=scenario, item=item, value=D(101), assumption=True)
    with pytest.raises(ValidationError) as error:
        figure.full_clean()
    (message,) = error.value.message_dict["value"]
    label = str(UsageFigure(item=item).get_item_display())
    assert label in message and "0 以上 100 以下" in message and "0 to 100" in message
    assert message.index("以下") < message.index("percentage")  # Japanese first
    figure.value = D(100)
    figure.full_clean()
    # other usage figures are counts, not percentages
    UsageFigure(scenario=scenario, item="moves_in", value=D(50_000), assumption=True).full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("share", ["100.01", "-1"])
def test_the_regional_share_is_a_percentage_naming_the_field(share):
    with pytest.raises(ValidationError) as error:
        Scenario(name="r", kind="regional", shared_percent=D(share)).full_clean()
    (message,) = error.value.message_dict["shared_percent"]  # one message, not two
    assert "地域情報ポータルの負担割合" in message and "Share borne by the regional portal" in message
    Scenario(name="r", kind="regional", shared_percent=D(100)).full_clean()


@pytest.mark.django_db
def test_the_admin_refuses_a_percentage_above_100_and_keeps_what_was_typed(admin_client):
    scenario = Scenario.objects.create(name="typed")
    form = {
        "name": "typed",
        "kind": "standalone",
        "shared_percent": "0",
        "portals": "3",
        "note": "",
        "usage_basis": "entered",
        "region": "",
        "costs-TOTAL_FORMS": "0",
        "costs-INITIAL_FORMS": "0",
        "income-TOTAL_FORMS": "0",
        "income-INITIAL_FORMS": "0",
        "usage-TOTAL_FORMS": "1",
        "usage-INITIAL_FORMS": "0",
        "usage-0-item": "uptake_percent",
        "usage-0-value": "150",
        "usage-0-source": "市の統計 2025",
    }
    response = admin_client.post(f"/admin/economics/scenario/{scenario.pk}/change/", form)
    assert response.status_code == 200  # shown again, not saved
    html = response.content.decode()
    assert "0 以上 100 以下" in html and "0 to 100" in html
    assert 'name="usage-0-value" value="150"' in html and "市の統計 2025" in html
    assert not scenario.usage.exists()
    form["usage-0-value"] = "15"
    assert admin_client.post(f"/admin/economics/scenario/{scenario.pk}/change/", form).status_code == 302
    assert scenario.usage.get().value == 15


@pdftools.needs_poppler
@pytest.mark.django_db
@pytest.mark.parametrize("name", [ALONE, REGIONAL, FEDERATED])
def test_the_pdfs_sensitivity_heading_stays_with_its_table(admin_client, name):
    scenario = Scenario.objects.get(name=name)
    data = admin_client.get(f"/admin/economics/scenario/{scenario.pk}/results.pdf").content
    first_rows = [f"{text} [{group}]" for group, text, _minus, _plus in report.build(scenario).sensitivity_rows()[:3]]
    pages = [pdftools.squeezed(data, page=n) for n in range(1, len(pdftools.page_sizes(data)) + 1)]
    (page,) = [page for page in pages if "感度分析(Sensitivity" in page]
    assert "入力(input)" in page.split("感度分析(Sensitivity", 1)[1]
    for row in first_rows:
        assert re.sub(r"\s+", "", row) in page, row


class RecordingSheet:
    """Stands for the PDF's sheet: which page each text is written on."""

    def __init__(self):
        self.page, self.texts, self.c = 1, [], self

    def showPage(self):  # noqa: N802 (reportlab's name)
        self.page += 1

    def text(self, x, t, text, **kw):
        self.texts.append((self.page, text))

    def line(self, *args, **kw):
        pass

    def footer(self, *args):
        pass


def test_a_pdf_heading_is_never_left_alone_at_the_foot_of_a_page():
    from hikkoshi.economics import pdf

    for tenth in range(200, int(pdf.BOTTOM * 10) + 1):  # the heading at every height of the page
        sheet = RecordingSheet()
        pages = pdf.Pages(sheet, "title")
        pages.t = tenth / 10
        pages.heading("heading", rows=4)
        pages.row([(0, "head row", "left")])
        for n in range(10):
            pages.row([(0, f"row {n}", "left")])
        where = {text: page for page, text in sheet.texts}
        assert where["heading"] == where["head row"] == where["row 0"] == where["row 2"], pages.t


def test_every_line_names_its_item_by_its_own_choices():
    from hikkoshi.economics.models import CostItem, Figure, IncomeItem, Line, UsageItem

    assert str(CostLine(item=CostItem.HOSTING)) == str(CostItem.HOSTING.label)
    assert str(IncomeLine(item=IncomeItem.FEE)) == str(IncomeItem.FEE.label)
    assert str(UsageFigure(item=UsageItem.UPTAKE)) == str(UsageItem.UPTAKE.label)
    # the fields said once, in the abstract bases: the same column in every table
    assert CostLine._meta.get_field("amount").deconstruct() == IncomeLine._meta.get_field("amount").deconstruct()
    for line in (CostLine, IncomeLine, UsageFigure):
        assert issubclass(line, Figure) and line._meta.get_field("item").choices
        assert line._meta.get_field("source").deconstruct() == Figure._meta.get_field("source").deconstruct()
    assert Line._meta.abstract and Figure._meta.abstract


@pytest.mark.django_db
def test_a_negative_amount_or_value_is_refused_saying_so_in_both_languages():
    scenario = Scenario.objects.create(name="s")
    for figure, field in (
        (CostLine(scenario=scenario, item="operation", amount=D(-1), assumption=True), "amount"),
        (IncomeLine(scenario=scenario, item="contribution", amount=D(-1), assumption=True), "amount"),
        (UsageFigure(scenario=scenario, item="uptake_percent", value=D(-5), assumption=True), "value"),
    ):
        with pytest.raises(ValidationError) as error:
            figure.full_clean()
        (message,) = error.value.message_dict[field]  # one message, not the validator's and a percentage's
        assert "0 以上" in message and "0 or more" in message and "-" in message
