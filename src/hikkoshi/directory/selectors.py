"""Reads of the directory: the provider search (事業者情報検索).

The local directory is small (hundreds of organisations at most) and read on every search, so each
process keeps it in memory as an index from area code to service areas, and reloads it only when
``DirectoryRevision`` has changed. A search costs one read of that stamp and no ORM work.
"""

from dataclasses import dataclass
import threading

from django.db import connection

from hikkoshi.places.municipalities import municipality_code as registration_code_of

from .constants import OFFICE_CATEGORIES, Category
from .models import Contact, DirectoryRevision, Organisation, ServiceArea

_CATEGORY_ORDER = {c: i for i, c in enumerate(Category.values)}


@dataclass(frozen=True)
class OrganisationMatch:
    """An organisation that serves a place; ``partial`` when it serves only some postal codes
    of the municipality and the place was given without one."""

    organisation: Organisation
    partial: bool = False


@dataclass(frozen=True)
class _Snapshot:
    revision: int | None
    areas_by_code: dict[str, list[ServiceArea]]
    organisations: list[Organisation]


_lock = threading.Lock()
_state: dict[str, _Snapshot] = {}


def _current_revision() -> int | None:
    table = DirectoryRevision._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stamp FROM {table} WHERE id = 1")  # noqa: S608 (constant)
        row = cursor.fetchone()
    return row[0] if row else None


def _load(revision: int | None) -> _Snapshot:
    organisations = {o.pk: o for o in Organisation.objects.all()}
    for org in organisations.values():
        org.contact_list = []
    for contact in Contact.objects.order_by("position", "id"):
        organisations[contact.organisation_id].contact_list.append(contact)
    areas_by_code: dict[str, list[ServiceArea]] = {}
    for area in ServiceArea.objects.all():
        area.organisation = organisations[area.organisation_id]
        areas_by_code.setdefault(area.area_code, []).append(area)
    ordered = sorted(organisations.values(), key=lambda o: (_CATEGORY_ORDER.get(o.category, 99), o.slug))
    return _Snapshot(revision, areas_by_code, ordered)


def directory_snapshot() -> _Snapshot:
    """The directory as of the last committed change, loaded at most once per change."""
    revision = _current_revision()
    key = connection.alias + ":" + str(connection.settings_dict.get("NAME"))
    snapshot = _state.get(key)
    if snapshot is None or snapshot.revision != revision:
        with _lock:
            snapshot = _load(revision)
            _state[key] = snapshot
    return snapshot


def organisations_for_place(
    *, municipality_code: str, postcode: str = "", category: str | None = None
) -> list[OrganisationMatch]:
    """Organisations serving a place, offices first, then by category and identifier."""
    snapshot = directory_snapshot()
    registration = registration_code_of(municipality_code)
    found: dict[int, OrganisationMatch] = {}
    for code in {municipality_code, registration, municipality_code[:2], ""}:
        for area in snapshot.areas_by_code.get(code, ()):
            org = area.organisation
            if category and org.category != category:
                continue
            if area.postcode_from and not postcode:
                # Without a postal code we cannot tell: show it, marked as serving part of the area.
                if area.area_code and org.pk not in found:
                    found[org.pk] = OrganisationMatch(org, partial=True)
                continue
            if area.covers(municipality_code, registration, postcode):
                found[org.pk] = OrganisationMatch(org)
    return sorted(
        found.values(),
        key=lambda m: (_CATEGORY_ORDER.get(m.organisation.category, 99), m.organisation.slug),
    )


def offices_in(area_codes: tuple[str, ...]) -> list[Organisation]:
    """City hall and ward offices serving somewhere in the given areas (市役所・区役所)."""
    snapshot = directory_snapshot()
    result = []
    for org in snapshot.organisations:
        if org.category not in OFFICE_CATEGORIES:
            continue
        codes = {a.area_code for code_areas in snapshot.areas_by_code.values()
                 for a in code_areas if a.organisation is org and a.area_code}
        if any(c.startswith(area) or registration_code_of(c) == area
               for c in codes for area in area_codes):
            result.append(org)
    return result
