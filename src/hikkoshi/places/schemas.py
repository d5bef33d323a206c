from ninja import Schema

from .postcodes import Place
from .regions import get_region


class TownOut(Schema):
    name: str
    kana: str
    note: str = ""


class PlaceOut(Schema):
    """A place as the API shows it (郵便番号検索の結果)."""

    postcode: str
    postcode_formatted: str
    prefecture: str
    prefecture_kana: str
    prefecture_code: str
    municipality: str
    municipality_kana: str
    municipality_code: str
    lg_code: str
    city: str | None = None
    city_code: str | None = None
    town: str
    town_kana: str
    towns: list[TownOut]
    office_name: str = ""
    street: str = ""
    in_region: bool


def place_payload(place: Place) -> dict:
    """A place as ``PlaceOut``, as a plain dict (the search answers many of these)."""
    city = place.city
    return {
        "postcode": place.postcode,
        "postcode_formatted": place.formatted_postcode if place.postcode else "",
        "prefecture": place.prefecture,
        "prefecture_kana": place.prefecture_kana,
        "prefecture_code": place.prefecture_code,
        "municipality": place.municipality,
        "municipality_kana": place.municipality_kana,
        "municipality_code": place.municipality_code,
        "lg_code": place.lg_code,
        "city": city.name if city else None,
        "city_code": city.code if city else None,
        "town": place.town,
        "town_kana": place.town_kana,
        "towns": [{"name": t.name, "kana": t.kana, "note": t.note} for t in place.towns],
        "office_name": place.office_name,
        "street": place.street,
        "in_region": get_region().contains(place.municipality_code),
    }
