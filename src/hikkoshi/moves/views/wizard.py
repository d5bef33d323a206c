"""The move wizard (引越し申請): my moves, one page per step, review and submit.

Every step works the same way: a GET shows the form filled from ``move.draft[step]``; a POST
keeps what was typed in the draft whatever it is, then checks it with the ``FieldSpec`` forms and
either shows the errors beside the fields or redirects to the next step (POST/redirect/GET).
A submitted move is no longer edited: its pages are ``moves.views.result``.
"""

from datetime import date
from functools import wraps
import re
import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hikkoshi import channels
from hikkoshi.audit.services import Action
from hikkoshi.catalogue.constants import ProcedureChoice
from hikkoshi.catalogue.schema import FieldError, clean_values, easy
from hikkoshi.catalogue.selectors import deadline_window, office_for, organisation_name
from hikkoshi.documents.fonts import unprintable_rows
from hikkoshi.japanese import format_wareki

from ..access import OWN, assisted_of
from ..common import (
    ADDRESS,
    HEAD_APPLICANT,
    HEAD_RELATIONSHIP,
    MAX_MEMBERS,
    MEMBER,
    MOVE,
    applicant_fields,
    member_limit_message,
)
from ..constants import MoveStatus
from ..disclosure import DATA_SHARING_VERSION, data_flows
from ..foreign import (
    DETAIL_NAMES as FOREIGN_NAMES,
    NAMES as FOREIGN_FIELDS,
    applies as foreign_applies,
    is_foreign,
    normalise_card_number,
    valid_card_number,
)
from ..forms import (
    MOVER_CHOICES,
    STEP_NAMES,
    STEPS,
    ErrorLink,
    HouseholdForm,
    ProcedureChoiceForm,
    SpecForm,
    asks_foreign_residents,
    build_payload,
    check_places,
    chosen_procedures,
    deadline_warnings,
    detail_forms,
    display_rows,
    expired_stays,
    foreign_errors,
    head_of_household,
    household_errors,
    household_payload,
    locate_error,
    member_forms,
    people_raw,
    places_forms,
    places_raw,
    procedure_choices,
    procedure_fields,
    step_of,
    with_defaults,
)
from ..models import Move
from ..result import list_states
from ..review_sections import review_sections
from ..selectors import channel_label, last_own_move, moves_of, people_of
from ..services import MoveInvalid, move_draft_save, move_draft_start, move_submit, validate_move
from .shared import audit, error_summary, list_url, move_notes, own_move, page_url

START_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


# -- helpers ----------------------------------------------------------------------------------


def wizard_step(view):
    """A step of a draft move of the signed-in user; a submitted move goes to its result."""

    @login_required
    @require_http_methods(["GET", "POST"])
    @never_cache
    @sensitive_post_parameters()  # names, birth dates…: never in an error report
    @wraps(view)
    def wrapper(request, public_id):
        move = own_move(request, public_id)
        if move.status != MoveStatus.DRAFT:
            return redirect(page_url(request, "detail", move))
        assisted = assisted_of(move)
        if assisted is not None and (before := assisted.entry_url()):
            # The customer agrees to having the move entered for them before anything is typed
            # (and a caller's contact is taken once they agreed).
            return redirect(before)
        goto = request.POST.get("goto") if request.method == "POST" and view.__name__ != "review" else None
        if goto in STEP_NAMES:
            # A step of the step bar: the page is kept as "Save and go back" keeps it (as typed,
            # not checked), then the chosen step opens.
            request.POST = request.POST.copy()
            request.POST["back"] = "1"
            response = view(request, move)
            if response.status_code == 302 and response["Location"] != page_url(request, "detail", move):
                return redirect(_step_url(request, move, goto))
            return response
        return view(request, move)

    return wrapper


def _step_url(request, move, step: str, anchor: str = "") -> str:
    return page_url(request, step, move, anchor)


def _save(request, move, step: str, values: dict, *, next_step: str, also: dict | None = None) -> bool:
    saved = move_draft_save(move=move, step=step, values=values, next_step=next_step, also=also)
    if saved:
        audit(request, Action.CHANGE, move, target=step)
    return saved


def _submitted_meanwhile(request, move):
    return redirect(page_url(request, "detail", move))


