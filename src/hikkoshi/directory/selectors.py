"""Reads of the directory: the provider search (事業者情報検索) and the office list.

Each process keeps an *index* of the directory in memory — which organisations serve which
area code, as small tuples of ids and codes — and reloads it only when ``DirectoryRevision`` has
changed. A search costs one read of that stamp (at most once a second) and no ORM work once its
place has been seen.

The organisations themselves (ORM objects with their contacts), the answers per place and their
rendered JSON are memoised per index in bounded memos (``HIKKOSHI_DIRECTORY_CACHE``): a
nationwide directory of tens of thousands of organisations costs a few megabytes of index, and a
worker asked for every place in Japan keeps only the most recently used. An organisation missing
from its memo is read in one query (with its contacts) when a place needs it.

Partner portals' copies (``models.PortalCopy``, pulled by ``hikkoshi.federation``) join the same
index, so a search of a place a partner serves costs what a local one costs. The rule where a
partner serves: a local entry's service area whose code lies in the areas a copy was taken for
(a prefecture covers its municipalities, a designated city its wards) is left out of the search
index — there the partner's entries win over the copies shipped here (``data/osaka.json``). An
area of a wider code (a whole prefecture, all of Japan) or only postal codes stays. This
portal's own index (``own=True``: local entries only, none hidden) answers what it serves to its
partners and what its catalogue applies.

A new index is built beside the old one, which keeps serving until the new one is complete;
building it is four queries of ids and codes (no model objects; the partners' copies and the
partners asked live are a few rows), so a directory change costs
every worker a fraction of a second, not a reload of everything.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
import threading
import time
import unicodedata

from django.conf import settings
from django.db import connection

from hikkoshi.japanese import hiragana_to_katakana
from hikkoshi.places.municipalities import (
    all_municipalities,
    designated_cities,
    municipality_code as registration_code_of,
)

from .constants import LOCAL_PORTAL, OFFICE_CATEGORIES, Category
from .memo import BoundedMemo
from .models import Contact, DirectoryRevision, Organisation, PortalCopy, ServiceArea
from .validators import area_within

_CATEGORY_ORDER = {c: i for i, c in enumerate(Category.values)}
_IN_CHUNK = 500  # ids per ``IN (…)`` when organisations are read


@dataclass(frozen=True)
class OrganisationMatch:
    """An organisation that serves a place; ``partial`` when it serves only some postal codes
    of the municipality and the place was given without one."""

    organisation: Organisation
    partial: bool = False


def cache_sizes() -> dict[str, int]:
    """The bounds of the per-process memos: ``places`` (candidate areas and answers per
    municipality and category) and ``organisations`` (ORM objects with their contacts; their
    JSON, per language, twice as many)."""
    configured = getattr(settings, "HIKKOSHI_DIRECTORY_CACHE", {}) or {}
    return {"places": int(configured.get("places", 2048)), "organisations": int(configured.get("organisations", 2048))}


# An area in the index: (organisation id, category, area code, postal codes from, to).
_Area = tuple[int, str, str, str, str]


@dataclass
class _Snapshot:
    revision: int | None
    areas_by_code: dict[str, tuple[_Area, ...]]
    sort_keys: dict[int, tuple[int, str]]  # organisation id -> (category order, slug)
    by_slug: dict[str, int]
    offices_by_code: dict[str, tuple[int, ...]]  # city and ward offices only
    # Local entries only, none hidden (the same object as ``areas_by_code`` without copies).
    own_areas_by_code: dict[str, tuple[_Area, ...]] = field(default_factory=dict)
    portals: dict[str, PortalCopy] = field(default_factory=dict)  # partner portals' copies by id
    checked_at: float = 0.0
    # Bounded memos valid as long as the snapshot (see the module's docstring).
    candidates: BoundedMemo = field(init=False)
    results: BoundedMemo = field(init=False)
    instances: BoundedMemo = field(init=False)
    rendered_organisations: BoundedMemo = field(init=False)
    offices: BoundedMemo = field(default_factory=lambda: BoundedMemo(64))
    # Indexes other apps derive from this revision (the catalogue's by area): see ``derived``.
    derived_indexes: dict = field(default_factory=dict)
    derived_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        sizes = cache_sizes()
        self.candidates = BoundedMemo(sizes["places"])
        self.results = BoundedMemo(sizes["places"])
        self.instances = BoundedMemo(sizes["organisations"])
        self.rendered_organisations = BoundedMemo(2 * sizes["organisations"])


CHECK_INTERVAL = 1.0  # seconds
_state: dict[str, _Snapshot] = {}


def _current_revision() -> int | None:
    table = DirectoryRevision._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stamp FROM {table} WHERE id = 1")  # noqa: S608 (constant)
        row = cursor.fetchone()
    return row[0] if row else None


# Callables giving the areas of partners asked live per place (no copy here): registered by an app
# above this one (``hikkoshi.federation``), read when an index is built; there, as where a copy
# was taken, the partner's entries win over the local ones. The app bumps the revision when they change.
_served_sources: list[Callable[[], list[str]]] = []


def add_served_areas_source(source: Callable[[], list[str]]) -> None:
    if source not in _served_sources:
        _served_sources.append(source)


def _hidden_by(copies: dict[str, PortalCopy], live_areas: list[str]):
    """Whether a local service area's code lies where a partner's copy (or a partner asked live)
    wins (memoised per code)."""
    served = sorted({code for copy in copies.values() for code in copy.areas} | set(live_areas))
    seen: dict[str, bool] = {}

    def hidden(code: str) -> bool:
        found = seen.get(code)
        if found is None:
            found = seen[code] = area_within(code, served)
        return found

    return hidden


def _load(revision: int | None) -> _Snapshot:
    copies = {copy.portal: copy for copy in PortalCopy.objects.all()}
    live_areas = [code for source in _served_sources for code in source()]
    hidden = _hidden_by(copies, live_areas)
    partners = bool(copies or live_areas)
    sort_keys: dict[int, tuple[int, str]] = {}
    by_slug: dict[str, int] = {}
    categories: dict[int, str] = {}
    local: set[int] = set()
    for pk, slug, category, portal in Organisation.objects.values_list("pk", "slug", "category", "portal"):
        if portal == LOCAL_PORTAL:
            local.add(pk)
        elif portal not in copies:  # left over from a copy being replaced: never shown
            continue
        sort_keys[pk] = (_CATEGORY_ORDER.get(category, 99), slug)
        by_slug[slug] = pk
        categories[pk] = category
    grouped: dict[str, list[_Area]] = {}
    own: dict[str, list[_Area]] = {}
    offices: dict[str, list[int]] = {}
    interned: dict[str, str] = {}  # one string object per distinct code, not one per row
    rows = ServiceArea.objects.values_list("organisation_id", "area_code", "postcode_from", "postcode_to").order_by(
        "id"
    )
    for org_id, code, postcode_from, postcode_to in rows.iterator(chunk_size=5000):
        org_category = categories.get(org_id)
        if org_category is None:  # created after the first query: seen with the next revision
            continue
        code = interned.setdefault(code, code)
        area = (org_id, org_category, code, postcode_from, postcode_to)
        if org_id in local:
            own.setdefault(code, []).append(area)
            if partners and hidden(code):
                continue
        grouped.setdefault(code, []).append(area)
        if code and org_category in OFFICE_CATEGORIES:
            offices.setdefault(code, []).append(org_id)
    areas_by_code = {code: tuple(areas) for code, areas in grouped.items()}
    return _Snapshot(
        revision,
        areas_by_code=areas_by_code,
        sort_keys=sort_keys,
        by_slug=by_slug,
        offices_by_code={code: tuple(dict.fromkeys(ids)) for code, ids in offices.items()},
        own_areas_by_code={code: tuple(areas) for code, areas in own.items()} if partners else areas_by_code,
        portals=copies,
    )


def directory_snapshot() -> _Snapshot:
    """The directory's index as of the last committed change, built at most once per change.

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
        snapshot = _load(revision)  # the old one serves until this one is whole
    if not in_transaction:
        snapshot.checked_at = now
        _state[key] = snapshot
    return snapshot


