"""The forms of the move wizard (引越し申請の入力画面) and the draft they fill.

Every form field comes from a ``FieldSpec`` (``FieldSpec.form_field()``), so a page checks a value
exactly as ``services.validate_move`` does. What the mover typed is kept in ``Move.draft``, one
key per step, as typed (valid or not)::

    {"step": "people",                                   # the page to continue from
     "places": {"from": {…}, "to": {…}, "move_date": "…", "checked": true},
     "procedures": {"choices": {"sapporo-property-tax": "apply", "hokkaido-gas-stop": "arranged"},
                    "checked": true},
     "people": {"applicant": {…}, "members": [{…}, …], "blank_rows": 1,
                "household": {"head": "members[0]", "head_name": ""}, "checked": true},
     "details": {"values": {"sapporo-water-start": {…}, …}, "checked": true}}

``checked`` says the mover has pressed "continue" on that page once: from then on the page shows
its errors when it is opened again. ``build_payload`` turns a draft into the payload of
``validate_move``; ``locate_error`` tells where on which page an error path of it belongs.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from hikkoshi.catalogue.constants import OfficialForm, ProcedureChoice
from hikkoshi.catalogue.schema import FieldError, FieldSpec, clean_values
from hikkoshi.catalogue.selectors import (
    Applicable,
    applicable_procedures,
    deadline_window,
    organisation_name,
    period_ended_notice,
)
from hikkoshi.japanese import date_parts, typed_date
from hikkoshi.places.move_kind import MoveAssessment, MoveKind
from hikkoshi.places.postcodes import Place

from .common import ADDRESS, APPLICANT, HEAD_APPLICANT, HEAD_NAME, HEAD_OTHER, MAX_MEMBERS, MEMBER, MOVE
from .foreign import MID_LONG, foreign_resident_check, is_foreign, without_foreign
from .services import MEMBER_HEAD, household_check, validate_places

STEPS = (
    ("places", gettext_lazy("Where from and where to")),
    ("procedures", gettext_lazy("Procedures")),
    ("people", gettext_lazy("Who is moving")),
    ("details", gettext_lazy("Details for each procedure")),
    ("review", gettext_lazy("Check and submit")),
)
STEP_NAMES = [name for name, _title in STEPS]
MAX_RAW = 4000  # a value longer than this is cut before it is kept in the draft

# Input purposes (WCAG 1.3.5) of the mover's own data; other people's data is not autofilled.
AUTOCOMPLETE = {
    ("applicant", "name"): "name",
    ("applicant", "birth_date"): "bday",
    ("applicant", "phone"): "tel",
    ("applicant", "email"): "email",
    ("from", "postcode"): "section-old postal-code",
    ("from", "address"): "section-old street-address",
}


class SpecForm(forms.Form):
    """A form of ``FieldSpec`` fields under a prefix; ``raw()`` is what was typed into it."""

    def __init__(self, specs, *, prefix, data=None, initial=None):
        super().__init__(data=data, initial=initial, prefix=prefix)
        self.specs = tuple(specs)
        for spec in self.specs:
            form_field = spec.form_field()
            purpose = AUTOCOMPLETE.get((prefix, spec.name))
            if purpose:
                form_field.widget.attrs["autocomplete"] = purpose
            self.fields[spec.name] = form_field

    @classmethod
    def from_values(cls, specs, values: dict | None, *, prefix: str, bound: bool) -> "SpecForm":
        """The form showing draft values: bound (so it shows its errors) or as initial values."""
        values = values if isinstance(values, dict) else {}
        if bound:
            return cls(specs, prefix=prefix, data={f"{prefix}-{k}": v for k, v in values.items()})
        return cls(specs, prefix=prefix, initial=values)

    def raw(self) -> dict:
        """The values as typed (a bound form), by field name."""
        values = {}
        for name in self.fields:
            value = self[name].data
            if value is None:
                value = ""
            if isinstance(value, str):
                value = value[:MAX_RAW]
            elif isinstance(value, dict):  # a date's 年 / 月 / 日 fields
                value = {k: str(v)[:MAX_RAW] for k, v in value.items()}
            values[name] = value
        return values

    def add_path_errors(self, errors: dict[str, str], path: str) -> None:
        """Put the errors of ``validate_move`` under ``path`` (``from``, ``applicant`` …) on the form."""
        for where, message in errors.items():
            if where == path:
                self.add_error(None, message)
            elif where.startswith(path + "."):
                name = where[len(path) + 1 :]
                if name in self.fields and not self.has_error(name):
                    self.add_error(name, message)
                elif name not in self.fields:
                    self.add_error(None, message)


def is_blank(values) -> bool:
    """Nothing typed (a date's era alone, chosen from its list, is not typing)."""

    def typed(v):
        if isinstance(v, dict):
            return any(str(v.get(k, "")).strip() for k in ("year", "month", "day"))
        return v not in (None, False) and bool(str(v).strip())

    return not any(typed(v) for v in (values or {}).values())


# -- places -----------------------------------------------------------------------------------


def places_forms(values: dict | None, *, bound: bool) -> dict[str, SpecForm]:
    values = values or {}
    return {
        "from": SpecForm.from_values(ADDRESS, values.get("from"), prefix="from", bound=bound),
        "to": SpecForm.from_values(ADDRESS, values.get("to"), prefix="to", bound=bound),
        "move": SpecForm.from_values(MOVE, {"move_date": values.get("move_date", "")}, prefix="move", bound=bound),
    }


def places_raw(post) -> dict:
    forms_ = {
        prefix: SpecForm(specs, prefix=prefix, data=post)
        for prefix, specs in (("from", ADDRESS), ("to", ADDRESS), ("move", MOVE))
    }
    return {"from": forms_["from"].raw(), "to": forms_["to"].raw(), "move_date": forms_["move"].raw()["move_date"]}


@dataclass
class Places:
    """Both ends of a move as the postal codes tell them, and what the move is."""

    old: Place
    new: Place
    assessment: MoveAssessment
    move_date: date

    @property
    def kinds(self) -> list[MoveKind]:
        return self.assessment.kinds

    @property
    def between_wards(self) -> bool:
        """Between two wards of one designated city (a 転居, not 転出 + 転入)."""
        return self.assessment.within_municipality and self.old.municipality_code != self.new.municipality_code

    def procedures(self) -> list[Applicable]:
        return applicable_procedures(assessment=self.assessment, old=self.old, new=self.new)


def check_places(values: dict | None) -> tuple[Places | None, dict[str, str]]:
    """The places of a draft and the errors of its first page, by payload path."""
    values = values or {}
    payload = {"from": values.get("from") or {}, "to": values.get("to") or {}, "move_date": values.get("move_date", "")}
    errors: dict[str, str] = {}
    checked = validate_places(payload, errors)
    if checked is None:
        return None, errors
    return Places(checked.old, checked.new, checked.assessment, checked.move_date), {}


# -- procedures -------------------------------------------------------------------------------

# What the mover may answer for a procedure that is not required (「ここで申し込む」 …「不要」).
MOVER_CHOICES = (
    ProcedureChoice.APPLY,
    ProcedureChoice.ARRANGED,
    ProcedureChoice.OTHER_COMPANY,
    ProcedureChoice.NOT_NEEDED,
)


class ProcedureChoiceForm(forms.Form):
    """The mover's choice for each procedure that is not required (one radio group each); the
    required ones (the 住民異動届) are always applied for."""

    def __init__(self, *args, applicable=(), **kwargs):
        super().__init__(*args, **kwargs)
        for a in applicable:
            if not a.required:
                self.fields[f"choice-{a.slug}"] = forms.ChoiceField(
                    label=a.version.localised_name,
                    choices=[(c.value, c.label) for c in MOVER_CHOICES],
                    widget=forms.RadioSelect,
                    required=False,  # not answered: the answer kept, or the default
                    error_messages={"invalid_choice": gettext_lazy("Choose one of the options.")},
                )


def procedure_choices(applicable: list[Applicable], draft: dict) -> dict[str, str]:
    """The choice for each procedure that applies: the mover's, else the default (「ここで申し込む」
    where the catalogue pre-selects it, 「不要」 otherwise); a required one is always applied for.

    A draft made before the choice existed kept the optional procedures asked for
    (``"optional"``): those are applied for.
    """
    stored = draft.get("procedures") or {}
    typed = stored["choices"] if isinstance(stored.get("choices"), dict) else {}
    legacy = set(stored.get("optional") or []) if "choices" not in stored else set()
    result = {}
    for a in applicable:
        choice = typed.get(a.slug)
        if a.required:
            choice = ProcedureChoice.APPLY
        elif choice not in MOVER_CHOICES:
            choice = ProcedureChoice.APPLY if a.preselected or a.slug in legacy else ProcedureChoice.NOT_NEEDED
        result[a.slug] = str(choice)
    return result


def chosen_procedures(applicable: list[Applicable], draft: dict) -> list[Applicable]:
    """The procedures to apply for here (the required ones and those the mover chose to), in
    catalogue order."""
    choices = procedure_choices(applicable, draft)
    return [a for a in applicable if choices[a.slug] == ProcedureChoice.APPLY]


def procedure_fields(applicable: Applicable) -> tuple[FieldSpec, ...]:
    """The fields a procedure asks for this move (only those of its kinds)."""
    return tuple(spec for spec in applicable.version.schema if spec.applies_to(applicable.kinds))


def with_defaults(specs, typed, move_date: date | None) -> dict:
    """What a procedure's fields show: as typed, and the defaults (the moving day) of the fields
    never typed, in the date's 年 / 月 / 日 fields (令和 8 年 1 月 15 日)."""
    values = dict(typed) if isinstance(typed, dict) else {}
    for spec in specs:
        if spec.name not in values:
            default = spec.default_value(move_date)
            if default is not None:
                values[spec.name] = date_parts(default)
    return values


def detail_forms(
    chosen: list[Applicable], values: dict, *, bound: bool, move_date: date | None = None
) -> list[tuple[Applicable, SpecForm]]:
    """The forms of the details step; the date fields whose default is the moving day show it
    until the mover types something else. Those that ask for something come first, in the order
    chosen, and those with no field of their own (the 転入届・転居届) after them: the step's first
    field is then on a phone's first screen (issue 12), and its error summary follows the page."""
    forms_ = []
    for a in chosen:
        specs = procedure_fields(a)
        shown = with_defaults(specs, values.get(a.slug), move_date)
        forms_.append((a, SpecForm.from_values(specs, shown, prefix=f"proc-{a.slug}", bound=bound)))
    return sorted(forms_, key=lambda group: not group[1].fields)


def deadline_warnings(
    chosen: list[Applicable], move_date: date, today: date | None = None, places: "Places | None" = None
) -> list[dict]:
    """What ``move_submit`` will warn about: procedures whose period has already ended (a window
    procedure naming its office, when ``places`` are given)."""
    today = today or timezone.localdate()
    warnings = []
    for a in chosen:
        _start, end = deadline_window(a.version.definition, move_date)
        organisation = (
            organisation_name(a, old=places.old, new=places.new)
            if places is not None
            else a.procedure.organisation.name
        )
        notice = period_ended_notice(name=a.version.localised_name, end=end, organisation=organisation, today=today)
        if notice:
            warnings.append({"procedure": a.slug, "message": notice})
    return warnings


# -- people -----------------------------------------------------------------------------------

MEMBER_KEY = re.compile(r"^member-(\d{1,2})-")


def member_forms(members: list[dict], blank_rows: int, *, bound: bool) -> list[SpecForm]:
    """The filled rows (bound to show their errors, or as initial values) and the empty ones."""
    rows = [SpecForm.from_values(MEMBER, values, prefix=f"member-{i}", bound=bound) for i, values in enumerate(members)]
    blank_rows = max(0, min(blank_rows, MAX_MEMBERS - len(rows)))
    for _row in range(blank_rows):
        blank = SpecForm(MEMBER, prefix=f"member-{len(rows)}")
        blank.use_required_attribute = False  # needed only once someone is entered in the row
        rows.append(blank)
    return rows


def people_raw(post, *, remove: int | None = None, head: str = HEAD_APPLICANT) -> tuple[dict, list[dict], int, dict]:
    """(applicant, non-empty member rows, number of empty rows posted, household), as typed.

    The household's head, when it is a member, is given by the row posted (``members[3]``) and
    kept by its place among the rows kept (a removed or empty row before it moves it up). No
    head posted (no radio ticked): ``head``, the one chosen before.
    """
    applicant = SpecForm(APPLICANT, prefix="applicant", data=post).raw()
    indices = sorted({int(m.group(1)) for key in post for m in [MEMBER_KEY.match(key)] if m})
    members: list[dict] = []
    blank, kept = 0, {}
    for i in indices:
        if i == remove:
            continue
        values = SpecForm(MEMBER, prefix=f"member-{i}", data=post).raw()
        if is_blank(values):
            blank += 1
        else:
            kept[i] = len(members)
            members.append(values)
    head = str(post.get("household-head", head))[:20]
    if match := MEMBER_HEAD.match(head):
        head = f"members[{kept[int(match.group(1))]}]" if int(match.group(1)) in kept else ""
    household = {"head": head, "head_name": SpecForm((HEAD_NAME,), prefix="household", data=post).raw()["head_name"]}
    return applicant, members, blank, household


def household_payload(values) -> dict:
    """The payload's ``household`` from the people step's draft (the applicant when not chosen)."""
    values = values if isinstance(values, dict) else {}
    head = values.get("head", HEAD_APPLICANT)  # "": none chosen (the head's row was removed)
    payload = {"head": head}
    if head == HEAD_OTHER:
        payload["head_name"] = values.get("head_name", "")
    return payload


class HouseholdForm:
    """世帯主 at the new address on the people step: a radio group (``household-head``: the
    applicant, a member's row, someone already living there) and that someone's name."""

    def __init__(self, values, *, bound: bool):
        values = values if isinstance(values, dict) else {}
        self.head = values.get("head", HEAD_APPLICANT)
        self.names = SpecForm.from_values(
            (HEAD_NAME,), {"head_name": values.get("head_name", "")}, prefix="household", bound=bound
        )
        self.head_errors: list[str] = []

    def is_valid(self) -> bool:
        return self.names.is_valid() and not self.head_errors

    def add_path_errors(self, errors: dict[str, str]) -> None:
        for path, message in errors.items():
            if path in ("household", "household.head"):
                self.head_errors.append(message)
        self.names.add_path_errors({p: m for p, m in errors.items() if p == "household.head_name"}, "household")


def head_of_household(values: dict) -> tuple[str, str]:
    """(the head's path — ``applicant``, ``members[N]``, ``other`` or "" —, the head's name as typed)
    of the people step's draft."""
    household = household_payload(values.get("household"))
    head = household["head"]
    if head == HEAD_APPLICANT:
        return head, str((values.get("applicant") or {}).get("name", ""))
    if head == HEAD_OTHER:
        return head, str(household.get("head_name", ""))
    members = values.get("members") or []
    match = MEMBER_HEAD.match(head) if isinstance(head, str) else None
    if match and int(match.group(1)) < len(members) and isinstance(members[int(match.group(1))], dict):
        return head, str(members[int(match.group(1))].get("name", ""))
    return "", ""


def household_errors(values: dict) -> dict[str, str]:
    """The 世帯主 and 続柄 problems of the people step's draft (``services.household_check``)."""
    applicant = dict(values.get("applicant") or {}) if isinstance(values.get("applicant"), dict) else {}
    members = [dict(m) for m in values.get("members") or [] if isinstance(m, dict)]
    errors: dict[str, str] = {}
    household_check(household_payload(values.get("household")), applicant, members, errors)
    return errors


def asks_foreign_residents(chosen: Sequence[Applicable] | None) -> bool:
    """Whether the people step asks who is a foreign resident (外国人住民): where a 住民異動届
    (転入届・転居届・転出届) is applied for, or while the procedures are not known yet."""
    if chosen is None:
        return True
    return any(a.version.definition.get("official_form") == OfficialForm.RESIDENCE_CHANGE for a in chosen)


def foreign_person(values, *, asked: bool = True):
    """A person's typed values as the payload takes them: the foreign-resident fields only when
    the question is asked and answered yes (the draft keeps whatever was typed)."""
    return values if asked and is_foreign(values) else without_foreign(values)


def foreign_errors(values: dict) -> dict[str, str]:
    """What is missing or wrong in the foreign-resident fields of the people step's draft, by
    payload path (``members[0].residence_card_number``); a field the form itself refuses is left
    to the form."""
    people: list[tuple[str, tuple[FieldSpec, ...], Any]] = [("applicant", APPLICANT, values.get("applicant"))]
    people += [(f"members[{i}]", MEMBER, m) for i, m in enumerate(values.get("members") or [])]
    found: dict[str, str] = {}
    for path, specs, typed in people:
        if not isinstance(typed, dict) or not is_foreign(typed):
            continue
        cleaned, problems = clean_values(specs, typed, path)
        errors = dict(problems)
        foreign_resident_check(cleaned, path, errors)
        found.update({p: m for p, m in errors.items() if p not in problems})
    return found


def expired_stays(values: dict, move_date: date | None, *, asked: bool = True) -> list[dict]:
    """The foreign residents (外国人住民, 中長期在留者) of the people step's draft whose 在留期間の満了の日
    is before the moving day: ``{"path", "name", "expiry"}`` each. A warning, not an error: whoever
    applied to extend or change the status before that day stays lawfully while it is decided
    (特例期間, 出入国管理及び難民認定法第20条第6項 / 第21条第4項) and may file."""
    if move_date is None or not asked:
        return []
    people: list[tuple[str, tuple[FieldSpec, ...], Any]] = [("applicant", APPLICANT, values.get("applicant"))]
    people += [(f"members[{i}]", MEMBER, m) for i, m in enumerate(values.get("members") or [])]
    found = []
    for path, specs, typed in people:
        if not isinstance(typed, dict) or not is_foreign(typed) or typed.get("residence_category") != MID_LONG:
            continue
        cleaned, problems = clean_values(specs, typed, path)
        expiry = cleaned.get("stay_expiry")
        if f"{path}.stay_expiry" in problems or not expiry:
            continue
        expiry = expiry if isinstance(expiry, date) else date.fromisoformat(str(expiry))
        if expiry < move_date:
            found.append({"path": path, "name": str(typed.get("name") or "").strip(), "expiry": expiry})
    return found


# -- the whole move ---------------------------------------------------------------------------


def build_payload(draft: dict, chosen: list[Applicable] | None, choices: dict[str, str] | None = None) -> dict:
    """The payload of ``validate_move`` from a draft (``chosen``: None while the places are invalid;
    ``choices``: the mover's choice per procedure, ``procedure_choices``)."""
    places = draft.get("places") or {}
    people = draft.get("people") or {}
    details = (draft.get("details") or {}).get("values") or {}

    def only(values, specs):
        values = values if isinstance(values, dict) else {}
        return {spec.name: values[spec.name] for spec in specs if spec.name in values}

    asked = asks_foreign_residents(chosen)
    procedures = []
    for a in chosen or []:
        typed = details.get(a.slug) or {}
        procedures.append({"id": a.slug, "fields": only(typed, procedure_fields(a))})
    return {
        "from": only(places.get("from"), ADDRESS),
        "to": only(places.get("to"), ADDRESS),
        "move_date": places.get("move_date", ""),
        "applicant": foreign_person(only(people.get("applicant"), APPLICANT), asked=asked),
        "members": [
            foreign_person(only(m, MEMBER), asked=asked) for m in people.get("members") or [] if not is_blank(m)
        ],
        "household": household_payload(people.get("household")),
        "procedures": procedures,
        # The answers other than "apply here", for the statistics.
        "choices": {slug: c for slug, c in (choices or {}).items() if c != ProcedureChoice.APPLY},
    }


def step_of(path: str) -> str:
    """The page on which the field of an error path of ``validate_move`` is typed."""
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    if head in ("from", "to", "move_date"):
        return "places"
    if head in ("applicant", "members", "household"):
        return "people"
    if head == "procedures":
        return "details" if re.match(r"^procedures\[\d+\]\.fields", path) else "procedures"
    return "review"


@dataclass
class ErrorLink:
    step: str
    anchor: str
    label: str
    message: str
    href: str = field(default="")


def _label(specs, name: str) -> str:
    return next((spec.localised_label for spec in specs if spec.name == name), name)


def locate_error(path: str, message: str, payload: dict, chosen: Sequence[Applicable] = ()) -> ErrorLink:
    """Where an error of ``validate_move`` is shown: its page, the field's id there, its label."""
    step = step_of(path)
    if match := re.match(r"^(from|to)(?:\.(\w+))?$", path):
        end, name = match.groups()
        where = _("Old address") if end == "from" else _("New address")
        if name:
            return ErrorLink(step, f"id_{end}-{name}", f"{where} — {_label(ADDRESS, name)}", message)
        return ErrorLink(step, f"{end}-fieldset", where, message)
    if path == "move_date":
        return ErrorLink(step, "id_move-move_date", _label(MOVE, "move_date"), message)
    if match := re.match(r"^applicant\.(\w+)$", path):
        return ErrorLink(
            step, f"id_applicant-{match.group(1)}", f"{_('Applicant')} — {_label(APPLICANT, match.group(1))}", message
        )
    if match := re.match(r"^members\[(\d+)\]\.(\w+)$", path):
        i, name = int(match.group(1)), match.group(2)
        return ErrorLink(
            step,
            f"id_member-{i}-{name}",
            f"{_('Person %(number)d') % {'number': i + 1}} — {_label(MEMBER, name)}",
            message,
        )
    if path == "members":
        return ErrorLink(step, "members-fieldset", _("Household members"), message)
    if path == "household.head_name":
        return ErrorLink(step, "id_household-head_name", _label((HEAD_NAME,), "head_name"), message)
    if path.startswith("household"):
        return ErrorLink(step, "household-head-fieldset", _("Head of household (世帯主)"), message)
    if match := re.match(r"^procedures\[(\d+)\](?:\.fields(?:\.(\w+))?)?", path):
        i, name = int(match.group(1)), match.group(2)
        procedures = payload.get("procedures") or []
        slug = procedures[i]["id"] if i < len(procedures) and isinstance(procedures[i], dict) else ""
        found = next((a for a in chosen if a.slug == slug), None)
        if step == "details" and found is not None:
            title = found.version.localised_name
            if name:
                return ErrorLink(
                    step, f"id_proc-{slug}-{name}", f"{title} — {_label(found.version.schema, name)}", message
                )
            return ErrorLink(step, f"proc-{slug}", title, message)
    if step == "procedures":
        return ErrorLink(step, "procedures-list", _("Procedures"), message)
    return ErrorLink(step, "", "", message)


def display_rows(specs, values: dict | None) -> list[dict]:
    """Each field's label and value for the review page: as it will be stored where it is valid."""
    values = values if isinstance(values, dict) else {}
    rows = []
    for spec in specs:
        raw = values.get(spec.name, "")
        try:
            shown = spec.display(spec.to_json(spec.clean(raw)))
            invalid = False
        except FieldError:
            shown, invalid = typed_date(raw), True
        rows.append({"name": spec.name, "label": spec.localised_label, "value": shown, "invalid": invalid})
    return rows