def _render(request, move, step, template, context, *, summary=(), posted=False):
    index = STEP_NAMES.index(step)
    steps = [
        {"name": name, "title": title, "url": _step_url(request, move, name), "current": name == step, "number": i + 1}
        for i, (name, title) in enumerate(STEPS)
    ]
    previous = _step_url(request, move, STEP_NAMES[index - 1]) if index else list_url(request)
    assisted = assisted_of(move)
    context.setdefault("step_warnings", _step_warnings(request, move, step, context))
    context = {
        "move": move,
        "step": step,
        "steps": steps,
        "step_number": index + 1,
        "step_count": len(STEPS),
        "step_title": dict(STEPS)[step],
        "summary": list(summary),
        "focus_summary": posted and bool(summary),
        "previous_url": previous,
        "list_url": list_url(request),
        "assisted": assisted,
        "acting_for_name": _acting_for_name(move, assisted),
        "step_form": step != "review",
        **context,
    }
    return render(request, template, context)


def _acting_for_name(move, assisted) -> str:
    """Whom staff enter a move for (代行), for the banner of every step: the customer's name as
    staff took it, else the applicant's name typed in the wizard; "" for a mover's own move."""
    if assisted is None:
        return ""
    name = (assisted.contact or {}).get("name") or ""
    if not name:
        applicant = ((move.draft or {}).get("people") or {}).get("applicant") or {}
        name = applicant.get("name") or "" if isinstance(applicant, dict) else ""
    return " ".join(str(name).split())


def _step_warnings(request, move, step, context) -> list[dict]:
    """Deadlines already passed, where the dates are chosen: on the procedures step the periods
    the moving day leaves behind (``context["places"]``); the details step gives its own. From the
    people step on, a 在留期間 ending before the moving day (``_stay_warnings``)."""
    if step in ("people", "review"):
        return _stay_warnings(request, move)
    places = context.get("places") if step == "procedures" else None
    if places is None or not hasattr(places, "procedures"):
        return []
    return [
        {"message": w["message"], "href": ""}
        for w in deadline_warnings(places.procedures(), places.move_date, places=places)
    ]


def _fieldset_of(path: str) -> str:
    """The people step's fieldset of a person's payload path (``members[2]`` → ``member-2``)."""
    return "applicant-fieldset" if path == "applicant" else "member-" + path.removeprefix("members[").rstrip("]")


def _stay_warnings(request, move) -> list[dict]:
    """A foreign resident's 在留期間の満了の日 before the moving day (``expired_stays``): said on the
    people, details and review steps, never refused (特例期間: a renewal applied for in time)."""
    found = _places_of(move)
    if found is None or not _asks_foreign(move):
        return []
    people = (move.draft or {}).get("people") or {}
    return [
        {
            "href": _step_url(request, move, "people", _fieldset_of(stay["path"])),
            "message": _(
                "%(name)s: the period of stay (在留期間) ends on %(date)s, before the moving day. If an "
                "application to extend or change the status of residence was made before that day, you stay "
                "lawfully while it is decided (特例期間) and may still file: bring the residence card. Otherwise, "
                "check the date on the card."
            )
            % {"name": stay["name"] or _("A foreign resident"), "date": format_wareki(stay["expiry"])},
        }
        for stay in expired_stays(people, found.move_date)
    ]


def _show_errors(request, move, step: str):
    """After a POST with errors, the step's page (its draft keeps the values and the errors):
    POST/redirect/GET, so the browser's Back button never lands on a POST's answer."""
    return redirect(f"{_step_url(request, move, step)}?errors=1")


def _just_posted(request) -> bool:
    return "errors" in request.GET


def _places_of(move):
    places, _errors = check_places((move.draft or {}).get("places"))
    return places


def _checked_forms_valid(forms_) -> bool:
    """Every form checked (not only up to the first invalid one), so each shows its errors."""
    return all([form.is_valid() for form in forms_])  # noqa: C419 (every form, not up to the first invalid)


# -- my moves ---------------------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def move_list(request):
    """My moves: drafts to continue, submitted ones with their status."""
    moves = moves_of(request.user, area=OWN)
    drafts, submitted = [], []
    for move in moves:
        if move.status == MoveStatus.DRAFT:
            places = (move.draft or {}).get("places") or {}
            step = (move.draft or {}).get("step") or "places"
            drafts.append(
                {
                    "move": move,
                    "from": (places.get("from") or {}).get("address", ""),
                    "to": (places.get("to") or {}).get("address", ""),
                    "step_title": dict(STEPS).get(step, ""),
                    "url": _step_url(request, move, step if step in STEP_NAMES else "places"),
                }
            )
        else:
            submitted.append(move)
    states = list_states(submitted)
    for move in submitted:
        move.state_label = states.get(move.pk) or move.get_status_display()
    return render(
        request, "moves/list.html", {"drafts": drafts, "submitted": submitted, "start_token": secrets.token_urlsafe(18)}
    )


