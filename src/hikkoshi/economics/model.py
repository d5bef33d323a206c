"""The arithmetic of a business-model scenario: pure Python, no Django.

A scenario has prices (cost lines and income lines, in yen) and a year's usage (moves and what
they bring with them). From these:

- yearly costs by line: operation + hosting (the portal's share, see :class:`Kind`), the data
  upkeep of every organisation, and what each move costs in calls, fax pages, mails and printed
  and posted forms. Development is one-off and kept apart;
- yearly income by line: fees per application delivered to an organisation, ASP fees of the
  agencies (代行ASP: per agency and per store per month, per move entered by an agency),
  advertising per 1,000 page views, and a city's or regional portal's yearly contribution;
- the single-year balance (単年度収支) = income − costs (each line rounded to whole yen first);
- cost per move = yearly costs ÷ moves;
- break-even volume: the balance is linear in the moves when every other usage figure keeps its
  ratio to the moves (calls per move, …) and agencies, stores and organisations stay as they are:
  ``balance(m) = fixed income − fixed costs + m × (income per move − variable cost per move)``,
  so ``m* = (fixed costs − fixed income) ÷ margin per move``, rounded up; *never* when the margin
  is ≤ 0;
- years to pay back development (開発費用回収見込み) = the portal's share of development ÷ the
  balance; *never* when the balance is ≤ 0;
- sensitivity: each price and usage figure in turn ×0.8 and ×1.2, the change of the balance,
  largest first.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum

ZERO = Decimal(0)
YEAR_DAYS = Decimal(365)


class Kind(StrEnum):
    """Who bears the fixed costs (development, operation, hosting)."""

    STANDALONE = "standalone"  # the portal alone (単独)
    REGIONAL = "regional"  # inside a regional information portal that bears a share (地域情報ポータルに組み込み)
    FEDERATED = "federated"  # shared equally by N federated portals (ポータル間連携で共同利用)


# Cost lines (yen). Development is one-off; the others are per year or per unit.
COST_ITEMS = (
    "development",  # 開発費用 (one-off)
    "operation",  # 運用経費 per year
    "hosting",  # hosting per year
    "per_call",  # call-centre cost per call
    "per_fax_page",  # fax cost per page
    "per_mail",  # mail per message
    "per_form",  # printing and posting per form
    "upkeep_per_organisation",  # data upkeep per organisation per year
)
# The fixed costs a regional portal or the federated portals share.
SHARED_COSTS = ("development", "operation", "hosting")

# Income lines (yen).
INCOME_ITEMS = (
    "fee_per_application",  # from the receiving organisation, per application delivered
    "asp_per_agency_month",  # 代行ASP, per agency per month
    "asp_per_store_month",  # 代行ASP, per store per month
    "asp_per_move",  # 代行ASP, per move entered by an agency
    "advertising_per_1000_views",
    "contribution",  # a city's or a regional portal's yearly contribution
)

# A year's usage. The first group grows with the moves; the second does not.
VARIABLE_USAGE = ("applications", "calls", "fax_pages", "mails", "forms_printed", "page_views", "agency_moves")
FIXED_USAGE = ("agencies", "stores", "organisations")
USAGE_ITEMS = ("moves", *VARIABLE_USAGE, *FIXED_USAGE)

# The cost line each variable usage figure is priced by, and the income line.
_UNIT_COSTS = {"calls": "per_call", "fax_pages": "per_fax_page", "mails": "per_mail", "forms_printed": "per_form"}


def yen(amount: Decimal) -> int:
    """Whole yen, halves rounded up (四捨五入)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Prices:
    kind: Kind = Kind.STANDALONE
    shared_percent: Decimal = ZERO  # REGIONAL: the regional portal's share of the fixed costs
    portals: int = 3  # FEDERATED: how many portals share them
    costs: Mapping[str, Decimal] = field(default_factory=dict)
    income: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = (set(self.costs) - set(COST_ITEMS)) | (set(self.income) - set(INCOME_ITEMS))
        if unknown:
            raise ValueError(f"unknown lines: {sorted(unknown)}")
        if not ZERO <= self.shared_percent <= 100:
            raise ValueError("shared_percent must be between 0 and 100")
        if self.portals < 1:
            raise ValueError("portals must be at least 1")

    def cost(self, item: str) -> Decimal:
        return Decimal(self.costs.get(item, ZERO))

    def gain(self, item: str) -> Decimal:
        return Decimal(self.income.get(item, ZERO))

    @property
    def portal_share(self) -> Decimal:
        """The part of the fixed costs this portal bears."""
        if self.kind == Kind.REGIONAL:
            return (100 - self.shared_percent) / 100
        if self.kind == Kind.FEDERATED:
            return Decimal(1) / Decimal(self.portals)
        return Decimal(1)


