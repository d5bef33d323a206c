"""Reads of moves, through the one access policy (``moves.access``)."""

from collections.abc import Iterable
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from hikkoshi import channels
from hikkoshi.documents.data import (
    Address,
    FieldValue,
    ForeignResident,
    MoveRecord,
    Office,
    Person,
    ProcedureRecord,
    TimelineEvent,
)
from hikkoshi.places.move_kind import MoveKind

from .access import OWN, move_visible_to, own_only, visible_moves
from .common import APPLICANT, HEAD_APPLICANT, HEAD_OTHER, HEAD_RELATIONSHIP, MEMBER
from .constants import MoveStatus, NoticeKind, NoticeStatus, ProcedureStatus
from .foreign import (
    MID_LONG,
    PROVISIONAL_STAY,
    SPECIAL_PERMANENT,
    TEMPORARY_REFUGE,
    applies as foreign_applies,
    category_label,
    is_foreign,
)
from .models import Move, MoveProcedure


def channel_label(name: str) -> str:
    """A channel as the pages and the API name it, in the active language (窓口 / Counter, FAX /
    Fax, …); the forms organisations receive use ``channels.japanese_label``."""
    return str(channels.document_label(name))


# The applicant of a move whose personal data was erased (no name, no birth date).
ERASED_PERSON = Person(name="", name_kana="", birth_date=None)


def move_for(*, user, public_id, area: str | None = None) -> Move | None:
    """The move with this public id if ``user`` may see it (``access.move_visible_to``), or None
    (also for a move of someone else, of another store, agency or call centre)."""
    return move_visible_to(user, public_id, area=area)


def moves_of(user, *, area: str | None = "own") -> list[Move]:
    """The moves ``user`` sees in ``area`` (by default their own, as a mover), newest first
    (drafts and submitted)."""
    return list(visible_moves(user, area=area))


def last_own_move(user, *, exclude=None) -> Move | None:
    """The mover's own last submitted move whose personal data is still there (not erased),
    never one entered for a customer (代行) — their details are offered on a new move."""
    moves = visible_moves(user, area=OWN).filter(own_only(), status=MoveStatus.SUBMITTED, erased_at__isnull=True)
    if exclude is not None:
        moves = moves.exclude(pk=exclude.pk)
    return moves.order_by("-submitted_at", "-pk").first()


def people_of(move: Move) -> dict:
    """The people step's values (as the draft keeps them) from a submitted move: the applicant
    and the members with their 続柄, and the 世帯主 when they were one of them."""

    def typed(specs, data):
        return {spec.name: str(data.get(spec.name, "")) for spec in specs} if isinstance(data, dict) else {}

    values = {
        "applicant": typed(APPLICANT, move.applicant),
        "members": [typed(MEMBER, m) for m in move.members or []],
        "blank_rows": 1,
    }
    head = (move.household or {}).get("head", "")
    if head and head != HEAD_OTHER:
        values["household"] = {"head": head, "head_name": ""}
    return values


def _person(data: dict, relationship: str = "") -> Person:
    return Person(
        name=data["name"],
        name_kana=data["name_kana"],
        birth_date=date.fromisoformat(data["birth_date"]),
        relationship=relationship or data.get("relationship", ""),
        sex=data.get("sex", ""),
        foreign=_foreign(data),
    )


def _foreign(data: dict) -> ForeignResident | None:
    """A person's 外国人住民 fields as the 住民異動届 prints them (``moves.foreign``)."""
    if not is_foreign(data):
        return None
    category = data.get("residence_category", "")

    def given(name: str) -> str:  # never printed for a 区分 that has no such field (``applies``)
        return str(data.get(name) or "") if foreign_applies(name, category) else ""

    expiry = given("stay_expiry")
    return ForeignResident(
        category=category_label(category),
        nationality=data.get("nationality", ""),
        card_number=given("residence_card_number"),
        status=given("residence_status"),
        period=given("period_of_stay"),
        expiry=date.fromisoformat(expiry) if expiry else None,
    )