@login_required
@require_POST
def move_start(request):
    """はじめる: a new draft move of the signed-in user. The button's form carries a token made for
    the page (``start_token``): the same token again (a double click, a resent form) continues
    the move it started instead of making a second one."""
    token = request.POST.get("start_token", "")
    token = token if START_TOKEN.fullmatch(token) else ""
    from ..limits import drafts_limited_page, drafts_refused  # issue 13: a cap on open drafts

    if (
        drafts_refused(request.user)
        and not Move.objects.filter(owner=request.user, idempotency_key=f"start:{token}").exists()
    ):
        return drafts_limited_page(request, reverse("moves:list"))
    move, created = move_draft_start(owner=request.user, start_token=token)
    if not created:
        step = (move.draft or {}).get("step") or "places"
        return redirect(
            page_url(request, "detail", move)
            if move.status != MoveStatus.DRAFT
            else _step_url(request, move, step if step in STEP_NAMES else "places")
        )
    audit(request, Action.CREATE, move)
    return redirect(page_url(request, "places", move))


# -- 1. where from, where to ------------------------------------------------------------------


def _places_summary(forms_):
    return error_summary(
        [
            (forms_["from"], "from-fieldset", _("Old address")),
            (forms_["to"], "to-fieldset", _("New address")),
            (forms_["move"], "id_move-move_date", ""),
        ]
    )


def _check_places_forms(forms_, values):
    """Every problem of the page at once: each field's, then what the fields say together (a
    postal code of another city than the address typed) for whatever can be checked."""
    fields_valid = _checked_forms_valid(forms_.values())
    places, errors = check_places(values)
    forms_["from"].add_path_errors(errors, "from")
    forms_["to"].add_path_errors(errors, "to")
    if "move_date" in errors and not forms_["move"].has_error("move_date"):
        forms_["move"].add_error("move_date", errors["move_date"])
    return places if fields_valid else None


@wizard_step
def places(request, move):
    if request.method == "POST":
        old = (move.draft or {}).get("places") or {}
        values = places_raw(request.POST)
        back = "back" in request.POST
        values["checked"] = old.get("checked", False) if back else True
        forms_ = places_forms(values, bound=True)
        found = None if back else _check_places_forms(forms_, values)
        details = _follow_moving_day(move, old, values)
        if not _save(
            request,
            move,
            "places",
            values,
            next_step="procedures" if found else "places",
            also={"details": details} if details is not None else None,
        ):
            return _submitted_meanwhile(request, move)
        if back:
            return redirect(list_url(request))
        if found:
            return redirect(page_url(request, "procedures", move))
        return _show_errors(request, move, "places")
    values = (move.draft or {}).get("places") or {}
    bound = bool(values.get("checked"))
    forms_ = places_forms(values, bound=bound)
    if bound:
        _check_places_forms(forms_, values)
    return _render(
        request,
        move,
        "places",
        "moves/places.html",
        {"forms": forms_},
        summary=_places_summary(forms_) if bound else (),
        posted=_just_posted(request),
    )


def _moving_day(values) -> date | None:
    try:
        return MOVE[0].clean((values or {}).get("move_date"))
    except FieldError:
        return None


def _follow_moving_day(move, old_values, new_values) -> dict | None:
    """The details step's draft once the moving day changed: the procedure dates that default to
    the moving day (``"default": "move_date"``) and were still on the old one are let go, so they
    show the new day; None when nothing changes."""
    before, after = _moving_day(old_values), _moving_day(new_values)
    details = (move.draft or {}).get("details") or {}
    typed = details.get("values") or {}
    if before is None or after is None or before == after or not typed:
        return None
    found, _errors = check_places(new_values)
    if found is None:
        found, _errors = check_places(old_values)
    if found is None:
        return None
    specs = {a.slug: procedure_fields(a) for a in found.procedures()}
    values, changed = dict(typed), False
    for slug, fields in typed.items():
        if not isinstance(fields, dict):
            continue
        kept = dict(fields)
        for spec in specs.get(slug, ()):
            if spec.default and spec.name in kept:
                try:
                    on_the_day = spec.clean(kept[spec.name]) == before
                except FieldError:
                    continue
                if on_the_day:
                    del kept[spec.name]
                    changed = True
        values[slug] = kept
    return {**details, "values": values} if changed else None


# -- 2. which procedures ----------------------------------------------------------------------


def _procedure_rows(applicable, move_date, places=None):
    rows = []
    for a in applicable:
        definition = a.version.definition
        start, end = deadline_window(definition, move_date)
        # A window procedure is taken to the office of the address (the ward office), not to
        # the organisation that runs it.
        office = (
            office_for(definition, old=places.old, new=places.new)
            if places is not None and channels.in_person(definition["channel"])
            else None
        )
        rows.append(
            {
                "slug": a.slug,
                "name": a.version.localised_name,
                "optional": a.optional,
                "preselected": a.preselected,
                "organisation": office.name if office else a.procedure.organisation.name,
                "channel": channel_label(definition["channel"]),
                "description": definition.get("description_en")
                if _english() and definition.get("description_en")
                else easy(definition.get("description", "")),
                "deadline_from": start,
                "deadline_to": end,
            }
        )
    return rows


