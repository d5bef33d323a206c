"""Validating and storing a move (引越し申請の受付).

The pages and the API hand in the same payload::

    {"from": {"postcode", "address", "building"}, "to": {…}, "move_date": "…",
     "applicant": {"name", "name_kana", "birth_date", "sex", "phone", "email", "relationship"},
     "members": [{"name", "name_kana", "birth_date", "sex", "relationship"}, …],
     "household": {"head": "applicant" | "members[N]" | "other", "head_name": "…"},
     "procedures": [{"id": "sapporo-water-start", "fields": {…}}, …],
     "choices": {"hokkaido-shimbun-subscription": "not_needed", …}}

``procedures`` are the ones to apply for here (「ここで申し込む」); only the 住民異動届 is
required. ``choices`` (optional) records the mover's answer for the others that apply —
``arranged`` (手配済み), ``other_company`` (別の会社と契約), ``not_needed`` (不要),
``withheld`` (chosen, but no agreement to share the data: not sent) — kept on the move for
statistics (``Move.procedure_choices``, no personal data) with ``apply`` for every listed one.

A foreign resident (外国人住民) answers ``"foreign_resident": true`` and gives, for the
住民異動届, ``residence_category`` (法第30条の45の区分), ``nationality`` (国籍・地域),
``residence_card_number`` (在留カード等の番号), ``residence_status`` (在留資格),
``period_of_stay`` (在留期間) and ``stay_expiry`` (在留期間の満了の日) — ``moves.foreign`` says
which are required for whom; for anyone else they are refused.

``household`` says who is the 世帯主 at the new address: the applicant (also when it is left
out, as older clients do), one of the members moving, or someone already living there
(``head_name``). Every ``relationship`` is the 続柄 to that 世帯主, required for everyone but the
世帯主 (whose row reads 世帯主); ``sex`` (性別) is optional.

``validate_move`` checks all of it and reports every problem by its path
(``applicant.name_kana``, ``members[0].birth_date``, ``procedures[2].fields.start_date``);
``move_submit`` stores a valid move and its procedures in one transaction: whole or not at all.

Before a move goes to any organisation the mover agrees to which data goes where
(``moves.disclosure``): the payload's ``"consent": true``, required by the API and the pages
(``require_consent=True``) and stored with the move (when, by whom, which text version). A move
entered for a customer by a call centre or an agency (代行) is submitted only once the
customer's own consent is recorded (``hikkoshi.assisted``); its applicant may have no e-mail.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hikkoshi import channels
from hikkoshi.catalogue.constants import ProcedureChoice
from hikkoshi.catalogue.schema import clean_values
from hikkoshi.catalogue.selectors import (
    Applicable,
    applicable_procedures,
    deadline_window,
    office_for,
    organisation_name,
    period_ended_notice,
)
from hikkoshi.places.addresses import resolve_address
from hikkoshi.places.move_kind import MoveAssessment, MoveKind, assess_move
from hikkoshi.places.postcodes import Place, lookup

from .access import assisted_of
from .common import (
    ADDRESS,
    HEAD_APPLICANT,
    HEAD_NAME,
    HEAD_OTHER,
    MAX_MEMBERS,
    MEMBER,
    MOVE,
    applicant_fields,
    member_limit_message,
)
from .constants import MoveStatus, ProcedureStatus
from .foreign import foreign_resident_check
from .models import Move, MoveProcedure
from .signals import move_submitted

MOVE_DATE_RANGE_DAYS = 366


class MoveInvalid(Exception):
    """A move that cannot be accepted; ``errors`` maps each field's path to what is wrong."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors


@dataclass
class ValidatedProcedure:
    """One procedure of a validated move, to become its ``MoveProcedure``."""

    applicable: Applicable
    values: dict
    deadline_from: date | None
    deadline_to: date | None


@dataclass
class ValidatedMove:
    old: Place
    new: Place
    old_address: dict
    new_address: dict
    kinds: list[MoveKind]
    move_date: date
    applicant: dict
    members: list[dict]
    household: dict = field(default_factory=lambda: {"head": HEAD_APPLICANT})
    procedures: list[ValidatedProcedure] = field(default_factory=list)
    consent: bool = False  # the mover agreed to which data goes where
    choices: dict[str, str] = field(default_factory=dict)  # per applicable procedure: ProcedureChoice
    warnings: list[dict] = field(default_factory=list)


