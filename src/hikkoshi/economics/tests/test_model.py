"""The business-model arithmetic against cases computed by hand (the sums are in the comments)."""

from decimal import Decimal as D

import pytest

from hikkoshi.economics import model
from hikkoshi.economics.model import Kind, Prices, Usage

COSTS = {
    "development": D(10_000_000),
    "operation": D(3_000_000),
    "hosting": D(600_000),
    "per_call": D(500),
    "per_fax_page": D(10),
    "per_mail": D(1),
    "per_form": D(200),
    "upkeep_per_organisation": D(50_000),
}
INCOME = {
    "fee_per_application": D(100),
    "asp_per_store_month": D(5_000),
    "asp_per_move": D(300),
    "advertising_per_1000_views": D(400),
    "contribution": D(1_000_000),
}
USAGE = Usage(
    {
        "moves": D(10_000),
        "applications": D(50_000),
        "calls": D(1_000),
        "fax_pages": D(2_000),
        "mails": D(20_000),
        "forms_printed": D(3_000),
        "page_views": D(200_000),
        "agency_moves": D(2_000),
        "stores": D(10),
        "organisations": D(5),
    }
)


def standalone() -> Prices:
    return Prices(costs=COSTS, income=INCOME)


def test_standalone_lines_balance_and_cost_per_move():
    result = model.evaluate(standalone(), USAGE)
    costs = {line.item: line.yen for line in result.costs}
    # operation 3,000,000; hosting 600,000; upkeep 5 × 50,000 = 250,000; calls 1,000 × 500 = 500,000;
    # fax 2,000 × 10 = 20,000; mails 20,000 × 1 = 20,000; forms 3,000 × 200 = 600,000
    assert costs == {
        "operation": 3_000_000,
        "hosting": 600_000,
        "upkeep_per_organisation": 250_000,
        "per_call": 500_000,
        "per_fax_page": 20_000,
        "per_mail": 20_000,
        "per_form": 600_000,
    }
    assert result.total_costs == 4_990_000
    income = {line.item: line.yen for line in result.income}
    # fees 50,000 × 100 = 5,000,000; no agency fee; stores 10 × 5,000 × 12 = 600,000;
    # per agency move 2,000 × 300 = 600,000; ads 200,000 ÷ 1,000 × 400 = 80,000; contribution 1,000,000
    assert income == {
        "fee_per_application": 5_000_000,
        "asp_per_agency_month": 0,
        "asp_per_store_month": 600_000,
        "asp_per_move": 600_000,
        "advertising_per_1000_views": 80_000,
        "contribution": 1_000_000,
    }
    assert result.total_income == 7_280_000
    # 7,280,000 − 4,990,000
    assert result.balance == 2_290_000
    # 4,990,000 ÷ 10,000 moves
    assert result.cost_per_move == D(499)
    assert result.development == 10_000_000
    # 10,000,000 ÷ 2,290,000 = 4.37 years, rounded up to the tenth
    assert result.payback_years == D("4.4")


def test_break_even_volume():
    # fixed costs 3,000,000 + 600,000 + 250,000 = 3,850,000; fixed income 600,000 + 1,000,000 = 1,600,000
    # per move: variable cost 500 × 0.1 + 10 × 0.2 + 1 × 2 + 200 × 0.3 = 114;
    #           income 100 × 5 + 300 × 0.2 + 400 × 20 ÷ 1,000 = 568; margin 454
    # (3,850,000 − 1,600,000) ÷ 454 = 4,955.9 → 4,956 moves
    assert model.break_even_moves(standalone(), USAGE) == 4_956
    # and the balance does cross zero there: −2,250,000 + 4,956 × 454 = +24, with 4,955: −430
    assert model.balance(standalone(), USAGE.with_moves(D(4_956))) >= 0
    assert model.balance(standalone(), USAGE.with_moves(D(4_955))) < 0


def test_regional_portal_bears_a_share_of_the_fixed_costs():
    prices = Prices(kind=Kind.REGIONAL, shared_percent=D(40), costs=COSTS, income=INCOME)
    result = model.evaluate(prices, USAGE)
    # the portal bears 60 %: operation 1,800,000, hosting 360,000; costs 4,990,000 − 1,440,000 = 3,550,000
    assert result.total_costs == 3_550_000
    assert result.balance == 3_730_000
    # development 10,000,000 × 0.6 = 6,000,000; ÷ 3,730,000 = 1.61 → 1.7
    assert result.development == 6_000_000
    assert result.payback_years == D("1.7")