def _english() -> bool:
    return get_language() == "en"


@wizard_step
def procedures(request, move):
    """Which procedures: the required 住民異動届, and for every other procedure that applies the
    mover's choice (apply here / already arranged / another company / not needed)."""
    found = _places_of(move)
    if found is None:
        return redirect(page_url(request, "places", move))
    applicable = found.procedures()
    summary = []
    form = None
    if request.method == "POST":
        back = "back" in request.POST
        form = ProcedureChoiceForm(request.POST, applicable=applicable)
        valid = form.is_valid()
        # What was answered validly is kept; an unanswered or broken group keeps its default.
        typed = {a.slug: request.POST.get(f"choice-{a.slug}") for a in applicable if not a.required}
        kept = {
            **(((move.draft or {}).get("procedures") or {}).get("choices") or {}),
            **{slug: c for slug, c in typed.items() if c in MOVER_CHOICES},
        }
        values = {"choices": kept, "checked": True}
        if not _save(request, move, "procedures", values, next_step="people" if valid and not back else "procedures"):
            return _submitted_meanwhile(request, move)
        if back:
            return redirect(page_url(request, "places", move))
        if valid:
            return redirect(page_url(request, "people", move))
        summary = [
            {"href": f"#{name}-apply", "label": form.fields[name].label, "message": message}
            for name, messages_ in form.errors.items()
            for message in messages_
        ]
    choices = procedure_choices(applicable, move.draft or {})
    rows = _procedure_rows(applicable, found.move_date, found)
    for row in rows:
        row["choice"] = choices[row["slug"]]
        row["error"] = form.errors.get(f"choice-{row['slug']}", [""])[0] if form is not None else ""
    return _render(
        request,
        move,
        "procedures",
        "moves/procedures.html",
        {
            "places": found,
            "required": [r for r in rows if not r["optional"]],
            "optional": [r for r in rows if r["optional"]],
            "mover_choices": [{"value": str(c), "label": c.label} for c in MOVER_CHOICES],
            **move_notes(found),
        },
        summary=summary,
        posted=request.method == "POST",
    )


# -- 3. who is moving -------------------------------------------------------------------------


def _people_forms(values, *, bound, assisted=False):
    applicant = SpecForm.from_values(
        applicant_fields(assisted=assisted), values.get("applicant"), prefix="applicant", bound=bound
    )
    members = values.get("members") or []
    rows = member_forms(members, values.get("blank_rows", 1), bound=bound)
    household = HouseholdForm(values.get("household"), bound=bound)
    problems = []
    if bound and len(members) > MAX_MEMBERS:
        problems.append(
            {"href": "#members-fieldset", "label": _("Household members"), "message": member_limit_message()}
        )
    return applicant, rows, household, problems


def _asks_foreign(move) -> bool:
    """Whether the people step asks who is a foreign resident: a 住民異動届 applies."""
    found = _places_of(move)
    return asks_foreign_residents(chosen_procedures(found.procedures(), move.draft or {}) if found else None)


def _people_valid(values, applicant, rows, household, problems, *, foreign: bool = True) -> bool:
    """Every field, then 世帯主 and 続柄 across them, and what a foreign resident must give:
    all the step's errors at once. The foreign-resident fields of someone not answered as one
    (or of a move without a 住民異動届) are kept as typed but not checked: they are not sent."""
    people_forms = [applicant] + [r for r in rows if r.is_bound]
    typed = [values.get("applicant")] + list(values.get("members") or [])
    for form, person in zip(people_forms, typed, strict=False):
        if form.is_bound and not (foreign and is_foreign(person)):
            for name in FOREIGN_NAMES:
                form.errors.pop(name, None)  # shown as typed, not checked: not sent
    fields_valid = _checked_forms_valid([applicant, household.names] + [r for r in rows if r.is_bound])
    errors = household_errors(values)
    if foreign:
        errors.update(foreign_errors(values))
    applicant.add_path_errors({p: m for p, m in errors.items() if p.startswith("applicant.")}, "applicant")
    for i, row in enumerate(rows):
        if row.is_bound:
            row.add_path_errors({p: m for p, m in errors.items() if p.startswith(f"members[{i}].")}, f"members[{i}]")
    household.add_path_errors(errors)
    return fields_valid and not errors and not problems