@dataclass(frozen=True)
class Usage:
    """A year's usage: counts per year (Decimal, since a scaled period gives fractions)."""

    values: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(USAGE_ITEMS)
        if unknown:
            raise ValueError(f"unknown usage: {sorted(unknown)}")

    def __getitem__(self, item: str) -> Decimal:
        return Decimal(self.values.get(item, ZERO))

    def with_moves(self, moves: Decimal) -> "Usage":
        """The same usage at another volume: the variable figures keep their ratio to the moves."""
        base = self["moves"]
        ratio = moves / base if base else ZERO
        values = {k: self[k] for k in FIXED_USAGE}
        values |= {k: self[k] * ratio for k in VARIABLE_USAGE}
        values["moves"] = moves
        return Usage(values)


def scale_to_year(totals: Mapping[str, int], days: int) -> Usage:
    """The statistics of a period of ``days`` days (``hikkoshi.stats.selectors.period_totals``)
    as a year's usage: each count × 365 ÷ days. One page view per visit (a lower bound); one
    call per move entered by the call centre."""
    if days < 1:
        raise ValueError("a period has at least one day")
    factor = YEAR_DAYS / days
    mapping = {
        "moves": "moves_submitted",
        "applications": "procedures_delivered",
        "calls": "moves_by_callcentre",
        "fax_pages": "fax_pages",
        "mails": "delivered_email",
        "forms_printed": "documents_printed",
        "page_views": "visits",
        "agency_moves": "moves_by_agency",
    }
    return Usage({ours: Decimal(int(totals.get(theirs, 0))) * factor for ours, theirs in mapping.items()})


@dataclass(frozen=True)
class Line:
    item: str
    yen: int


def yearly_costs(prices: Prices, usage: Usage) -> list[Line]:
    """The year's costs by line (development excluded: it is one-off)."""
    share = prices.portal_share
    lines = [
        Line("operation", yen(prices.cost("operation") * share)),
        Line("hosting", yen(prices.cost("hosting") * share)),
        Line("upkeep_per_organisation", yen(prices.cost("upkeep_per_organisation") * usage["organisations"])),
    ]
    lines += [Line(cost, yen(prices.cost(cost) * usage[figure])) for figure, cost in _UNIT_COSTS.items()]
    return lines


def yearly_income(prices: Prices, usage: Usage) -> list[Line]:
    return [
        Line("fee_per_application", yen(prices.gain("fee_per_application") * usage["applications"])),
        Line("asp_per_agency_month", yen(prices.gain("asp_per_agency_month") * usage["agencies"] * 12)),
        Line("asp_per_store_month", yen(prices.gain("asp_per_store_month") * usage["stores"] * 12)),
        Line("asp_per_move", yen(prices.gain("asp_per_move") * usage["agency_moves"])),
        Line("advertising_per_1000_views", yen(prices.gain("advertising_per_1000_views") * usage["page_views"] / 1000)),
        Line("contribution", yen(prices.gain("contribution"))),
    ]


def development_share(prices: Prices) -> int:
    return yen(prices.cost("development") * prices.portal_share)


def balance(prices: Prices, usage: Usage) -> int:
    """単年度収支: the year's income − the year's costs."""
    return sum(line.yen for line in yearly_income(prices, usage)) - sum(
        line.yen for line in yearly_costs(prices, usage)
    )


def cost_per_move(prices: Prices, usage: Usage) -> Decimal | None:
    """The year's costs ÷ moves, to the yen; None without moves."""
    if usage["moves"] <= 0:
        return None
    total = sum(line.yen for line in yearly_costs(prices, usage))
    return (Decimal(total) / usage["moves"]).quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PerMove:
    fixed_costs: Decimal
    fixed_income: Decimal
    variable_cost: Decimal  # per move
    income: Decimal  # per move

    @property
    def margin(self) -> Decimal:
        return self.income - self.variable_cost