def residence_card_lines(people) -> list[str]:
    """What each foreign resident brings to the counter for a 住民異動届 (持ち物): their 在留カード
    or 特別永住者証明書 — the 転入届 with it counts as the notification of the place of residence
    (入管法第19条の9, 入管特例法第10条, 住民基本台帳法第30条の46) —, or the 一時庇護許可書 /
    仮滞在許可書 they hold instead (大和市「住民票作成対象者・住民票の記載事項」). Nothing is said
    for 経過滞在者 (no document is known). ``people``: ``documents.data.Person``."""
    documents = {
        category_label(MID_LONG): _("The residence card (在留カード) of %(name)s"),
        category_label(SPECIAL_PERMANENT): _(
            "The special permanent resident certificate (特別永住者証明書) of %(name)s"
        ),
        category_label(TEMPORARY_REFUGE): _("The permit for temporary refuge (一時庇護許可書) of %(name)s"),
        category_label(PROVISIONAL_STAY): _("The permit for provisional stay (仮滞在許可書) of %(name)s"),
    }
    lines = []
    for person in people:
        text = documents.get(person.foreign.category) if person.foreign is not None else None
        if text:
            lines.append(text % {"name": person.name})
    return lines


def _household(move: Move) -> tuple[str, Person, tuple[Person, ...]]:
    """(世帯主's name, applicant, members) with each 続柄 to the 世帯主 and the 世帯主's own row
    reading 世帯主. A move stored before the 世帯主 was asked has no name and its 続柄 as stored."""
    household = move.household or {}
    head = household.get("head", "")
    applicant = _person(move.applicant, HEAD_RELATIONSHIP if head == HEAD_APPLICANT else "")
    members = tuple(
        _person(m, HEAD_RELATIONSHIP if head == f"members[{i}]" else "") for i, m in enumerate(move.members)
    )
    if head == HEAD_APPLICANT:
        name = applicant.name
    elif head == HEAD_OTHER:
        name = household.get("head_name", "")
    else:
        name = next((m.name for i, m in enumerate(members) if head == f"members[{i}]"), "")
    return name, applicant, members


def foreign_residents_bring(move: Move) -> list[str]:
    """``residence_card_lines`` of a stored move's people (none once its data was erased)."""
    if move.erased_at is not None or not move.applicant:
        return []
    people = [move.applicant, *(move.members or [])]
    return residence_card_lines(_person(p) for p in people if is_foreign(p))


def _address(data: dict) -> Address:
    return Address(
        postcode=data.get("postcode", ""),
        address=data.get("full_address", data.get("address", "")),
        municipality_code=data.get("municipality_code", ""),
        municipality=data.get("municipality", ""),
        building=data.get("building", ""),
    )


def _notification(kinds: list[str]) -> str:
    """The box of the 住民異動届 for the kinds a procedure was chosen for."""
    for kind in (MoveKind.MOVE_OUT, MoveKind.RELOCATION, MoveKind.MOVE_IN):
        if kind in kinds:
            return str(kind)
    return ""


def _timelines(move: Move) -> dict[int, tuple[TimelineEvent, ...]]:
    """Each procedure's 処理状況 (sent, the organisations' answers), in one query."""
    from .answers import timeline
    from .models import ProcedureAnswer

    answers: dict[int, list[ProcedureAnswer]] = {}
    for answer in ProcedureAnswer.objects.filter(entry__move=move).order_by("at", "id"):
        answers.setdefault(answer.entry_id, []).append(answer)
    return {
        entry.pk: tuple(
            TimelineEvent(
                status=e["status"], label=e["label"], at=e["at"], message=e["message"], reference=e.get("reference", "")
            )
            for e in timeline(entry, answers=answers.get(entry.pk, []))
        )
        for entry in move.procedures.all()
    }


def _status_labels(move: Move) -> dict[int, str]:
    """Each procedure's state in words as the result page's badge says it, with what was
    withdrawn or corrected (取下げ・訂正), by entry id — in one query."""
    from .notices import notices_by_procedure
    from .result import badge

    notices = notices_by_procedure([move.pk])
    labels = {}
    for entry in move.procedures.all():
        found = notices.get(entry.pk, [])
        label = badge(entry, found).label
        if any(
            n.kind == NoticeKind.CORRECTION and n.status not in (NoticeStatus.REFUSED, NoticeStatus.FAILED)
            for n in found
        ):
            label = _("%(status)s; corrected") % {"status": label}
        labels[entry.pk] = label
    return labels