def _people_summary(applicant, rows, household, problems):
    groups = [(applicant, "applicant-fieldset", _("Applicant"))]
    groups += [
        (row, f"member-{i}", _("Person %(number)d") % {"number": i + 1}) for i, row in enumerate(rows) if row.is_bound
    ]
    heads = [
        {"href": "#id_household-head_0", "label": _("Head of household (世帯主)"), "message": m}
        for m in household.head_errors
    ]
    return error_summary(groups) + heads + error_summary([(household.names, "household-fieldset", "")]) + problems


@wizard_step
def people(request, move):
    old = (move.draft or {}).get("people") or {}
    assisted = assisted_of(move)
    if request.method == "POST":
        remove = request.POST.get("remove_member", "")
        remove = int(remove) if remove.isascii() and remove.isdigit() and len(remove) < 3 else None
        applicant_values, members, blank_posted, household = people_raw(
            request.POST, remove=remove, head=household_payload(old.get("household"))["head"]
        )
        members = members[: MAX_MEMBERS * 2]
        adding, back = "add_member" in request.POST, "back" in request.POST
        last = last_own_move(request.user, exclude=move) if assisted is None and "reuse" in request.POST else None
        if last is not None:
            applicant_values, members, household = _reuse(last, applicant_values, members, household)
        values = {
            "applicant": applicant_values,
            "members": members,
            "household": household,
            # Empty rows: one more when adding; otherwise the ones the page had (none appears that
            # the mover did not add: issue 12), and the one to fill in when nobody is entered yet.
            "blank_rows": blank_posted + 1 if adding else (min(blank_posted, MAX_MEMBERS) if members else 1),
            "checked": old.get("checked", False) if (adding or back or last or remove is not None) else True,
        }
        if last is not None:  # filled in from the last move: shown to be checked, not yet checked
            if not _save(request, move, "people", values, next_step="people"):
                return _submitted_meanwhile(request, move)
            return redirect(_step_url(request, move, "people", "applicant-fieldset"))
        if adding or back or remove is not None:
            if not _save(request, move, "people", values, next_step="people"):
                return _submitted_meanwhile(request, move)
            if back:
                return redirect(page_url(request, "procedures", move))
            if adding:
                new_row = min(len(members) + values["blank_rows"], MAX_MEMBERS) - 1
                return redirect(_step_url(request, move, "people", f"member-{new_row}"))
            return redirect(_step_url(request, move, "people", "members-fieldset"))
        applicant, rows, household_form, problems = _people_forms(values, bound=True, assisted=assisted is not None)
        valid = _people_valid(values, applicant, rows, household_form, problems, foreign=_asks_foreign(move))
        if not _save(request, move, "people", values, next_step="details" if valid else "people"):
            return _submitted_meanwhile(request, move)
        if valid:
            return redirect(page_url(request, "details", move))
        return _show_errors(request, move, "people")
    bound = bool(old.get("checked"))
    if not old:
        if assisted is not None:  # the customer's name and phone, as the staff member took them
            contact = assisted.contact or {}
            old = {
                "applicant": {
                    "name": contact.get("name", ""),
                    "name_kana": contact.get("name_kana", ""),
                    "phone": contact.get("phone", ""),
                }
            }
        else:
            old = {"applicant": {"email": request.user.email}}
    applicant, rows, household, problems = _people_forms(old, bound=bound, assisted=assisted is not None)
    foreign = _asks_foreign(move)
    if bound:
        _people_valid(old, applicant, rows, household, problems, foreign=foreign)
    context = _people_context(applicant, rows, household, old, assisted=assisted is not None)
    context["asks_foreign"] = foreign
    context["foreign_names"] = FOREIGN_FIELDS
    # A returning mover is offered their details from their last move, until they typed some.
    typed = (move.draft or {}).get("people")
    last = last_own_move(request.user, exclude=move) if assisted is None and not typed else None
    context["reuse"] = {"submitted_at": last.submitted_at} if last is not None else None
    return _render(
        request,
        move,
        "people",
        "moves/people.html",
        context,
        summary=_people_summary(applicant, rows, household, problems) if bound else (),
        posted=_just_posted(request),
    )


def _reuse(last, applicant, members, household):
    """The people step filled in from the mover's last move: what was typed stays, the empty
    fields of the applicant and, when no member was typed, the members and the 世帯主 are taken."""
    values = people_of(last)
    merged = {k: v if str(v).strip() else values["applicant"].get(k, "") for k, v in applicant.items()}
    if members:
        return merged, members, household
    return merged, values["members"], values.get("household", household)