def per_move(prices: Prices, usage: Usage) -> PerMove:
    """The balance as a line in the moves (unrounded)."""
    moves = usage["moves"]

    def per(figure: str) -> Decimal:
        return usage[figure] / moves if moves else ZERO

    share = prices.portal_share
    fixed_costs = (prices.cost("operation") + prices.cost("hosting")) * share
    fixed_costs += prices.cost("upkeep_per_organisation") * usage["organisations"]
    fixed_income = (
        prices.gain("asp_per_agency_month") * usage["agencies"] * 12
        + prices.gain("asp_per_store_month") * usage["stores"] * 12
        + prices.gain("contribution")
    )
    variable_cost = sum((prices.cost(cost) * per(figure) for figure, cost in _UNIT_COSTS.items()), ZERO)
    income = (
        prices.gain("fee_per_application") * per("applications")
        + prices.gain("asp_per_move") * per("agency_moves")
        + prices.gain("advertising_per_1000_views") * per("page_views") / 1000
    )
    return PerMove(fixed_costs, fixed_income, variable_cost, income)


def break_even_moves(prices: Prices, usage: Usage) -> int | None:
    """Moves per year at which the balance is zero (0 when the fixed income already covers the
    fixed costs); None (never) when income per move ≤ variable cost per move."""
    line = per_move(prices, usage)
    if line.margin <= 0:
        return None
    gap = line.fixed_costs - line.fixed_income
    if gap <= 0:
        return 0
    return int((gap / line.margin).to_integral_value(rounding=ROUND_CEILING))


def payback_years(prices: Prices, usage: Usage) -> Decimal | None:
    """Years to pay back the portal's share of development, to 0.1 year; None (never) when the
    balance is ≤ 0."""
    result = balance(prices, usage)
    if result <= 0:
        return None
    return (Decimal(development_share(prices)) / result).quantize(Decimal("0.1"), rounding=ROUND_CEILING)


@dataclass(frozen=True)
class Sensitivity:
    group: str  # "cost", "income" or "usage"
    item: str
    minus: int  # the balance's change with the input × 0.8
    plus: int  # … × 1.2

    @property
    def size(self) -> int:
        return max(abs(self.minus), abs(self.plus))


def sensitivity(prices: Prices, usage: Usage, step: Decimal = Decimal("0.2")) -> list[Sensitivity]:
    """Each cost, income and usage figure in turn changed by ±``step``: the balance's change,
    largest first (ties by name). Development is left out: it does not enter the balance.

    Changing the moves keeps every other usage figure as it is (it changes the ratios);
    :meth:`Usage.with_moves` is the other reading, used for the break-even volume."""
    base = balance(prices, usage)
    rows: list[Sensitivity] = []

    def changed(factor: Decimal, group: str, item: str) -> int:
        if group == "cost":
            p = replace(prices, costs={**prices.costs, item: prices.cost(item) * factor})
            return balance(p, usage) - base
        if group == "income":
            p = replace(prices, income={**prices.income, item: prices.gain(item) * factor})
            return balance(p, usage) - base
        u = Usage({**usage.values, item: usage[item] * factor})
        return balance(prices, u) - base

    inputs = [("cost", c) for c in COST_ITEMS if c != "development" and prices.cost(c)]
    inputs += [("income", i) for i in INCOME_ITEMS if prices.gain(i)]
    inputs += [("usage", u) for u in USAGE_ITEMS if usage[u]]
    for group, item in inputs:
        rows.append(Sensitivity(group, item, changed(1 - step, group, item), changed(1 + step, group, item)))
    rows.sort(key=lambda r: (-r.size, r.group, r.item))
    return rows


@dataclass(frozen=True)
class Result:
    costs: list[Line]
    income: list[Line]
    total_costs: int
    total_income: int
    balance: int
    development: int  # the portal's share
    cost_per_move: Decimal | None
    break_even_moves: int | None
    payback_years: Decimal | None
    sensitivity: list[Sensitivity]
    moves: Decimal


def evaluate(prices: Prices, usage: Usage) -> Result:
    costs = yearly_costs(prices, usage)
    income = yearly_income(prices, usage)
    total_costs = sum(line.yen for line in costs)
    total_income = sum(line.yen for line in income)
    return Result(
        costs=costs,
        income=income,
        total_costs=total_costs,
        total_income=total_income,
        balance=total_income - total_costs,
        development=development_share(prices),
        cost_per_move=cost_per_move(prices, usage),
        break_even_moves=break_even_moves(prices, usage),
        payback_years=payback_years(prices, usage),
        sensitivity=sensitivity(prices, usage),
        moves=usage["moves"],
    )
