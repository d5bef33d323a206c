"""Which procedures apply to a move (手続きの判定).

A nationwide catalogue holds tens of thousands of procedures; a move concerns the few whose
organisations serve one of its two places. Each process keeps an index of the active procedures
by the area codes their organisations serve (``catalogue_index``), derived from the directory's
snapshot and rebuilt with it: a change of a procedure, of its versions or of the directory renews
the one revision stamp (``DirectoryRevision``) and every process takes up the new index within
a second. A request looks only at the procedures indexed under its two places' codes.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from hikkoshi import channels
from hikkoshi.directory.constants import Category
from hikkoshi.directory.models import Organisation
from hikkoshi.directory.selectors import derived, directory_snapshot, match_ids, organisations_for_place
from hikkoshi.places.move_kind import MoveAssessment, MoveKind
from hikkoshi.places.municipalities import municipality_code as registration_code_of
from hikkoshi.places.postcodes import Place

from .constants import Condition, End, Office
from .models import Procedure, ProcedureVersion


@dataclass(frozen=True)
class Applicable:
    """A procedure that applies to a move, with why and where."""

    procedure: Procedure
    version: ProcedureVersion
    kinds: tuple[MoveKind, ...]  # the kinds of the move it applies for
    required: bool = False  # required by law (the 住民異動届): always "apply here"
    preselected: bool = True  # offered with "apply here" chosen (it usually applies)

    @property
    def slug(self) -> str:
        return self.procedure.slug

    @property
    def optional(self) -> bool:
        """Offered, not required: the mover chooses (apply here / arranged / … / not needed)."""
        return not self.required


def _ends(kind: MoveKind, old: Place, new: Place, end: str = End.BOTH) -> list[Place]:
    """The places a procedure of this kind concerns: the end it names (stopping at the old
    address, starting at the new one), else 転出 the old, 転入 the new, 転居 both."""
    if end == End.OLD:
        return [old]
    if end == End.NEW:
        return [new]
    if kind == MoveKind.MOVE_OUT:
        return [old]
    if kind == MoveKind.MOVE_IN:
        return [new]
    return [new, old]


@dataclass(frozen=True)
class _Entry:
    """An active procedure as the index holds it: plain values, no model objects."""

    pk: int
    organisation_id: int
    move_kinds: frozenset
    conditions: frozenset
    end: str
    required: bool
    version_id: int | None  # its newest recorded version


@dataclass(frozen=True)
class CatalogueIndex:
    """The active procedures in catalogue order, and which of them may apply to a place, by
    the area codes (municipality, prefecture, "" for all Japan) their organisations serve."""

    entries: tuple[_Entry, ...]
    by_code: dict[str, tuple[int, ...]]  # area code -> positions in ``entries``, ascending


def _build_index(snapshot) -> CatalogueIndex:
    """Two queries of plain values (the procedures, their versions' numbers), and the directory
    snapshot's areas: built once per revision and process (``directory.selectors.derived``)."""
    newest: dict[int, tuple[int, int]] = {}
    for procedure_id, number, pk in (
        ProcedureVersion.objects.filter(procedure__active=True)
        .values_list("procedure_id", "number", "pk")
        .iterator(chunk_size=5000)
    ):
        if number > newest.get(procedure_id, (0, 0))[0]:
            newest[procedure_id] = (number, pk)
    interned: dict = {}
    entries = []
    for pk, organisation_id, move_kinds, conditions, end, required in (
        Procedure.objects.filter(active=True)
        .order_by(*(Procedure._meta.ordering or ()))
        .values_list("pk", "organisation_id", "move_kinds", "conditions", "end", "required")
    ):
        kinds = frozenset(move_kinds or ())
        conds = frozenset(conditions or ())
        entries.append(
            _Entry(
                pk,
                organisation_id,
                interned.setdefault(kinds, kinds),
                interned.setdefault(conds, conds),
                end,
                required,
                newest.get(pk, (0, None))[1],
            )
        )
    by_organisation: dict[int, list[int]] = {}
    for position, entry in enumerate(entries):
        by_organisation.setdefault(entry.organisation_id, []).append(position)
    by_code: dict[str, set[int]] = {}
    for code, areas in snapshot.own_areas_by_code.items():  # its procedures are this portal's
        for area in areas:
            positions = by_organisation.get(area[0])
            if positions:
                by_code.setdefault(code, set()).update(positions)
    return CatalogueIndex(tuple(entries), {code: tuple(sorted(p)) for code, p in by_code.items()})


def catalogue_index(snapshot=None) -> CatalogueIndex:
    """The catalogue's index for the current revision (shared by the process, rebuilt when a
    procedure, a version or the directory changes: the directory's revision and snapshot)."""
    return derived(snapshot or directory_snapshot(), "catalogue", _build_index)


def _area_codes(place: Place) -> tuple[str, ...]:
    """The area codes a service area covering ``place`` may have (as ``ServiceArea.covers``)."""
    code = place.municipality_code
    return tuple(dict.fromkeys((code, registration_code_of(code), code[:2], "")))


def _served(place: Place, snapshot) -> frozenset[int]:
    """The organisations serving all of ``place`` (not only some of its postal codes)."""
    return frozenset(
        pk
        for pk, partial in match_ids(
            municipality_code=place.municipality_code, postcode=place.postcode, snapshot=snapshot, own=True
        )
        if not partial
    )


def applicable_procedures(*, assessment: MoveAssessment, old: Place, new: Place) -> list[Applicable]:
    """The active procedures that apply to a move, in catalogue order.

    Only the procedures whose organisation serves an area containing one of the two places are
    looked at (``catalogue_index``); each is then checked as it always was: its kinds of move,
    its end of the move (``_ends``), its organisation serving that end wholly, its conditions.
    The model objects of those that apply are read in two queries."""
    snapshot = directory_snapshot()
    index = catalogue_index(snapshot)
    positions = sorted({p for place in (old, new) for code in _area_codes(place) for p in index.by_code.get(code, ())})
    served = {}

    def serves(organisation_id: int, place: Place) -> bool:
        key = (place.municipality_code, place.postcode)
        if key not in served:
            served[key] = _served(place, snapshot)
        return organisation_id in served[key]

    chosen = []
    for position in positions:
        entry = index.entries[position]
        if Condition.DESTINATION_IN_REGION in entry.conditions and not assessment.new_in_region:
            continue
        kinds = tuple(
            kind
            for kind in assessment.kinds
            if kind in entry.move_kinds
            and any(serves(entry.organisation_id, place) for place in _ends(kind, old, new, entry.end))
        )
        if kinds:
            chosen.append((entry, kinds))
    if not chosen:
        return []
    procedures = Procedure.objects.select_related("organisation").in_bulk([e.pk for e, _k in chosen])
    versions = ProcedureVersion.objects.in_bulk([e.version_id for e, _k in chosen if e.version_id])
    result = []
    for entry, kinds in chosen:
        procedure = procedures.get(entry.pk)
        if procedure is None:  # deleted since the index was built
            continue
        version = versions.get(entry.version_id)
        if version is None:
            version = procedure.record_version()
        version.procedure = procedure
        result.append(
            Applicable(
                procedure,
                version,
                kinds,
                required=entry.required,
                preselected=entry.required or Condition.OPT_IN not in entry.conditions,
            )
        )
    return result


def deadline_window(definition: dict, move_date: date) -> tuple[date | None, date | None]:
    """The period in which a procedure is done, from its rule and the move date."""
    start, end = definition.get("deadline_from_days"), definition.get("deadline_to_days")
    return (
        move_date + timedelta(days=start) if start is not None else None,
        move_date + timedelta(days=end) if end is not None else None,
    )


def period_ended_notice(*, name: str, end: date | None, organisation: str, today: date) -> str | None:
    """The warning for a procedure whose period ended before ``today``, or None."""
    if end is None or end >= today:
        return None
    return _("The period for %(name)s ended on %(date)s: contact %(organisation)s.") % {
        "name": name,
        "date": end.isoformat(),
        "organisation": organisation,
    }


def office_for(definition: dict, *, old: Place, new: Place) -> Organisation | None:
    """The office a window procedure's form goes to: the ward (or city) office of an address."""
    if definition.get("office") == Office.ORGANISATION:
        return Organisation.objects.filter(slug=definition.get("organisation")).first()
    place = old if definition.get("office") == Office.OLD_ADDRESS else new
    for category in (Category.WARD_OFFICE, Category.CITY_OFFICE):
        matches = organisations_for_place(
            municipality_code=place.municipality_code, postcode=place.postcode, category=category
        )
        if matches:
            return matches[0].organisation
    return None


def organisation_name(applicable: Applicable, *, old: Place, new: Place) -> str:
    """Whom a procedure is for, as the mover is told: a window procedure's office (the ward
    office of the address, 戸籍住民課 — ``office_for``), else its organisation."""
    definition = applicable.version.definition
    if channels.in_person(definition.get("channel", "")):
        office = office_for(definition, old=old, new=new)
        if office is not None:
            return office.name
    return applicable.procedure.organisation.name


# What a mover stops at the old home and starts at the new one.
UTILITIES = (Category.ELECTRICITY, Category.GAS, Category.WATER)


def utility_contacts(*, assessment: MoveAssessment, old: Place, new: Place) -> list[dict]:
    """For each end of a move outside this portal's region, whom to contact there about the
    electricity, gas and water (to stop them at the old address, to start them at the new
    one), from the directory; an empty list of organisations where the directory has none.

    The portal applies to the organisations of its own region only, so for a move from Tokyo
    to Sapporo the mover learns here where to stop Tokyo's utilities themselves.
    """
    ends = []
    for end, place, in_region in ((End.OLD, old, assessment.old_in_region), (End.NEW, new, assessment.new_in_region)):
        if in_region:
            continue
        rows = []
        for category in UTILITIES:
            matches = organisations_for_place(
                municipality_code=place.municipality_code, postcode=place.postcode, category=category
            )
            rows.append(
                {"category": str(category), "label": category.label, "organisations": [_contact(m) for m in matches]}
            )
        ends.append({"end": str(end), "municipality": place.prefecture + place.municipality, "rows": rows})
    return ends


def _contact(match) -> dict:
    org = match.organisation
    contacts = getattr(org, "contact_list", None)
    if contacts is None:
        contacts = list(org.contacts.all())
    return {
        "name": org.name,
        "partial": match.partial,
        "sample": org.is_sample,
        "phones": [c.value for c in contacts if c.kind == "phone"],
        "web": [c.value for c in contacts if c.kind == "web"],
    }