def _people_context(applicant, rows, household, values, *, assisted=False):
    filled = len(values.get("members") or [])
    members = values.get("members") or []
    heads = [
        {
            "value": "applicant",
            "label": _("The applicant") if assisted else _("You (the person applying)"),
            "name": (values.get("applicant") or {}).get("name", ""),
        }
    ]
    heads += [
        {
            "value": f"members[{i}]",
            "label": _("Person %(number)d") % {"number": i + 1},
            "name": members[i].get("name", "") if i < len(members) and isinstance(members[i], dict) else "",
        }
        for i in range(len(rows))
    ]
    heads.append({"value": "other", "label": _("Someone already living at the new address"), "name": ""})
    for i, head in enumerate(heads):
        head["id"] = f"id_household-head_{i}"
        head["checked"] = head["value"] == household.head
    return {
        "applicant": applicant,
        "rows": [{"form": row, "index": i, "number": i + 1, "filled": i < filled} for i, row in enumerate(rows)],
        "can_add": len(rows) < MAX_MEMBERS,
        "max_members": MAX_MEMBERS,
        "household": household,
        "heads": heads,
    }


# -- 4. each procedure's own fields -----------------------------------------------------------


@wizard_step
def details(request, move):
    found = _places_of(move)
    if found is None:
        return redirect(page_url(request, "places", move))
    chosen = chosen_procedures(found.procedures(), move.draft or {})
    old = (move.draft or {}).get("details") or {}
    if request.method == "POST":
        back = "back" in request.POST
        values = dict(old.get("values") or {})
        for a in chosen:
            values[a.slug] = SpecForm(procedure_fields(a), prefix=f"proc-{a.slug}", data=request.POST).raw()
        step_values = {"values": values, "checked": old.get("checked", False) if back else True}
        groups = detail_forms(chosen, values, bound=True, move_date=found.move_date)
        valid = not back and _details_valid(groups, found.move_date)
        if not _save(request, move, "details", step_values, next_step="review" if valid else "details"):
            return _submitted_meanwhile(request, move)
        if back:
            return redirect(page_url(request, "people", move))
        if valid:
            return redirect(page_url(request, "review", move))
        return _show_errors(request, move, "details")
    bound = bool(old.get("checked"))
    groups = detail_forms(chosen, old.get("values") or {}, bound=bound, move_date=found.move_date)
    if bound:
        _details_valid(groups, found.move_date)
    context = _details_context(groups, found)
    context["step_warnings"] = _details_warnings(chosen, groups, found) + _stay_warnings(request, move)
    return _render(
        request,
        move,
        "details",
        "moves/details.html",
        context,
        summary=_details_summary(groups) if bound else (),
        posted=_just_posted(request),
    )


def _details_warnings(chosen, groups, places) -> list[dict]:
    """The periods the moving day leaves behind, and the dates typed that are already past."""
    today = timezone.localdate()
    warnings = [
        {"message": w["message"], "href": f"#proc-{w['procedure']}"}
        for w in deadline_warnings(chosen, places.move_date, today=today, places=places)
    ]
    for a, form in groups:
        for spec in form.specs:
            if spec.type != "date":
                continue
            try:
                value = spec.clean(form[spec.name].value())
            except FieldError:
                continue  # an error of its own
            if value is not None and value < today:
                warnings.append(
                    {
                        "href": f"#{form[spec.name].auto_id}",
                        "message": _(
                            "%(procedure)s — %(field)s: %(date)s has already passed; the organisation may not be able "
                            "to do it on that day."
                        )
                        % {
                            "procedure": a.version.localised_name,
                            "field": spec.localised_label,
                            "date": format_wareki(value),
                        },
                    }
                )
    return warnings


def _details_valid(groups, move_date) -> bool:
    """Each field, and the dates around the moving day (``move_window``), as ``validate_move``."""
    valid = _checked_forms_valid(form for _a, form in groups)
    for a, form in groups:
        _values, errors = clean_values(a.version.schema, form.raw(), "fields", kinds=a.kinds, move_date=move_date)
        form.add_path_errors(errors, "fields")
        valid = valid and not errors
    return valid


def _details_summary(groups):
    return error_summary([(form, f"proc-{a.slug}", a.version.localised_name) for a, form in groups])


def _details_context(groups, places=None):
    return {
        "groups": [
            {
                "applicable": a,
                "form": form,
                "name": a.version.localised_name,
                "organisation": _organisation_of(a, places),
            }
            for a, form in groups
        ]
    }


def _organisation_of(applicable, places=None) -> str:
    """Where a procedure goes: a window procedure's office (the ward office), else its organisation."""
    if places is None:
        return applicable.procedure.organisation.name
    return organisation_name(applicable, old=places.old, new=places.new)


# -- 5. review and submit ---------------------------------------------------------------------