def clean_address(data: Any, path: str) -> tuple[dict, dict[str, str]]:
    """An address as the wizard's address fields take it (postal code, address, 方書), cleaned:
    (values with ``full_address`` and the municipality, errors by path)."""
    errors: dict[str, str] = {}
    _place, values = _address(data, path, errors)
    return values, errors


def _address(data: Any, path: str, errors: dict) -> tuple[Place | None, dict]:
    values, problems = clean_values(ADDRESS, data, path)
    errors.update(problems)
    if problems:
        return None, values
    place = lookup(values["postcode"])
    if place is None:
        errors[f"{path}.postcode"] = _("No such postal code is known. Check the number.")
        return None, values
    full, other = _full_address(place, values["address"])
    if other is not None:
        errors[f"{path}.address"] = _(
            "The postal code %(postcode)s is in %(place)s, but this address is in %(typed)s. "
            "Check the postal code or the address."
        ) % {"postcode": place.formatted_postcode, "place": place.municipality, "typed": other}
        return None, values
    values["full_address"] = full
    values["municipality_code"] = place.municipality_code
    values["municipality"] = place.municipality
    return place, values


def _full_address(place: Place, typed: str) -> tuple[str | None, str | None]:
    """The full address (prefecture first) from the postal code's place and what was typed, or
    the municipality the typed address names when it is not the postal code's.

    People type the address from the prefecture, from the municipality, from the ward
    (中央区大通西…), from the city without the ward (札幌市大通西…) or from the town; a ward name
    that other cities share (Tokyo's 中央区) counts as the postal code's own.
    """
    city = place.city
    ward = place.municipality[len(city.name) :] if city and place.municipality.startswith(city.name) else ""
    own = [place.prefecture + place.municipality, place.municipality] + ([ward] if ward else [])
    for prefix in own:
        if typed.startswith(prefix):
            return place.prefecture + place.municipality + typed[len(prefix) :].lstrip(), None
    match = resolve_address(typed)
    own_codes = (place.municipality_code, place.registration_code)
    if match.place is not None:
        named = [(match.place.prefecture, match.place.municipality_code, match.place.municipality)]
    else:  # a name several places share (北区): only one of this prefecture can be meant
        named = [(m.prefecture, m.code, m.name) for m in match.candidates if m.prefecture == place.prefecture]
    if len(named) == 1 and named[0][1] not in own_codes:
        prefecture, _code, name = named[0]
        return None, name if prefecture == place.prefecture else prefecture + name
    rest = typed
    for prefix in ([place.prefecture + city.name, city.name] if city else []) + [place.prefecture]:
        if rest.startswith(prefix):
            rest = rest[len(prefix) :].lstrip()
            break
    return place.prefecture + place.municipality + rest, None


@dataclass
class ValidatedPlaces:
    """The first part of a move: both addresses, the moving day and what kind of move it is."""

    old: Place
    new: Place
    old_address: dict
    new_address: dict
    assessment: MoveAssessment
    move_date: date


def validate_places(payload: dict, errors: dict[str, str], *, today: date | None = None) -> ValidatedPlaces | None:
    """Check the addresses and the moving day of a payload; problems go into ``errors``."""
    today = today or timezone.localdate()
    old, old_address = _address(payload.get("from"), "from", errors)
    new, new_address = _address(payload.get("to"), "to", errors)
    move_values, problems = clean_values(MOVE, {"move_date": payload.get("move_date")})
    errors.update(problems)
    if old is None or new is None or problems:
        return None
    assessment = assess_move(old.municipality_code, new.municipality_code)
    if not assessment.kinds:
        errors["to"] = _("Neither address is in this portal's region, so it has no procedures for this move.")
        return None
    move_date = date.fromisoformat(move_values["move_date"])
    if not today - timedelta(days=MOVE_DATE_RANGE_DAYS) <= move_date <= today + timedelta(days=MOVE_DATE_RANGE_DAYS):
        errors["move_date"] = _("Give a moving day within a year of today; for a move longer ago, ask at the counter.")
        return None
    return ValidatedPlaces(old, new, old_address, new_address, assessment, move_date)