def derived(snapshot: _Snapshot, name: str, build):
    """An index derived from the data of ``snapshot``'s revision (the catalogue by area,
    ``hikkoshi.catalogue.selectors``): ``build(snapshot)`` runs once per revision and process,
    and its result is dropped with the snapshot when the revision changes. Whatever the index
    is built from must renew the revision when it changes (``signals.bump_revision``)."""
    index = snapshot.derived_indexes.get(name)
    if index is None:
        with snapshot.derived_lock:  # a worker's threads build it once
            index = snapshot.derived_indexes.get(name)
            if index is None:
                index = build(snapshot)
                snapshot.derived_indexes[name] = index
    return index


def forget_snapshots() -> None:
    """Drop this process's snapshots (after a change made here)."""
    _state.clear()


def organisations_by_id(ids, *, snapshot: _Snapshot | None = None) -> dict[int, Organisation]:
    """Organisations (with ``contact_list``) by id, from the snapshot's memo or read in bulk.

    An id that no longer exists (deleted since the index was built) is left out."""
    snapshot = snapshot or directory_snapshot()
    found: dict[int, Organisation] = {}
    missing = []
    for pk in ids:
        org = snapshot.instances.get(pk)
        if org is None:
            missing.append(pk)
        else:
            found[pk] = org
    for start in range(0, len(missing), _IN_CHUNK):
        chunk = missing[start : start + _IN_CHUNK]
        loaded = {o.pk: o for o in Organisation.objects.filter(pk__in=chunk)}
        for org in loaded.values():
            org.contact_list = []
        for contact in Contact.objects.filter(organisation_id__in=chunk).order_by("position", "id"):
            loaded[contact.organisation_id].contact_list.append(contact)
        for pk, org in loaded.items():
            org.portal_copy = snapshot.portals.get(org.portal)
            snapshot.instances[pk] = org
            found[pk] = org
    return found