def _review_context(request, move, errors: dict[str, str] | None = None):
    """Everything typed, as it will be stored; the problems by step; the deadline warnings;
    which data goes to which organisation, and the agreement to it."""
    draft = move.draft or {}
    assisted = assisted_of(move)
    review_state = draft.get("review") or {}
    withheld = set(review_state.get("withheld") or [])
    found, applying, chosen, payload = _plan(draft, withheld)
    if errors is None:
        try:
            # The agreement is the checkbox below, asked when the move is submitted.
            validate_move({**payload, "consent": True}, assisted=assisted is not None)
            errors = {}
        except MoveInvalid as exc:
            errors = exc.errors
    by_step: dict[str, list] = {}
    for path, message in errors.items():
        link = locate_error(path, message, payload, chosen or [])
        link.href = _step_url(request, move, link.step, link.anchor) if link.step != "review" else ""
        by_step.setdefault(link.step, []).append(link)
    groups: list[dict[str, Any]] = [
        {"step": name, "title": title, "url": _step_url(request, move, name), "errors": by_step[name]}
        for name, title in STEPS
        if name in by_step
    ]
    consent_error = ""
    if review_state.get("consent_missing"):
        consent_error = (
            _("Tick the box to confirm that the customer agrees to their data going to these organisations.")
            if assisted is not None
            else _("Tick the box to agree to your data going to these organisations.")
        )
        groups.append(
            {
                "step": "review",
                "title": _("Agreement"),
                "url": "",
                "errors": [ErrorLink("review", "id_consent", "", consent_error, href="#id_consent")],
            }
        )
    places_values = draft.get("places") or {}
    people_values = draft.get("people") or {}
    head, head_name = head_of_household(people_values)
    applicant_rows = _as_head(
        _person_rows(applicant_fields(assisted=assisted is not None), payload["applicant"]),
        head == HEAD_APPLICANT,
    )
    member_rows = [_as_head(_person_rows(MEMBER, m), head == f"members[{i}]") for i, m in enumerate(payload["members"])]
    details_values = (draft.get("details") or {}).get("values") or {}
    shown: dict[str, Any] = {
        "old_rows": display_rows(ADDRESS, places_values.get("from")),
        "new_rows": display_rows(ADDRESS, places_values.get("to")),
        "applicant_rows": applicant_rows,
        "members": member_rows,
        "head_rows": [
            {"label": _("Head of household (世帯主) at the new address"), "value": head_name, "invalid": not head_name}
        ],
        "details": [
            {
                "name": a.version.localised_name,
                "organisation": _organisation_of(a, found),
                "rows": display_rows(
                    procedure_fields(a), with_defaults(procedure_fields(a), details_values.get(a.slug), found.move_date)
                ),
            }
            for a in applying
        ],
    }
    # Characters no font of the printed documents has: left blank there, to be written by hand.
    unprintable = unprintable_rows(
        [
            (_("Old address"), shown["old_rows"]),
            (_("New address"), shown["new_rows"]),
            (_("Applicant"), shown["applicant_rows"]),
            (_("Head of household (世帯主) at the new address"), shown["head_rows"]),
            *((_("Person %(number)s") % {"number": i}, rows) for i, rows in enumerate(shown["members"], 1)),
            *((d["name"], d["rows"]) for d in shown["details"]),
        ]
    )
    return {
        **shown,
        "unprintable": unprintable,
        "places": found,
        "error_groups": groups,
        "error_count": sum(len(g["errors"]) for g in groups),
        "date_rows": display_rows(MOVE, {"move_date": places_values.get("move_date", "")}),
        "procedures": _procedure_rows(applying, found.move_date, found) if applying else [],
        "warnings": deadline_warnings(chosen, found.move_date, places=found) if chosen else [],
        "flows": data_flows(applying, found, withheld) if applying else [],
        "not_applied": _not_applied(found, payload) if found else [],
        "has_members": bool(payload["members"]),
        "sep": ", " if _english() else "、",
        "consent_error": consent_error,
        "consent_version": DATA_SHARING_VERSION,
        **(move_notes(found) if found else {}),
    }


def _person_rows(specs, values) -> list[dict]:
    """A person's rows on the review page; the foreign-resident ones only for a foreign resident
    (``values``: the payload's person, which has them only then)."""
    rows = display_rows(specs, values)
    if is_foreign(values):
        for row in rows:
            number = normalise_card_number(row["value"]) if row["name"] == "residence_card_number" else ""
            if valid_card_number(number):
                row["value"] = number  # as it will be stored and printed
        category = values.get("residence_category")
        return [
            row
            for row in rows
            if row["name"] != "foreign_resident" and (foreign_applies(row["name"], category) or row.get("invalid"))
        ]
    return [row for row in rows if row["name"] not in FOREIGN_FIELDS]