def validate_move(
    payload: Any, *, today: date | None = None, require_consent: bool = False, assisted: bool = False
) -> ValidatedMove:
    """Check a whole move; raise ``MoveInvalid`` with every problem, or return it cleaned.

    ``"consent"``, when given, must be ``true``; with ``require_consent`` it must be given.
    ``assisted``: entered for a customer, whose e-mail address is optional.
    """
    today = today or timezone.localdate()
    if not isinstance(payload, dict):
        raise MoveInvalid({"body": _("Expected an object.")})
    errors: dict[str, str] = {}
    allowed = {"from", "to", "move_date", "applicant", "members", "household", "procedures", "consent", "choices"}
    for key in payload:
        if key not in allowed:
            errors[key] = _("Unknown field.")
    consent = payload.get("consent")
    if ("consent" in payload or require_consent) and consent is not True:
        errors["consent"] = _(
            "Agree to send the data to the organisations of the chosen procedures (“consent”: true); "
            "nothing is sent without it."
        )
    places = validate_places(payload, errors, today=today)
    applicant, problems = clean_values(applicant_fields(assisted=assisted), payload.get("applicant"), "applicant")
    errors.update(problems)
    foreign_resident_check(applicant, "applicant", errors)
    members_data = payload.get("members") or []
    members = []
    if not isinstance(members_data, list):
        errors["members"] = _("Expected a list.")
    elif len(members_data) > MAX_MEMBERS:
        errors["members"] = member_limit_message()
    else:
        for i, member in enumerate(members_data):
            values, problems = clean_values(MEMBER, member, f"members[{i}]")
            errors.update(problems)
            foreign_resident_check(values, f"members[{i}]", errors)
            members.append(values)
    household = household_check(payload.get("household"), applicant, members, errors)
    if places is None:
        _check_procedure_shapes(payload.get("procedures"), errors)
        if payload.get("choices") is not None and not isinstance(payload.get("choices"), dict):
            errors["choices"] = _("Expected an object.")
        raise MoveInvalid(errors)
    assessment = places.assessment
    validated = ValidatedMove(
        places.old,
        places.new,
        places.old_address,
        places.new_address,
        assessment.kinds,
        places.move_date,
        applicant,
        members,
        household=household,
        consent=consent is True,
    )
    applicable = _procedures(validated, assessment, payload.get("procedures"), errors, today)
    _choices(validated, applicable, payload.get("choices"), errors)
    if errors:
        raise MoveInvalid(errors)
    return validated


# 世帯主 as one of the members moving: "members[N]".
MEMBER_HEAD = re.compile(r"^members\[([0-9]{1,2})\]$")


def household_check(data: Any, applicant: dict, members: list[dict], errors: dict[str, str]) -> dict:
    """世帯主 and 続柄: the household of a payload, cleaned (``{"head": …}`` with ``head_name`` for
    someone already living at the new address). Everyone but the 世帯主 needs a 続柄 to the
    世帯主 (``applicant.relationship``, ``members[N].relationship``); the 世帯主's own is left out
    (the forms print 世帯主). ``applicant`` and ``members`` (cleaned) lose the head's own."""
    if data is None:
        data = {"head": HEAD_APPLICANT}
    if not isinstance(data, dict):
        errors["household"] = _("Expected an object.")
        return {"head": HEAD_APPLICANT}
    for key in data:
        if key not in ("head", "head_name"):
            errors[f"household.{key}"] = _("Unknown field.")
    head = data.get("head", HEAD_APPLICANT)
    match = MEMBER_HEAD.match(head) if isinstance(head, str) else None
    if head not in (HEAD_APPLICANT, HEAD_OTHER) and not (match and int(match.group(1)) < len(members)):
        errors["household.head"] = _(
            "Choose who is the head of household (世帯主): you, one of the people "
            "moving with you, or someone already living at the new address."
        )
        return {"head": HEAD_APPLICANT}
    household = {"head": head}
    if head == HEAD_OTHER:
        values, problems = clean_values(
            (replace(HEAD_NAME, required=True),), {"head_name": data.get("head_name")}, "household"
        )
        if problems:
            errors.update(
                {
                    path: (
                        _("Give the name of the head of household who already lives at the new address.")
                        if not str(data.get("head_name") or "").strip()
                        else message
                    )
                    for path, message in problems.items()
                }
            )
        household.update(values)
    elif str(data.get("head_name") or "").strip():
        errors["household.head_name"] = _("Give a name only for a head of household already living at the new address.")
    people = [("applicant", applicant)] + [(f"members[{i}]", m) for i, m in enumerate(members)]
    for path, person in people:
        if path == head:
            person.pop("relationship", None)  # the 世帯主's own row reads 世帯主
        elif not str(person.get("relationship") or "").strip() and f"{path}.relationship" not in errors:
            errors[f"{path}.relationship"] = _(
                "Give the relationship to the head of household (世帯主), for example 妻 or 子."
            )
    return household


def _check_procedure_shapes(data, errors):
    if data is not None and not isinstance(data, list):
        errors["procedures"] = _("Expected a list.")