def move_record(move: Move, *, changes: bool = True, procedures: Iterable[MoveProcedure] | None = None) -> MoveRecord:
    """A stored move as its documents show it (``documents.data.MoveRecord``).

    The 世帯主 (``head_of_household``) and every person's 続柄 to the 世帯主 come from
    ``Move.household`` (``_household``). ``status_label`` says what was withdrawn or corrected
    too (one more query; an application on its way, ``changes=False``, needs none of it).
    ``procedures``: the ones it holds (read with their version, procedure and organisation); by
    default every one of the move's. (With ``changes``, the labels and timelines are read for
    every one of the move's all the same.)

    For a move whose personal data was erased after the retention time (``erased_at``), the
    persons and addresses are empty (the applicant's birth date is None) and no procedure
    offers a form to print; the rest (procedures, statuses, references, offices) is as stored.
    """
    erased = move.erased_at is not None
    labels = _status_labels(move) if changes else {}
    head, person, members = _household(move) if not erased else ("", ERASED_PERSON, ())
    people = (person, *members)
    timelines = _timelines(move) if changes else {}
    entries = []
    for entry in move.procedures.all() if procedures is None else procedures:
        definition = entry.definition
        schema = entry.version.schema
        fields = tuple(
            FieldValue(spec.name, spec.label, spec.display(entry.values[spec.name]))
            for spec in schema
            if spec.name in entry.values
        )
        office = entry.office
        entries.append(
            ProcedureRecord(
                slug=definition["slug"],
                version=entry.version.number,
                name=definition["name"],
                name_en=definition.get("name_en", ""),
                # A window procedure is done at the office stored with it (the ward office of the
                # address, 戸籍住民課), not at the organisation that runs it (the city hall).
                organisation=office["name"]
                if office and channels.in_person(definition["channel"])
                else entry.version.procedure.organisation.name,
                channel=definition["channel"],
                status=entry.status,
                status_label=labels.get(entry.pk) or str(ProcedureStatus(entry.status).label),
                reference=entry.reference,
                deadline_from=entry.deadline_from,
                deadline_to=entry.deadline_to,
                # An erased move has nothing to fill a form in with: it offers none.
                form="" if erased else definition.get("official_form", ""),
                notification=_notification(entry.kinds) if definition.get("official_form") and not erased else "",
                fields=fields,
                what_to_bring=tuple(line for line in definition.get("what_to_bring", "").splitlines() if line.strip())
                + (tuple(residence_card_lines(people)) if definition.get("official_form") and not erased else ()),
                office=Office(
                    name=office["name"],
                    address=office.get("address", ""),
                    postcode=office.get("postcode", ""),
                    hours=office.get("hours", ""),
                    phone=office.get("phone", ""),
                    sample=office.get("sample", True),
                )
                if office
                else None,
                # A day still to come only: once filed, the visit is history.
                visit_on=entry.visit_on
                if channels.in_person(definition["channel"])
                and entry.filed_at is None
                and entry.status == ProcedureStatus.IN_PERSON
                else None,
                timeline=timelines.get(entry.pk, ()),
            )
        )
    applicant = move.applicant
    return MoveRecord(
        # The days in Japan's time (a move submitted at 01:00 on the 3rd is not of the 2nd).
        id=str(move.public_id),
        created_at=timezone.localdate(move.created_at),
        submitted_at=timezone.localdate(move.submitted_at) if move.submitted_at else None,
        move_date=move.move_date,  # type: ignore[arg-type]  # a submitted move has its day
        kinds=tuple(move.kinds),
        applicant=person,
        phone=applicant.get("phone", ""),
        email=applicant.get("email", ""),
        members=members,
        head_of_household=head,
        old_address=_address(move.old_address),
        new_address=_address(move.new_address),
        procedures=tuple(entries),
        portal_name=_("hikkoshi"),
        number=move.number or "",
    )


def public_ids_numbered(number: str):
    """The public id of the move with this application number (申請番号), as a one-column query:
    the audit log's search in the admin (``hikkoshi.audit.search``), for staff who see every
    event, so no access policy applies."""
    return Move.objects.filter(number=number).values("public_id")