def _candidates(snapshot: _Snapshot, municipality_code: str, category: str | None, own: bool = False):
    """The service areas that may cover a municipality, and whether any has a postal-code range
    (in this portal's own index when ``own``)."""
    key = (municipality_code, category, own)
    index = snapshot.own_areas_by_code if own else snapshot.areas_by_code
    found = snapshot.candidates.get(key)
    if found is None:
        registration = registration_code_of(municipality_code)
        codes = dict.fromkeys((municipality_code, registration, municipality_code[:2], ""))
        areas = tuple(area for code in codes for area in index.get(code, ()) if not category or area[1] == category)
        found = (registration, areas, any(area[3] for area in areas))
        snapshot.candidates[key] = found
    return found


def _covers(area: _Area, municipality_code: str, registration: str, postcode: str) -> bool:
    """Whether an area covers a place (ward code, its city's code, postal code); the same rule
    as ``ServiceArea.covers``."""
    _, _, code, postcode_from, postcode_to = area
    if code:
        if len(code) == 2:
            if not municipality_code.startswith(code):
                return False
        elif code not in (municipality_code, registration):
            return False
    if postcode_from:
        return bool(postcode) and postcode_from <= postcode <= postcode_to
    return True


def match_ids(
    *,
    municipality_code: str,
    postcode: str = "",
    category: str | None = None,
    snapshot: _Snapshot | None = None,
    own: bool = False,
) -> tuple[tuple[int, bool], ...]:
    """``(organisation id, partial)`` of the organisations serving a place, in the order of
    ``organisations_for_place``: partners' entries where they serve, or with ``own`` only this
    portal's own entries (none hidden)."""
    snapshot = snapshot or directory_snapshot()
    registration, areas, ranged = _candidates(snapshot, municipality_code, category, own)
    if not ranged:
        # Nothing depends on the postal code: the answer is the municipality's.
        result = snapshot.results.get((municipality_code, category, own))
        if result is not None:
            return result
    found: dict[int, bool] = {}
    for area in areas:
        org_id, _, code, postcode_from, _ = area
        if postcode_from and not postcode:
            # Without a postal code we cannot tell: show it, marked as serving part of the area.
            if code and org_id not in found:
                found[org_id] = True
            continue
        if _covers(area, municipality_code, registration, postcode):
            found[org_id] = False
    keys = snapshot.sort_keys
    result = tuple(sorted(found.items(), key=lambda item: keys[item[0]]))
    if not ranged:
        snapshot.results[(municipality_code, category, own)] = result
    return result


def organisations_for_place(
    *,
    municipality_code: str,
    postcode: str = "",
    category: str | None = None,
    snapshot: _Snapshot | None = None,
) -> list[OrganisationMatch]:
    """Organisations serving a place, offices first, then by category and identifier."""
    snapshot = snapshot or directory_snapshot()
    ids = match_ids(municipality_code=municipality_code, postcode=postcode, category=category, snapshot=snapshot)
    orgs = organisations_by_id([pk for pk, _ in ids], snapshot=snapshot)
    return [OrganisationMatch(orgs[pk], partial) for pk, partial in ids if pk in orgs]


# --- entries asked live, per place (a partner that offers only a search) ---------------------------