def _procedures(validated: ValidatedMove, assessment, data, errors, today) -> dict[str, Applicable]:
    """Check the procedures to apply for; returns every procedure that applies, by slug."""
    applicable = {a.slug: a for a in applicable_procedures(assessment=assessment, old=validated.old, new=validated.new)}
    if data is None:
        data = []
    if not isinstance(data, list):
        errors["procedures"] = _("Expected a list.")
        return applicable
    chosen: dict[str, int] = {}
    for i, item in enumerate(data):
        path = f"procedures[{i}]"
        if not isinstance(item, dict) or set(item) - {"id", "fields"}:
            errors[path] = _("Give each procedure as an object with “id” and “fields”.")
            continue
        slug = item.get("id")
        if not isinstance(slug, str):
            errors[f"{path}.id"] = _("Give the procedure's identifier as text.")
            continue
        if slug in chosen:
            errors[f"{path}.id"] = _("This procedure is listed twice.")
            continue
        found = applicable.get(slug)
        if found is None:
            errors[f"{path}.id"] = _("This procedure does not apply to this move.")
            continue
        chosen[slug] = i
        values, problems = clean_values(
            found.version.schema, item.get("fields"), f"{path}.fields", kinds=found.kinds, move_date=validated.move_date
        )
        errors.update(problems)
        start, end = deadline_window(found.version.definition, validated.move_date)
        validated.procedures.append(ValidatedProcedure(found, values, start, end))
        notice = period_ended_notice(
            name=found.version.localised_name,
            end=end,
            today=today,
            organisation=organisation_name(found, old=validated.old, new=validated.new),
        )
        if notice:
            validated.warnings.append({"path": path, "procedure": slug, "message": notice})
    missing = [a.version.localised_name for a in applicable.values() if not a.optional and a.slug not in chosen]
    if missing:
        errors["procedures"] = _("These procedures are required for this move: %(names)s.") % {
            "names": "、".join(missing)
        }
    return applicable


def _choices(validated: ValidatedMove, applicable: dict[str, Applicable], data, errors) -> None:
    """The mover's choice per procedure: ``apply`` for each listed one, the given answer for the
    others that apply to this move."""
    listed = {entry.applicable.slug for entry in validated.procedures}
    choices = {slug: str(ProcedureChoice.APPLY) for slug in listed}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors["choices"] = _("Expected an object.")
        return
    for slug, choice in data.items():
        path = f"choices.{slug}"
        found = applicable.get(slug)
        if found is None:
            errors[path] = _("This procedure does not apply to this move.")
        elif choice not in ProcedureChoice.values:
            errors[path] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(ProcedureChoice.values)}
        elif slug in listed:
            if choice != ProcedureChoice.APPLY:
                errors[path] = _(
                    "This procedure is listed under “procedures” (to apply for here): "
                    "leave it out there, or choose “apply”."
                )
        elif choice == ProcedureChoice.APPLY:
            errors[path] = _("To apply for this procedure here, list it under “procedures” with its fields.")
        elif found.required:
            errors[path] = _("This procedure is required for this move.")
        else:
            choices[slug] = choice
    # In the catalogue's order, as the procedures applied.
    validated.choices = {slug: choices[slug] for slug in applicable if slug in choices}


def initial_status(definition: dict) -> ProcedureStatus:
    """The status a procedure starts with when its move is submitted — decided here only: in
    person for a channel that sends nothing (window: the mover takes the form to the counter),
    else queued for the outbox (the delivery app starts each delivery at this status)."""
    sends_nothing = channels.in_person(definition["channel"])
    return ProcedureStatus.IN_PERSON if sends_nothing else ProcedureStatus.QUEUED


