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

from .constants import Condition, Office
from .models import Procedure, ProcedureVersion


@dataclass(frozen=True)
class Applicable:
    """A procedure that applies to a move, with why and where."""

    procedure: Procedure
    version: ProcedureVersion
    kinds: tuple[MoveKind, ...]  # the kinds of the move it applies for
    optional: bool  # offered, not required (the mover asks for it)

    @property
    def slug(self) -> str:
        return self.procedure.slug


def _ends(kind: MoveKind, old: Place, new: Place) -> list[Place]:
    """The places a procedure of this kind concerns: 転出 the old, 転入 the new, 転居 both."""
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
            and any(_serves(procedure.organisation_id, place) for place in _ends(kind, old, new))
        )
        if kinds:
            versions = procedure.versions.all()
            version = versions[0] if versions else procedure.record_version()
            result.append(Applicable(procedure, version, kinds,
                                     optional=Condition.OPT_IN in conditions))
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
