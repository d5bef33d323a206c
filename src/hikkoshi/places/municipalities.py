"""Municipalities (市区町村): JIS X 0402 codes and designated cities (政令指定都市).

A ward of a designated city (札幌市中央区, 01101) is not a municipality of its own: for
residence registration it belongs to its city (札幌市, 01100). Tokyo's special wards (特別区,
千代田区) are municipalities. The list of designated cities is read from the postal data itself
(municipality names of the form ○○市△△区), so it follows Japan Post's updates.
"""

from dataclasses import dataclass
from functools import lru_cache
import re

from .postaldb import postal_db

_WARD_NAME = re.compile(r"^(?P<city>.+?市)(?P<ward>.+区)$")
_CODE = re.compile(r"^\d{5}$")


@lru_cache(maxsize=4096)
def check_digit(code: str) -> str:
    """The check digit of a 5-digit local government code (全国地方公共団体コード).

    Weights 6,5,4,3,2; the check digit is the last digit of 11 minus the remainder mod 11.
    """
    if not _CODE.match(code):
        raise ValueError("a JIS X 0402 code has five digits")
    total = sum(int(d) * w for d, w in zip(code, (6, 5, 4, 3, 2)))
    return str((11 - total % 11) % 10)


def with_check_digit(code: str) -> str:
    """``01100`` → ``011002``."""
    return code + check_digit(code)


def is_valid_lg_code(code6: str) -> bool:
    """Whether a 6-digit code's last digit is its check digit."""
    return bool(re.fullmatch(r"\d{6}", code6 or "")) and check_digit(code6[:5]) == code6[5]


@dataclass(frozen=True)
class DesignatedCity:
    """A designated city (政令指定都市) and its wards' codes."""

    code: str
    name: str
    prefecture: str
    ward_codes: frozenset[str]


@dataclass(frozen=True)
class Municipality:
    """A municipality (or a designated city's ward) as Japan Post names it."""

    code: str
    prefecture: str
    name: str
    kana: str


@lru_cache(maxsize=1)
def all_municipalities() -> tuple[Municipality, ...]:
    """Every municipality and ward in the postal data, read once per process (~1,900 rows)."""
    with postal_db() as db:
        rows = db.execute(
            "SELECT json_extract(data, '$.jisx0402'), prefecture, city, "
            "json_extract(data, '$.city_kana') FROM postal_data GROUP BY prefecture, city"
        ).fetchall()
    return tuple(Municipality(*row) for row in rows if row[0])


@lru_cache(maxsize=1)
def designated_cities() -> dict[str, DesignatedCity]:
    """Designated cities by code, derived from the municipality names in the postal data."""
    wards: dict[tuple[str, str], set[str]] = {}
    for m in all_municipalities():
        prefecture, city, code = m.prefecture, m.name, m.code
        match = _WARD_NAME.match(city or "")
        if match and code:
            wards.setdefault((prefecture, match.group("city")), set()).add(code)
    cities = {}
    for (prefecture, name), codes in wards.items():
        # A designated city's own code is its first ward's code with the last digit zeroed
        # (札幌市 01100 ← 中央区 01101; 川崎市 14130 ← 川崎区 14131; 浜松市 22130 ← 中央区 22138).
        city_code = min(codes)[:4] + "0"
        cities[city_code] = DesignatedCity(city_code, name, prefecture, frozenset(codes))
    return cities


@lru_cache(maxsize=1)
def _ward_to_city() -> dict[str, DesignatedCity]:
    return {ward: city for city in designated_cities().values() for ward in city.ward_codes}


def city_of(code: str) -> DesignatedCity | None:
    """The designated city a ward code belongs to, or None if the code is not a ward's."""
    return _ward_to_city().get(code)


def municipality_code(code: str) -> str:
    """The code of the municipality for residence registration: a ward's city, else itself."""
    city = city_of(code)
    return city.code if city else code


def municipality_names() -> dict[str, str]:
    """Names of designated cities by code (wards' names come with each postal entry)."""
    return {c.code: c.name for c in designated_cities().values()}


@lru_cache(maxsize=1)
def _known_areas() -> frozenset[str]:
    codes = {m.code for m in all_municipalities()} | set(designated_cities())
    return frozenset(codes | {code[:2] for code in codes})


def is_known_area(code: str) -> bool:
    """Whether a 2-digit prefecture or 5-digit municipality code exists in the postal data."""
    return code in _known_areas()