def move_submit(
    *,
    owner,
    payload: Any,
    draft: Move | None = None,
    today: date | None = None,
    idempotency_key: str = "",
    require_consent: bool = True,
    consent_by=None,
) -> Move:
    """Validate and store a move with its procedures in one transaction.

    With an ``idempotency_key`` (an API client's retry after a lost answer), a move this owner
    already made with that key is returned as it is, and nothing new is stored.

    The mover's agreement (``"consent": true``, required with ``require_consent``) is stored
    with the move: now, by ``consent_by`` (default the owner), ``DATA_SHARING_VERSION``. A
    ``draft`` entered for a customer (代行) needs the customer's consent recorded first.
    ``moves.signals.move_submitted`` is sent inside the transaction, with the procedures: how
    a submitted move is handed on (the outbox, the agencies' counts) — whole or not at all.
    """
    from .disclosure import DATA_SHARING_VERSION

    if idempotency_key:
        existing = Move.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    assisted = assisted_of(draft) if draft is not None else None
    if assisted is not None and not assisted.consent_recorded:
        raise MoveInvalid(
            {"assisted_consent": _("The customer's consent to entering this move for them is not recorded yet.")}
        )
    validated = validate_move(payload, today=today, require_consent=require_consent, assisted=assisted is not None)
    offices = {
        entry.applicable.slug: office_for(entry.applicable.version.definition, old=validated.old, new=validated.new)
        for entry in validated.procedures
        if channels.in_person(entry.applicable.version.definition["channel"])
    }
    with transaction.atomic():
        move = draft if draft is not None else Move(owner=owner, idempotency_key=idempotency_key)
        move.status = MoveStatus.SUBMITTED
        move.kinds = [str(k) for k in validated.kinds]
        move.move_date = validated.move_date
        move.old_address = validated.old_address
        move.new_address = validated.new_address
        move.applicant = validated.applicant
        move.members = validated.members
        move.household = validated.household
        move.procedure_choices = validated.choices
        move.draft = {}
        move.submitted_at = timezone.now()
        if validated.consent:
            move.consent_at = move.submitted_at
            move.consent_by = consent_by or owner
            move.consent_version = DATA_SHARING_VERSION
        move.save()
        move.procedures.all().delete()
        procedures = MoveProcedure.objects.bulk_create(
            [
                MoveProcedure(
                    move=move,
                    version=entry.applicable.version,
                    values=entry.values,
                    kinds=[str(k) for k in entry.applicable.kinds],
                    status=initial_status(entry.applicable.version.definition),
                    deadline_from=entry.deadline_from,
                    deadline_to=entry.deadline_to,
                    position=position,
                    office=_office_data(offices[entry.applicable.slug]) if offices.get(entry.applicable.slug) else {},
                )
                for position, entry in enumerate(validated.procedures)
            ]
        )
        # In this same transaction: the outbox (one delivery per procedure; the workers get
        # them only once it has committed) and the agencies' monthly counts.
        move_submitted.send(sender=Move, move=move, procedures=procedures)
    move.warnings = validated.warnings
    return move


def _office_data(org) -> dict:
    phones = [c for c in org.contacts.all() if c.kind == "phone"]
    return {
        "slug": org.slug,
        "name": org.name,
        "address": org.address,
        "postcode": org.postcode,
        "hours": org.hours,
        "phone": phones[0].value if phones else "",
        "sample": org.is_sample,
    }


START_KEY_PREFIX = "start:"


def move_draft_create(*, owner, draft: dict | None = None, idempotency_key: str = "") -> Move:
    """A new draft move, at its first step, or pre-filled with ``draft`` (a partner portal's
    hand-over, ``hikkoshi.federation``); ``idempotency_key`` makes a second one for the same
    key impossible (the database's unique constraint per owner)."""
    return Move.objects.create(owner=owner, draft=draft or {"step": "places"}, idempotency_key=idempotency_key)


def move_draft_start(*, owner, start_token: str = "") -> tuple[Move, bool]:
    """A new draft move at its first step, and True; or, for a ``start_token`` this owner already
    started a move with (「始める」 clicked twice), that move and False."""
    if not start_token:
        return move_draft_create(owner=owner), True
    key = START_KEY_PREFIX + start_token
    existing = Move.objects.filter(owner=owner, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Move.objects.create(owner=owner, draft={"step": "places"}, idempotency_key=key), True
    except IntegrityError:  # the other click's request made it meanwhile
        return Move.objects.get(owner=owner, idempotency_key=key), False


def move_draft_save(*, move: Move, step: str, values: dict, next_step: str, also: dict | None = None) -> bool:
    """Keep what was typed on a step of the wizard in the draft (valid or not); ``also``: other
    steps' values that change with it (the procedure dates that follow the moving day).

    Returns False when the move was submitted meanwhile (in another tab): a submitted move is
    never changed.
    """
    with transaction.atomic():
        locked = Move.objects.select_for_update().filter(pk=move.pk, status=MoveStatus.DRAFT).first()
        if locked is None:
            return False
        draft = dict(locked.draft or {})
        draft[step] = values
        draft.update(also or {})
        draft.pop("review", None)  # a change is agreed to anew on the review page
        draft["step"] = next_step
        locked.draft = draft
        locked.save(update_fields=["draft", "updated_at"])
    move.draft = draft
    return True