def _as_head(rows: list[dict], is_head: bool) -> list[dict]:
    """The 世帯主's own 続柄 reads 世帯主 (it is not asked)."""
    if is_head:
        for row in rows:
            if row["name"] == "relationship":
                row.update(value=HEAD_RELATIONSHIP, invalid=False)
    return rows


def _plan(draft: dict, withheld=frozenset()):
    """What a draft applies for: (places or None, the procedures the mover chose to apply for
    here, those of them that are sent — without the organisations the mover did not agree to
    (``withheld``) — and the payload of ``validate_move``, with every choice)."""
    found, _errors = check_places(draft.get("places"))
    if found is None:
        return None, [], None, build_payload(draft, None)
    applicable = found.procedures()
    choices = procedure_choices(applicable, draft)
    applying = [a for a in applicable if choices[a.slug] == ProcedureChoice.APPLY]
    chosen = []
    for a in applying:
        sent = not channels.in_person(a.version.definition["channel"])
        if sent and not a.required and a.procedure.organisation.slug in withheld:
            choices[a.slug] = str(ProcedureChoice.WITHHELD)  # recorded, not sent
        else:
            chosen.append(a)
    return found, applying, chosen, build_payload(draft, chosen, choices)


def _not_applied(places, payload) -> list[dict]:
    """The procedures that apply but are not applied for here, with the mover's answer."""
    labels = dict(ProcedureChoice.choices)
    answers = payload.get("choices") or {}
    return [
        {"name": a.version.localised_name, "choice": labels.get(answers[a.slug], answers[a.slug])}
        for a in places.procedures()
        if a.slug in answers
    ]


def _review_summary(context):
    return [
        {"href": link.href, "label": link.label, "message": link.message}
        for group in context["error_groups"]
        for link in group["errors"]
    ]


@wizard_step
def review(request, move):
    if request.method == "POST":
        return _submit(request, move.public_id)
    context = _review_context(request, move)
    if assisted_of(move) is None and move.owner_id == request.user.pk:
        # The mover's own draft: what other apps add (a hand-over to the portal of the new address).
        context["extra_sections"] = review_sections(request, move, context["places"])
    return _render(
        request,
        move,
        "review",
        "moves/review.html",
        context,
        summary=_review_summary(context),
        posted=_just_posted(request),
    )


@login_required
@require_POST
def submit(request, public_id):
    return _submit(request, public_id)


def _submit(request, public_id):
    """申請: the draft becomes the payload of ``move_submit``; submitting twice changes nothing.

    The box "I agree to which data goes where" must be ticked (``consent``): without it nothing
    is submitted and the review page says so at the box.
    """
    move = own_move(request, public_id)
    if move.status != MoveStatus.DRAFT:
        return redirect(page_url(request, "detail", move))
    assisted = assisted_of(move)
    if assisted is not None and (before := assisted.entry_url()):
        return redirect(before)
    agreed = request.POST.get("consent") == "1"
    from ..limits import submission_limited_page, submission_refused  # issue 13: submissions per hour / day

    if (refusal := submission_refused(request.user, move=move)) is not None:
        return submission_limited_page(request, refusal, _step_url(request, move, "review"))
    with transaction.atomic():
        locked = Move.objects.select_for_update().filter(pk=move.pk, status=MoveStatus.DRAFT).first()
        if locked is None:
            return redirect(page_url(request, "detail", move))
        draft = locked.draft or {}
        # Consent per organisation: those offered on the review page and left unticked get
        # nothing (their procedures are recorded as withheld); the rest is sent.
        offered = set(request.POST.getlist("organisations"))
        withheld = offered - set(request.POST.getlist("share"))
        _found, _applying, _chosen, payload = _plan(draft, withheld)
        if agreed:
            payload["consent"] = True
        try:
            move_submit(
                owner=locked.owner, payload=payload, draft=locked, require_consent=True, consent_by=request.user
            )
        except MoveInvalid as exc:
            errors = exc.errors
        else:
            audit(request, Action.CONSENT, move, target=DATA_SHARING_VERSION)
            audit(request, Action.SUBMIT, move)
            return redirect(page_url(request, "detail", move))
        # Each page with a problem shows it when the mover opens it from the review page.
        draft = dict(draft)
        for step in {step_of(path) for path in errors} - {"review"}:
            draft[step] = {**(draft.get(step) or {}), "checked": True}
        draft["review"] = {"consent_missing": "consent" in errors, "withheld": sorted(withheld)}
        locked.draft = draft
        locked.save(update_fields=["draft", "updated_at"])
    return _show_errors(request, move, "review")
