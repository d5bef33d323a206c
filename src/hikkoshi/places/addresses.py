"""Address look-up (住所検索): from an address as typed to its municipality and, where the town
matches, its postal code.
"""

from dataclasses import dataclass
from functools import lru_cache

from .municipalities import Municipality, all_municipalities, city_of, designated_cities
from .normalise import address_key
from .postcodes import Place, lookup, postal_db


@dataclass(frozen=True)
class AddressMatch:
    """The result of reading an address: a place, or several candidates when it is ambiguous."""

    place: Place | None
    candidates: tuple[Municipality, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.place is None and len(self.candidates) > 1


@lru_cache(maxsize=1)
def _index():
    prefectures = sorted({m.prefecture for m in all_municipalities()}, key=len, reverse=True)
    names: dict[str, list[Municipality]] = {}
    for m in all_municipalities():
        names.setdefault(address_key(m.name), []).append(m)
    for city in designated_cities().values():
        # 札幌市 alone (without a ward) names the city.
        names.setdefault(address_key(city.name), []).append(Municipality(city.code, city.prefecture, city.name, ""))
    for m in all_municipalities():
        # A ward alone (北区) may be any city's: Tokyo's special ward or a designated city's.
        city = city_of(m.code)
        if city and m.name.startswith(city.name):
            names.setdefault(address_key(m.name[len(city.name) :]), []).append(m)
    return prefectures, names


@lru_cache(maxsize=256)
def _towns(prefecture: str, city: str) -> list[tuple[str, str]]:
    with postal_db() as db:
        rows = db.execute(
            "SELECT code, neighborhood FROM postal_data WHERE prefecture = ? AND city = ?",
            (prefecture, city),
        ).fetchall()
    towns = [(address_key(n), code) for code, n in rows if n]
    towns.sort(key=lambda t: len(t[0]), reverse=True)
    return towns


def _city_level_place(m: Municipality) -> Place:
    return Place(
        postcode="",
        prefecture=m.prefecture,
        prefecture_kana="",
        municipality=m.name,
        municipality_kana=m.kana,
        municipality_code=m.code,
    )


def resolve_address(text: str) -> AddressMatch:
    """Read an address such as ``札幌市中央区北1条西2丁目`` or ``北海道札幌市北区…``."""
    key = address_key(text).lstrip("〒")
    prefectures, names = _index()
    prefecture = next((p for p in prefectures if key.startswith(p)), None)
    rest = key[len(prefecture) :] if prefecture else key
    # The longest municipality name the address starts with (札幌市中央区 before 札幌市).
    found: list[Municipality] = []
    for length in range(min(len(rest), 12), 1, -1):
        found = [m for m in names.get(rest[:length], []) if prefecture in (None, m.prefecture)]
        if found:
            break
    if not found:
        return AddressMatch(None)
    if len(found) > 1:
        return AddressMatch(None, tuple(found))
    municipality = found[0]
    remainder = rest[length:]
    for town_key, code in _towns(municipality.prefecture, municipality.name):
        if remainder.startswith(town_key):
            place = lookup(code)
            if place:
                return AddressMatch(place, (municipality,))
    return AddressMatch(_city_level_place(municipality), (municipality,))
