"""Reads of the directory: the provider search (事業者情報検索).

The local directory is small (hundreds of organisations at most) and read on every search, so each
process keeps it in memory as an index from area code to service areas, and reloads it only when
``DirectoryRevision`` has changed. A search costs one read of that stamp and no ORM work.
"""

from dataclasses import dataclass, field
import time

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


@dataclass
class _Snapshot:
    revision: int | None
    areas_by_code: dict[str, list[ServiceArea]]
    organisations: list[Organisation]
    # Memos valid as long as the snapshot: the candidate areas per (municipality, category),
    # whole results where no postal-code range is involved, rendered API parts (``schemas``).
    candidates: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    rendered: dict = field(default_factory=dict)
    by_slug: dict = field(default_factory=dict)
    checked_at: float = 0.0


CHECK_INTERVAL = 1.0  # seconds
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
    return _Snapshot(revision, areas_by_code, ordered, by_slug={o.slug: o for o in ordered})


def directory_snapshot() -> _Snapshot:
    """The directory as of the last committed change, loaded at most once per change.

    The stamp is read at most every ``CHECK_INTERVAL`` seconds: another process's change shows
    here within that time, this process's own changes at once (``forget_snapshots``). Inside a
    transaction the stamp is always read and the snapshot never kept, so data that may yet be
    rolled back is never served to anyone else.
    """
    key = connection.alias + ":" + str(connection.settings_dict.get("NAME"))
    snapshot = _state.get(key)
    now = time.monotonic()
    in_transaction = connection.in_atomic_block
    if snapshot is not None and not in_transaction and now - snapshot.checked_at < CHECK_INTERVAL:
        return snapshot
    revision = _current_revision()
    if snapshot is None or snapshot.revision != revision:
        snapshot = _load(revision)
    if not in_transaction:
        snapshot.checked_at = now
        _state[key] = snapshot
    return snapshot


def forget_snapshots() -> None:
    """Drop this process's snapshots (after a change made here)."""
    _state.clear()


def _candidates(snapshot: _Snapshot, municipality_code: str, category: str | None):
    """The service areas that may cover a municipality, and whether any has a postal-code range."""
    key = (municipality_code, category)
    found = snapshot.candidates.get(key)
    if found is None:
        registration = registration_code_of(municipality_code)
        codes = dict.fromkeys((municipality_code, registration, municipality_code[:2], ""))
        areas = [
            area for code in codes for area in snapshot.areas_by_code.get(code, ())
            if not category or area.organisation.category == category
        ]
        found = snapshot.candidates[key] = (
            registration, areas, any(a.postcode_from for a in areas)
        )
    return found


def organisations_for_place(
    *, municipality_code: str, postcode: str = "", category: str | None = None,
    snapshot: _Snapshot | None = None,
) -> list[OrganisationMatch]:
    """Organisations serving a place, offices first, then by category and identifier."""
    snapshot = snapshot or directory_snapshot()
    registration, areas, ranged = _candidates(snapshot, municipality_code, category)
    if not ranged:
        # Nothing depends on the postal code: the answer is the municipality's.
        result = snapshot.results.get((municipality_code, category))
        if result is not None:
            return result
    found: dict[int, OrganisationMatch] = {}
    for area in areas:
        org = area.organisation
        if area.postcode_from and not postcode:
            # Without a postal code we cannot tell: show it, marked as serving part of the area.
            if area.area_code and org.pk not in found:
                found[org.pk] = OrganisationMatch(org, partial=True)
            continue
        if area.covers(municipality_code, registration, postcode):
            found[org.pk] = OrganisationMatch(org)
    result = sorted(
        found.values(),
        key=lambda m: (_CATEGORY_ORDER.get(m.organisation.category, 99), m.organisation.slug),
    )
    if not ranged:
        snapshot.results[(municipality_code, category)] = result
    return result


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


def receipt_keys_of(slug: str) -> tuple[dict, ...]:
    """The public keys (JWKs) an organisation signs its web-channel receipts with; () when the
    organisation is unknown or has none."""
    org = directory_snapshot().by_slug.get(slug)
    return tuple(org.receipt_keys or ()) if org is not None else ()
