"""Reads of moves, through the one access policy (``moves.access``)."""

from datetime import date

from django.utils.translation import gettext as _

from hikkoshi.places.moves import MoveKind
from hikkoshi.documents.labels import CHANNELS
from hikkoshi.documents.data import Address, FieldValue, MoveRecord, Office, Person, ProcedureEntry

from .access import move_visible_to, visible_moves
from .constants import EntryStatus
from .models import Move

# The channels as the printed documents name them, shown the same way on the pages and in the API.
CHANNEL_LABELS = CHANNELS
# The applicant of a move whose personal data was erased (no name, no birth date).
ERASED_PERSON = Person(name="", name_kana="", birth_date=None)  # type: ignore[arg-type]


def move_for(*, user, public_id, area: str | None = None) -> Move | None:
    """The move with this public id if ``user`` may see it (``access.move_visible_to``), or None
    (also for a move of someone else, of another store, agency or call centre)."""
    return move_visible_to(user, public_id, area=area)


def moves_of(user, *, area: str | None = "own") -> list[Move]:
    """The moves ``user`` sees in ``area`` (by default their own, as a mover), newest first
    (drafts and submitted)."""
    return list(visible_moves(user, area=area))


def _person(data: dict, relationship: str = "") -> Person:
    return Person(name=data["name"], name_kana=data["name_kana"],
                  birth_date=date.fromisoformat(data["birth_date"]),
                  relationship=relationship or data.get("relationship", ""))


def _address(data: dict) -> Address:
    return Address(postcode=data.get("postcode", ""),
                   address=data.get("full_address", data.get("address", "")),
                   municipality_code=data.get("municipality_code", ""),
                   municipality=data.get("municipality", ""), building=data.get("building", ""))


def _notification(kinds: list[str]) -> str:
    """The box of the 住民異動届 for the kinds a procedure was chosen for."""
    for kind in (MoveKind.MOVE_OUT, MoveKind.RELOCATION, MoveKind.MOVE_IN):
        if kind in kinds:
            return str(kind)
    return ""


def move_record(move: Move) -> MoveRecord:
    """A stored move as its documents show it (``documents.data.MoveRecord``).

    For a move whose personal data was erased after the retention time (``erased_at``), the
    persons and addresses are empty (the applicant's birth date is None) and no procedure
    offers a form to print; the rest (procedures, statuses, references, offices) is as stored.
    """
    erased = move.erased_at is not None
    entries = []
    for entry in move.entries.all():
        definition = entry.definition
        schema = entry.version.schema
        fields = tuple(
            FieldValue(spec.name, spec.label, spec.display(entry.values[spec.name]))
            for spec in schema if spec.name in entry.values
        )
        office = entry.office
        entries.append(ProcedureEntry(
            slug=definition["slug"], version=entry.version.number, name=definition["name"],
            name_en=definition.get("name_en", ""),
            # A window procedure is done at the office stored with it (the ward office of the
            # address, 戸籍住民課), not at the organisation that runs it (the city hall).
            organisation=office["name"] if office and definition["channel"] == "window"
            else entry.version.procedure.organisation.name,
            channel=definition["channel"], status=entry.status,
            status_label=str(EntryStatus(entry.status).label), reference=entry.reference,
            deadline_from=entry.deadline_from, deadline_to=entry.deadline_to,
            # An erased move has nothing to fill a form in with: it offers none.
            form="" if erased else definition.get("official_form", ""),
            notification=_notification(entry.kinds) if definition.get("official_form") and not erased else "",
            fields=fields,
            what_to_bring=tuple(line for line in definition.get("what_to_bring", "").splitlines() if line.strip()),
            office=Office(name=office["name"], address=office.get("address", ""),
                          postcode=office.get("postcode", ""), hours=office.get("hours", ""),
                          phone=office.get("phone", ""), sample=office.get("sample", True)) if office else None,
        ))
    applicant = move.applicant
    return MoveRecord(
        id=str(move.public_id), created_at=move.created_at.date(),
        submitted_at=move.submitted_at.date() if move.submitted_at else None,
        move_date=move.move_date, kinds=tuple(move.kinds),
        applicant=_person(applicant) if not erased else ERASED_PERSON,
        phone=applicant.get("phone", ""), email=applicant.get("email", ""),
        members=tuple(_person(m) for m in move.members) if not erased else (),
        old_address=_address(move.old_address), new_address=_address(move.new_address),
        procedures=tuple(entries), portal_name=_("hikkoshi"),
    )
