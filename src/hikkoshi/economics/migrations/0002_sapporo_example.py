"""The example scenarios for Sapporo (札幌・例): the same figures for the portal alone, inside a
regional information portal, and shared by the three federated portals of the demonstration.

Every number names its source or is marked as an assumption (仮定). The source document is the
2006 demonstration's outline (開発実証事業における実証実験内容の概要); it gives the procedures and
organisations of Sapporo and the planned scale of the trial, and no money figures at all: every
yen below is an assumption, to be replaced with the operator's own.
"""

from decimal import Decimal

from django.db import migrations

DOC = "開発実証事業における実証実験内容の概要 (2006)"
TABLE = f"{DOC} 1.1(2) 対象者，対象手続"
SCALE = f"{DOC} 3. 実験の想定規模 (H18年2月: 総利用者数 1,000件, 引越し手続 50件)"

ASSUMED = "仮定 / assumption: no source gives this figure; replace it with your own."

COSTS = [
    ("development", 30_000_000, ASSUMED),
    ("operation", 12_000_000, ASSUMED),
    ("hosting", 1_200_000, ASSUMED),
    ("per_call", 800, ASSUMED + " The demonstration set up a call centre for people without internet (" + DOC + " 1.1(4)); its cost is not given."),
    ("per_fax_page", 10, ASSUMED),
    ("per_mail", 1, ASSUMED),
    ("per_form", 150, ASSUMED + " Forms entered by the call centre are printed and posted to the caller to seal (" + DOC + " 1.1(4))."),
    ("upkeep_per_organisation", 100_000, ASSUMED),
]
INCOME = [
    ("fee_per_application", 100, ASSUMED),
    ("asp_per_store_month", 3_000, ASSUMED + " The proxy service for estate agencies (代行ASP) is in " + DOC + " 4.; no fee is given."),
    ("asp_per_move", 500, ASSUMED),
    ("advertising_per_1000_views", 300, ASSUMED),
]
# (item, value, source, assumption)
USAGE = [
    ("moves_in", 60_000, "仮定 / assumption: a placeholder, not a statistic. Enter Sapporo's yearly 転入 count from the city's published 住民基本台帳 人口移動 figures, with their source.", True),
    ("moves_out", 60_000, "仮定 / assumption: a placeholder, not a statistic. Enter Sapporo's yearly 転出 count from the city's published figures, with their source.", True),
    ("moves_within", 100_000, "仮定 / assumption: a placeholder, not a statistic. Enter Sapporo's yearly 転居 count (moves between or within wards) from the city's published figures, with their source.", True),
    ("uptake_percent", 5, ASSUMED, True),
    ("applications_per_move", 5, f"仮定 / assumption, from {TABLE}: 5 procedures apply to a move out (転出届, water, city gas, electricity, 固定資産税); a move in or within the city has the same 5 and 2 optional ones (newspaper, sapling); not every dwelling has city gas.", True),
    ("calls_per_move", Decimal("0.1"), ASSUMED, True),
    ("fax_pages_per_move", Decimal("0.3"), f"仮定 / assumption. Only the newspaper subscription goes by fax ({TABLE}), only for a move in, and only when the mover wants it.", True),
    ("mails_per_move", 3, f"仮定 / assumption. The 固定資産税 address change and the sapling go by e-mail ({TABLE}); one confirmation to the mover is assumed.", True),
    ("forms_per_move", Decimal("0.3"), ASSUMED + " Forms are posted only for moves entered by the call centre.", True),
    ("page_views_per_move", 20, f"仮定 / assumption, from {SCALE}: 1,000 users for 50 moves is 20 users per move; one page view per user is assumed.", True),
    ("agency_percent", 10, ASSUMED, True),
    ("stores", 30, ASSUMED + " The agencies of the demonstration were still being chosen (" + DOC + " 4.4(2) *1).", True),
    ("organisations", 5, f"{TABLE}: 札幌市, 札幌市水道局, 北海道新聞, 北海道ガス, 北海道電力.", False),
]

SCENARIOS = [
    ("札幌（例）単独 / Sapporo example: the portal alone", "standalone", Decimal(0), 3, ""),
    (
        "札幌（例）地域情報ポータルに組み込み / Sapporo example: inside a regional portal",
        "regional",
        Decimal(50),
        3,
        "The regional information portal's share of 50 % is an assumption (仮定). "
        f"The study of this case is in {DOC} 3.3(1) (開発・運用コストの削減、収入項目の増加).",
    ),
    (
        "札幌（例）3ポータル共同利用 / Sapporo example: shared by 3 federated portals",
        "federated",
        Decimal(0),
        3,
        f"Three portals: Sapporo, 関東「引越れんらく帳」, 「関西引越し手続きサービス」 ({DOC} 2.2(2)). "
        "Sharing development, operation and hosting equally is an assumption (仮定).",
    ),
]

NOTE = (
    "Example shipped with hikkoshi. Every yen is an assumption (仮定): the source document gives no money "
    "figures. Replace the figures with your own and name their sources. "
)


def create(apps, schema_editor):
    Scenario = apps.get_model("economics", "Scenario")
    CostLine = apps.get_model("economics", "CostLine")
    IncomeLine = apps.get_model("economics", "IncomeLine")
    UsageFigure = apps.get_model("economics", "UsageFigure")
    for name, kind, shared, portals, note in SCENARIOS:
        if Scenario.objects.filter(name=name).exists():
            continue
        scenario = Scenario.objects.create(
            name=name, kind=kind, shared_percent=shared, portals=portals, note=(NOTE + note).strip()
        )
        for item, amount, source in COSTS:
            CostLine.objects.create(scenario=scenario, item=item, amount=amount, source=source, assumption=True)
        for item, amount, source in INCOME:
            IncomeLine.objects.create(scenario=scenario, item=item, amount=amount, source=source, assumption=True)
        for item, value, source, assumed in USAGE:
            UsageFigure.objects.create(scenario=scenario, item=item, value=value, source=source, assumption=assumed)


def remove(apps, schema_editor):
    apps.get_model("economics", "Scenario").objects.filter(name__in=[s[0] for s in SCENARIOS]).delete()


class Migration(migrations.Migration):
    dependencies = [("economics", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
