"""Which procedures apply to a move (手続きの判定)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from hikkoshi.directory.constants import Category
from hikkoshi.directory.models import Organisation
from hikkoshi.directory.selectors import organisations_for_place
from hikkoshi.places.moves import MoveAssessment, MoveKind
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


def _serves(organisation_id: int, place: Place) -> bool:
    return any(
        m.organisation.pk == organisation_id and not m.partial
        for m in organisations_for_place(municipality_code=place.municipality_code,
                                         postcode=place.postcode)
    )


def applicable_procedures(*, assessment: MoveAssessment, old: Place, new: Place) -> list[Applicable]:
    """The active procedures that apply to a move, in catalogue order."""
    result = []
    newest_first = Prefetch("versions", queryset=ProcedureVersion.objects.order_by("-number"))
    procedures = (Procedure.objects.filter(active=True).select_related("organisation")
                  .prefetch_related(newest_first))
    for procedure in procedures:
        conditions = set(procedure.conditions)
        if Condition.DESTINATION_IN_REGION in conditions and not assessment.new_in_region:
            continue
        kinds = tuple(
            kind for kind in assessment.kinds
            if kind in procedure.move_kinds
            and any(_serves(procedure.organisation_id, place) for place in _ends(kind, old, new, procedure.end))
        )
        if kinds:
            versions = procedure.versions.all()
            version = versions[0] if versions else procedure.record_version()
            result.append(Applicable(procedure, version, kinds, required=procedure.required,
                                     preselected=procedure.required or Condition.OPT_IN not in conditions))
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
        "name": name, "date": end.isoformat(), "organisation": organisation}


def office_for(definition: dict, *, old: Place, new: Place) -> Organisation | None:
    """The office a window procedure's form goes to: the ward (or city) office of an address."""
    if definition.get("office") == Office.ORGANISATION:
        return Organisation.objects.filter(slug=definition.get("organisation")).first()
    place = old if definition.get("office") == Office.OLD_ADDRESS else new
    for category in (Category.WARD_OFFICE, Category.CITY_OFFICE):
        matches = organisations_for_place(municipality_code=place.municipality_code,
                                          postcode=place.postcode, category=category)
        if matches:
            return matches[0].organisation
    return None


def organisation_name(applicable: Applicable, *, old: Place, new: Place) -> str:
    """Whom a procedure is for, as the mover is told: a window procedure's office (the ward
    office of the address, 戸籍住民課 — ``office_for``), else its organisation."""
    definition = applicable.version.definition
    if definition.get("channel") == "window":
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
    for end, place, in_region in ((End.OLD, old, assessment.old_in_region),
                                  (End.NEW, new, assessment.new_in_region)):
        if in_region:
            continue
        rows = []
        for category in UTILITIES:
            matches = organisations_for_place(municipality_code=place.municipality_code,
                                              postcode=place.postcode, category=category)
            rows.append({"category": str(category), "label": category.label,
                         "organisations": [_contact(m) for m in matches]})
        ends.append({"end": str(end), "municipality": place.prefecture + place.municipality, "rows": rows})
    return ends


def _contact(match) -> dict:
    org = match.organisation
    contacts = getattr(org, "contact_list", None)
    if contacts is None:
        contacts = list(org.contacts.all())
    return {
        "name": org.name, "partial": match.partial, "sample": org.is_sample,
        "phones": [c.value for c in contacts if c.kind == "phone"],
        "web": [c.value for c in contacts if c.kind == "web"],
    }