# A callable (``municipality_code``, ``postcode``, ``category`` as keywords) giving matches not in
# the index: an app above this one registers it (``hikkoshi.federation`` asks its per-query
# partner portals); the search adds what it gives after the indexed matches.
LiveSource = Callable[..., list[OrganisationMatch]]
_live_sources: list[LiveSource] = []


def add_live_source(source: LiveSource) -> None:
    if source not in _live_sources:
        _live_sources.append(source)


def live_matches(*, municipality_code: str, postcode: str = "", category: str | None = None) -> list[OrganisationMatch]:
    """What the registered live sources give for a place (empty when none is registered)."""
    found: list[OrganisationMatch] = []
    for source in _live_sources:
        found.extend(source(municipality_code=municipality_code, postcode=postcode, category=category))
    return found


# --- city and ward offices (市役所・区役所) -------------------------------------------------------


def office_ids_in(area_codes: tuple[str, ...], *, snapshot: _Snapshot | None = None) -> tuple[int, ...]:
    """Ids of the city hall and ward offices serving somewhere in the given areas (2-digit
    prefecture or 5-digit municipality codes, a designated city's covering its wards), offices
    first, then by identifier. Walks the codes that have an office once, memoised per areas."""
    snapshot = snapshot or directory_snapshot()
    key = tuple(area_codes)
    ids = snapshot.offices.get(key)
    if ids is None:
        found: dict[int, None] = {}
        for code, org_ids in snapshot.offices_by_code.items():
            registration = registration_code_of(code)
            if any(code.startswith(area) or registration == area for area in key):
                found.update(dict.fromkeys(org_ids))
        ids = tuple(sorted(found, key=snapshot.sort_keys.__getitem__))
        snapshot.offices[key] = ids
    return ids


def offices_in(area_codes: tuple[str, ...]) -> list[Organisation]:
    """City hall and ward offices serving somewhere in the given areas (市役所・区役所)."""
    snapshot = directory_snapshot()
    ids = office_ids_in(area_codes, snapshot=snapshot)
    orgs = organisations_by_id(ids, snapshot=snapshot)
    return [orgs[pk] for pk in ids if pk in orgs]


def search_key(text: str) -> str:
    """Text as compared by the office search: NFKC, case-folded, hiragana as katakana, no
    spaces (``さっぽろ`` finds ``サッポロ``, ``ｻｯﾎﾟﾛ`` too)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = hiragana_to_katakana(text)
    return "".join(text.split())


def _municipality_names() -> dict[str, str]:
    names = {m.code: f"{m.prefecture}{m.name}" for m in all_municipalities()}
    names.update({c.code: f"{c.prefecture}{c.name}" for c in designated_cities().values()})
    return names


def office_search(area_codes: tuple[str, ...], query: str) -> tuple[int, ...]:
    """Ids of the offices in the areas whose name, kana, English name, address or
    municipality (prefecture and city, as Japan Post names them) contains ``query``."""
    snapshot = directory_snapshot()
    ids = office_ids_in(area_codes, snapshot=snapshot)
    needle = search_key(query)
    if not needle:
        return ids
    names = _municipality_names()
    codes_of: dict[int, list[str]] = {}
    for code, org_ids in snapshot.offices_by_code.items():
        for pk in org_ids:
            codes_of.setdefault(pk, []).append(code)
    wanted = set(ids)
    texts = (
        Organisation.objects.filter(pk__in=wanted).values_list("pk", "name", "name_kana", "name_en", "address")
        if len(wanted) <= _IN_CHUNK
        else (
            Organisation.objects.filter(category__in=OFFICE_CATEGORIES).values_list(
                "pk", "name", "name_kana", "name_en", "address"
            )
        )
    )
    hits = set()
    for pk, *fields in texts:
        if pk not in wanted:
            continue
        places = [names.get(code, "") for code in codes_of.get(pk, ())]
        places += [names.get(registration_code_of(code), "") for code in codes_of.get(pk, ())]
        if needle in search_key("\x00".join([*fields, *places])):
            hits.add(pk)
    return tuple(pk for pk in ids if pk in hits)


def receipt_keys_of(slug: str) -> tuple[dict, ...]:
    """The public keys (JWKs) an organisation signs its web-channel receipts with; () when the
    organisation is unknown or has none."""
    snapshot = directory_snapshot()
    pk = snapshot.by_slug.get(slug)
    org = organisations_by_id([pk], snapshot=snapshot).get(pk) if pk is not None else None
    return tuple(org.receipt_keys or ()) if org is not None else ()