def test_federated_portals_split_the_fixed_costs():
    prices = Prices(kind=Kind.FEDERATED, portals=3, costs=COSTS, income=INCOME)
    result = model.evaluate(prices, USAGE)
    # a third: operation 1,000,000, hosting 200,000; costs 4,990,000 − 2,400,000 = 2,590,000
    assert result.total_costs == 2_590_000
    assert result.balance == 4_690_000
    # development 10,000,000 ÷ 3 = 3,333,333.3 → 3,333,333; ÷ 4,690,000 = 0.71 → 0.8
    assert result.development == 3_333_333
    assert result.payback_years == D("0.8")


def test_never_pays_back_nor_breaks_even_when_a_move_costs_more_than_it_brings():
    prices = Prices(
        costs={"development": D(5_000_000), "operation": D(1_000_000), "per_form": D(200)},
        income={"fee_per_application": D(50)},
    )
    usage = Usage({"moves": D(1_000), "applications": D(2_000), "forms_printed": D(1_000)})
    # per move: income 50 × 2 = 100, variable cost 200 × 1 = 200: margin −100 → never
    assert model.break_even_moves(prices, usage) is None
    # balance 2,000 × 50 − (1,000,000 + 1,000 × 200) = −1,100,000 → never paid back
    assert model.balance(prices, usage) == -1_100_000
    assert model.payback_years(prices, usage) is None
    assert model.cost_per_move(prices, usage) == D(1_200)


def test_break_even_at_zero_when_fixed_income_covers_fixed_costs():
    prices = Prices(
        costs={"operation": D(1_000_000)}, income={"contribution": D(2_000_000), "fee_per_application": D(1)}
    )
    usage = Usage({"moves": D(10), "applications": D(10)})
    assert model.break_even_moves(prices, usage) == 0


def test_no_moves_no_cost_per_move():
    assert model.cost_per_move(standalone(), Usage({})) is None


def test_lines_round_half_up_to_whole_yen():
    prices = Prices(costs={"per_mail": D("0.5")})
    # 3 × 0.5 = 1.5 → 2 yen
    assert {line.item: line.yen for line in model.yearly_costs(prices, Usage({"mails": D(3)}))}["per_mail"] == 2


def test_sensitivity_largest_first():
    rows = model.sensitivity(standalone(), USAGE)
    # fee per application and applications each move income 5,000,000 by ±20 % = ±1,000,000 (tie: by group)
    assert (rows[0].group, rows[0].item, rows[0].minus, rows[0].plus) == (
        "income",
        "fee_per_application",
        -1_000_000,
        1_000_000,
    )
    assert (rows[1].group, rows[1].item, rows[1].minus, rows[1].plus) == (
        "usage",
        "applications",
        -1_000_000,
        1_000_000,
    )
    # operation 3,000,000 ± 20 % = ∓600,000 on the balance
    assert (rows[2].item, rows[2].minus, rows[2].plus) == ("operation", 600_000, -600_000)
    sizes = [row.size for row in rows]
    assert sizes == sorted(sizes, reverse=True)
    # development is one-off: not in the balance, not in the table
    assert "development" not in {row.item for row in rows}
    # the contribution: 1,000,000 ± 20 %
    contribution = next(row for row in rows if row.item == "contribution")
    assert (contribution.minus, contribution.plus) == (-200_000, 200_000)


def test_scale_a_period_to_a_year():
    totals = {"moves_submitted": 30, "visits": 1_000, "procedures_delivered": 90, "fax_pages": 0, "lockouts": 4}
    usage = model.scale_to_year(totals, 73)
    # 365 ÷ 73 = 5: 30 moves → 150 a year; 1,000 visits → 5,000 page views; 90 → 450 applications
    assert usage["moves"] == 150
    assert usage["page_views"] == 5_000
    assert usage["applications"] == 450
    assert usage["calls"] == 0  # a key the totals do not have counts as none
    with pytest.raises(ValueError):
        model.scale_to_year(totals, 0)


def test_unknown_lines_and_shares_are_refused():
    with pytest.raises(ValueError):
        Prices(costs={"coffee": D(1)})
    with pytest.raises(ValueError):
        Prices(kind=Kind.REGIONAL, shared_percent=D(120))
    with pytest.raises(ValueError):
        Usage({"tea": D(1)})


def test_never_breaks_even_when_a_move_brings_exactly_what_it_costs():
    prices = Prices(costs={"operation": D(1_000), "per_form": D(200)}, income={"fee_per_application": D(200)})
    usage = Usage({"moves": D(10), "applications": D(10), "forms_printed": D(10)})
    # per move: income 200 × 1 = 200, variable cost 200 × 1 = 200: margin 0, the balance stays at −1,000
    assert model.break_even_moves(prices, usage) is None
    assert model.balance(prices, usage.with_moves(D(1_000_000))) == -1_000
