"""The move wizard (引越し申請): my moves, one page per step, submit, the result and its documents.

Every step works the same way: a GET shows the form filled from ``move.draft[step]``; a POST
keeps what was typed in the draft whatever it is, then checks it with the ``FieldSpec`` forms and
either shows the errors beside the fields or redirects to the next step (POST/redirect/GET).
Only the owner sees a move (404 for anyone else); a submitted move is no longer edited.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hikkoshi.catalogue.constants import Channel
from hikkoshi.documents.services import document_names, render_document
from hikkoshi.catalogue.selectors import deadline_window, office_for, period_ended_notice
from hikkoshi.places.moves import MoveKind

from .common import ADDRESS, APPLICANT, MAX_MEMBERS, MEMBER, MOVE, member_limit_message
from .constants import EntryStatus, MoveStatus
from .forms import (
    STEPS, STEP_NAMES, ProcedureChoiceForm, SpecForm, build_payload, check_places, chosen_procedures,
    deadline_warnings, detail_forms, display_rows, locate_error, member_forms, people_raw, places_forms,
    places_raw, procedure_fields, step_of,
)
from .models import Move
from .selectors import CHANNEL_LABELS, move_for, move_record, moves_of
from .services import MoveInvalid, move_draft_create, move_draft_save, move_submit, validate_move


# -- helpers ----------------------------------------------------------------------------------

def _own_move(request, public_id) -> Move:
    move = move_for(owner=request.user, public_id=public_id)
    if move is None:
        raise Http404
    return move


def wizard_step(view):
    """A step of a draft move of the signed-in user; a submitted move goes to its result."""
    @login_required
    @require_http_methods(["GET", "POST"])
    @never_cache
    @sensitive_post_parameters()  # names, birth dates…: never in an error report
    @wraps(view)
    def wrapper(request, public_id):
        move = _own_move(request, public_id)
        if move.status != MoveStatus.DRAFT:
            return redirect("moves:detail", public_id=move.public_id)
        return view(request, move)
    return wrapper


def _step_url(move, step: str, anchor: str = "") -> str:
    url = reverse(f"moves:{step}", kwargs={"public_id": move.public_id})
    return f"{url}#{anchor}" if anchor else url


def _save(move, step: str, values: dict, *, next_step: str) -> bool:
    return move_draft_save(move=move, step=step, values=values, next_step=next_step)


def _submitted_meanwhile(move):
    return redirect("moves:detail", public_id=move.public_id)


def _summary(groups) -> list[dict]:
    """The error summary: each error a link to its field (or to its group)."""
    items = []
    for form, anchor, label in groups:
        for message in form.non_field_errors():
            items.append({"href": f"#{anchor}", "label": label, "message": message})
        for bound in form:
            for message in bound.errors:
                text = f"{label} — {bound.label}" if label else bound.label
                items.append({"href": f"#{bound.auto_id}", "label": text, "message": message})
    return items


def _render(request, move, step, template, context, *, summary=(), posted=False):
    index = STEP_NAMES.index(step)
    steps = [{"name": name, "title": title, "url": _step_url(move, name), "current": name == step,
              "number": i + 1} for i, (name, title) in enumerate(STEPS)]
    previous = _step_url(move, STEP_NAMES[index - 1]) if index else reverse("moves:list")
    context = {
        "move": move, "step": step, "steps": steps, "step_number": index + 1, "step_count": len(STEPS),
        "step_title": dict(STEPS)[step], "summary": list(summary), "focus_summary": posted and bool(summary),
        "previous_url": previous, **context,
    }
    return render(request, template, context)


def _show_errors(move, step: str):
    """After a POST with errors, the step's page (its draft keeps the values and the errors):
    POST/redirect/GET, so the browser's Back button never lands on a POST's answer."""
    return redirect(f"{_step_url(move, step)}?errors=1")


def _just_posted(request) -> bool:
    return "errors" in request.GET


def _places_of(move):
    places, _errors = check_places((move.draft or {}).get("places"))
    return places


def _checked_forms_valid(forms_) -> bool:
    return all(form.is_valid() for form in forms_)


# -- my moves ---------------------------------------------------------------------------------

@login_required
@require_GET
@never_cache
def move_list(request):
    """My moves: drafts to continue, submitted ones with their status."""
    moves = moves_of(request.user)
    drafts, submitted = [], []
    for move in moves:
        if move.status == MoveStatus.DRAFT:
            places = (move.draft or {}).get("places") or {}
            step = (move.draft or {}).get("step") or "places"
            drafts.append({"move": move, "from": (places.get("from") or {}).get("address", ""),
                           "to": (places.get("to") or {}).get("address", ""),
                           "step_title": dict(STEPS).get(step, ""),
                           "url": _step_url(move, step if step in STEP_NAMES else "places")})
        else:
            submitted.append(move)
    return render(request, "moves/list.html", {"drafts": drafts, "submitted": submitted})


@login_required
@require_POST
def move_start(request):
    """はじめる: a new draft move of the signed-in user."""
    move = move_draft_create(owner=request.user)
    return redirect("moves:places", public_id=move.public_id)


# -- 1. where from, where to ------------------------------------------------------------------

def _places_summary(forms_):
    return _summary([(forms_["from"], "from-fieldset", _("Old address")),
                     (forms_["to"], "to-fieldset", _("New address")),
                     (forms_["move"], "id_move-move_date", "")])


def _check_places_forms(forms_, values):
    if not _checked_forms_valid(forms_.values()):
        return None
    places, errors = check_places(values)
    forms_["from"].add_path_errors(errors, "from")
    forms_["to"].add_path_errors(errors, "to")
    if "move_date" in errors and not forms_["move"].has_error("move_date"):
        forms_["move"].add_error("move_date", errors["move_date"])
    return places


@wizard_step
def places(request, move):
    if request.method == "POST":
        old = (move.draft or {}).get("places") or {}
        values = places_raw(request.POST)
        back = "back" in request.POST
        values["checked"] = old.get("checked", False) if back else True
        forms_ = places_forms(values, bound=True)
        found = None if back else _check_places_forms(forms_, values)
        if not _save(move, "places", values, next_step="procedures" if found else "places"):
            return _submitted_meanwhile(move)
        if back:
            return redirect("moves:list")
        if found:
            return redirect("moves:procedures", public_id=move.public_id)
        return _show_errors(move, "places")
    values = (move.draft or {}).get("places") or {}
    bound = bool(values.get("checked"))
    forms_ = places_forms(values, bound=bound)
    if bound:
        _check_places_forms(forms_, values)
    return _render(request, move, "places", "moves/places.html", {"forms": forms_},
                   summary=_places_summary(forms_) if bound else (), posted=_just_posted(request))


# -- 2. which procedures ----------------------------------------------------------------------

def _procedure_rows(applicable, move_date, places=None):
    rows = []
    for a in applicable:
        definition = a.version.definition
        start, end = deadline_window(definition, move_date)
        # A window procedure is taken to the office of the address (the ward office), not to
        # the organisation that runs it.
        office = (office_for(definition, old=places.old, new=places.new)
                  if places is not None and definition["channel"] == Channel.WINDOW else None)
        rows.append({
            "slug": a.slug, "name": a.version.localised_name, "optional": a.optional,
            "organisation": office.name if office else a.procedure.organisation.name,
            "channel": CHANNEL_LABELS.get(definition["channel"], definition["channel"]),
            "description": definition.get("description_en") if _english() and definition.get("description_en")
            else definition.get("description", ""),
            "deadline_from": start, "deadline_to": end,
        })
    return rows


def _english() -> bool:
    return get_language() == "en"


@wizard_step
def procedures(request, move):
    found = _places_of(move)
    if found is None:
        return redirect("moves:places", public_id=move.public_id)
    applicable = found.procedures()
    optional = [a.slug for a in applicable if a.optional]
    summary = []
    if request.method == "POST":
        back = "back" in request.POST
        form = ProcedureChoiceForm(request.POST, choices=optional)
        valid = form.is_valid()
        chosen = form.cleaned_data["optional"] if valid else [
            slug for slug in request.POST.getlist("optional") if slug in optional]
        values = {"optional": chosen, "checked": True}
        if not _save(move, "procedures", values, next_step="people" if valid and not back else "procedures"):
            return _submitted_meanwhile(move)
        if back:
            return redirect("moves:places", public_id=move.public_id)
        if valid:
            return redirect("moves:people", public_id=move.public_id)
        summary = [{"href": "#procedures-list", "label": _("Procedures"), "message": e}
                   for e in form.errors.get("optional", [])]
    else:
        chosen = ((move.draft or {}).get("procedures") or {}).get("optional") or []
    rows = _procedure_rows(applicable, found.move_date, found)
    for row in rows:
        row["chosen"] = row["slug"] in chosen
    return _render(request, move, "procedures", "moves/procedures.html", {
        "places": found, "required": [r for r in rows if not r["optional"]],
        "optional": [r for r in rows if r["optional"]],
    }, summary=summary, posted=request.method == "POST")


# -- 3. who is moving -------------------------------------------------------------------------

def _people_forms(values, *, bound):
    applicant = SpecForm.from_values(APPLICANT, values.get("applicant"), prefix="applicant", bound=bound)
    members = values.get("members") or []
    rows = member_forms(members, values.get("blank_rows", 1), bound=bound)
    problems = []
    if bound and len(members) > MAX_MEMBERS:
        problems.append({"href": "#members-fieldset", "label": _("Household members"),
                         "message": member_limit_message()})
    return applicant, rows, problems


def _people_valid(applicant, rows, problems) -> bool:
    return not problems and _checked_forms_valid([applicant] + [r for r in rows if r.is_bound])


def _people_summary(applicant, rows, problems):
    groups = [(applicant, "applicant-fieldset", _("Applicant"))]
    groups += [(row, f"member-{i}", _("Person %(number)d") % {"number": i + 1})
               for i, row in enumerate(rows) if row.is_bound]
    return _summary(groups) + problems


@wizard_step
def people(request, move):
    old = (move.draft or {}).get("people") or {}
    if request.method == "POST":
        remove = request.POST.get("remove_member", "")
        remove = int(remove) if remove.isascii() and remove.isdigit() and len(remove) < 3 else None
        applicant_values, members, blank_posted = people_raw(request.POST, remove=remove)
        members = members[:MAX_MEMBERS * 2]
        adding, back = "add_member" in request.POST, "back" in request.POST
        values = {"applicant": applicant_values, "members": members,
                  "blank_rows": blank_posted + 1 if adding else 1,
                  "checked": old.get("checked", False) if (adding or back or remove is not None) else True}
        if adding or back or remove is not None:
            if not _save(move, "people", values, next_step="people"):
                return _submitted_meanwhile(move)
            if back:
                return redirect("moves:procedures", public_id=move.public_id)
            if adding:
                new_row = min(len(members) + values["blank_rows"], MAX_MEMBERS) - 1
                return redirect(_step_url(move, "people", f"member-{new_row}"))
            return redirect(_step_url(move, "people", "members-fieldset"))
        applicant, rows, problems = _people_forms(values, bound=True)
        valid = _people_valid(applicant, rows, problems)
        if not _save(move, "people", values, next_step="details" if valid else "people"):
            return _submitted_meanwhile(move)
        if valid:
            return redirect("moves:details", public_id=move.public_id)
        return _show_errors(move, "people")
    bound = bool(old.get("checked"))
    if not old:
        old = {"applicant": {"email": request.user.email}}
    applicant, rows, problems = _people_forms(old, bound=bound)
    if bound:
        _people_valid(applicant, rows, problems)
    return _render(request, move, "people", "moves/people.html", _people_context(applicant, rows, old),
                   summary=_people_summary(applicant, rows, problems) if bound else (),
                   posted=_just_posted(request))


def _people_context(applicant, rows, values):
    filled = len(values.get("members") or [])
    return {"applicant": applicant,
            "rows": [{"form": row, "index": i, "number": i + 1, "filled": i < filled} for i, row in enumerate(rows)],
            "can_add": len(rows) < MAX_MEMBERS, "max_members": MAX_MEMBERS}


# -- 4. each procedure's own fields -----------------------------------------------------------

@wizard_step
def details(request, move):
    found = _places_of(move)
    if found is None:
        return redirect("moves:places", public_id=move.public_id)
    chosen = chosen_procedures(found.procedures(), move.draft or {})
    old = (move.draft or {}).get("details") or {}
    if request.method == "POST":
        back = "back" in request.POST
        values = dict(old.get("values") or {})
        for a in chosen:
            values[a.slug] = SpecForm(procedure_fields(a), prefix=f"proc-{a.slug}", data=request.POST).raw()
        step_values = {"values": values, "checked": old.get("checked", False) if back else True}
        groups = detail_forms(chosen, values, bound=True)
        valid = not back and _checked_forms_valid(form for _a, form in groups)
        if not _save(move, "details", step_values, next_step="review" if valid else "details"):
            return _submitted_meanwhile(move)
        if back:
            return redirect("moves:people", public_id=move.public_id)
        if valid:
            return redirect("moves:review", public_id=move.public_id)
        return _show_errors(move, "details")
    bound = bool(old.get("checked"))
    groups = detail_forms(chosen, old.get("values") or {}, bound=bound)
    if bound:
        _checked_forms_valid(form for _a, form in groups)
    return _render(request, move, "details", "moves/details.html", _details_context(groups),
                   summary=_details_summary(groups) if bound else (), posted=_just_posted(request))


def _details_summary(groups):
    return _summary([(form, f"proc-{a.slug}", a.version.localised_name) for a, form in groups])


def _details_context(groups):
    return {"groups": [{"applicable": a, "form": form, "name": a.version.localised_name,
                        "organisation": a.procedure.organisation.name} for a, form in groups]}


# -- 5. review and submit ---------------------------------------------------------------------

def _review_context(move, errors: dict[str, str] | None = None):
    """Everything typed, as it will be stored; the problems by step; the deadline warnings."""
    draft = move.draft or {}
    found, place_errors = check_places(draft.get("places"))
    chosen = chosen_procedures(found.procedures(), draft) if found else None
    payload = build_payload(draft, chosen)
    if errors is None:
        try:
            validate_move(payload)
            errors = {}
        except MoveInvalid as exc:
            errors = exc.errors
    by_step = {}
    for path, message in errors.items():
        link = locate_error(path, message, payload, chosen or [])
        link.href = _step_url(move, link.step, link.anchor) if link.step != "review" else ""
        by_step.setdefault(link.step, []).append(link)
    groups = [{"step": name, "title": title, "url": _step_url(move, name), "errors": by_step[name]}
              for name, title in STEPS if name in by_step]
    places_values = draft.get("places") or {}
    people_values = draft.get("people") or {}
    details_values = (draft.get("details") or {}).get("values") or {}
    return {
        "places": found, "error_groups": groups, "error_count": len(errors),
        "old_rows": display_rows(ADDRESS, places_values.get("from")),
        "new_rows": display_rows(ADDRESS, places_values.get("to")),
        "date_rows": display_rows(MOVE, {"move_date": places_values.get("move_date", "")}),
        "procedures": _procedure_rows(chosen, found.move_date, found) if chosen else [],
        "applicant_rows": display_rows(APPLICANT, people_values.get("applicant")),
        "members": [display_rows(MEMBER, m) for m in payload["members"]],
        "details": [{"name": a.version.localised_name, "organisation": a.procedure.organisation.name,
                     "rows": display_rows(procedure_fields(a), details_values.get(a.slug))}
                    for a in chosen or []],
        "warnings": deadline_warnings(chosen, found.move_date) if chosen else [],
    }


def _review_summary(context):
    return [{"href": link.href, "label": link.label, "message": link.message}
            for group in context["error_groups"] for link in group["errors"]]


@wizard_step
def review(request, move):
    if request.method == "POST":
        return submit(request, move.public_id)
    context = _review_context(move)
    return _render(request, move, "review", "moves/review.html", context, summary=_review_summary(context),
                   posted=_just_posted(request))


@login_required
@require_POST
def submit(request, public_id):
    """申請: the draft becomes the payload of ``move_submit``; submitting twice changes nothing."""
    move = _own_move(request, public_id)
    if move.status != MoveStatus.DRAFT:
        return redirect("moves:detail", public_id=move.public_id)
    with transaction.atomic():
        locked = Move.objects.select_for_update().filter(pk=move.pk, status=MoveStatus.DRAFT).first()
        if locked is None:
            return redirect("moves:detail", public_id=move.public_id)
        draft = locked.draft or {}
        found, _errors = check_places(draft.get("places"))
        chosen = chosen_procedures(found.procedures(), draft) if found else None
        try:
            move_submit(owner=request.user, payload=build_payload(draft, chosen), draft=locked)
        except MoveInvalid as exc:
            errors = exc.errors
        else:
            return redirect("moves:detail", public_id=move.public_id)
        # Each page with a problem shows it when the mover opens it from the review page.
        draft = dict(draft)
        for step in {step_of(path) for path in errors} - {"review"}:
            draft[step] = {**(draft.get(step) or {}), "checked": True}
        locked.draft = draft
        locked.save(update_fields=["draft", "updated_at"])
    return _show_errors(move, "review")


# -- the result -------------------------------------------------------------------------------

def _document_names(move) -> list[str]:
    return document_names(move_record(move))


def _document_label(name: str, procedure: str = "") -> str:
    stem, _dot, extension = name.rpartition(".")
    kind = {"pdf": "PDF", "ics": "iCalendar"}.get(extension, extension)
    if stem.startswith("form-"):
        title = _("Filled-in form to print: %(procedure)s") % {"procedure": procedure or stem[5:]}
    else:
        title = {"result": _("Application result (申請結果)"), "copy": _("Your copy of the application (申請控え)"),
                 "deadlines": _("Deadlines for your calendar")}.get(stem, stem)
    return f"{title} ({kind})"


def _belongs_to(name: str, slug: str) -> bool:
    return name == f"form-{slug}.pdf"


@login_required
@require_GET
@never_cache
def detail(request, public_id):
    """申請結果: every procedure with its status, organisation, channel, deadline, office, documents."""
    move = _own_move(request, public_id)
    if move.status == MoveStatus.DRAFT:
        step = (move.draft or {}).get("step") or "places"
        return redirect(_step_url(move, step if step in STEP_NAMES else "places"))
    names = _document_names(move)
    submitted_on = timezone.localdate(move.submitted_at) if move.submitted_at else timezone.localdate()
    entries, warnings = [], []
    for entry in move.entries.all():
        definition = entry.definition
        slug = definition["slug"]
        name = entry.version.localised_name
        organisation = entry.version.procedure.organisation.name
        entries.append({
            "entry": entry, "slug": slug, "name": name, "organisation": organisation,
            "channel": CHANNEL_LABELS.get(definition["channel"], definition["channel"]),
            "window": definition["channel"] == "window", "office": entry.office,
            "status": entry.get_status_display(),
            "documents": [{"name": n, "label": _document_label(n, name)} for n in names if _belongs_to(n, slug)],
            "bring": [line for line in (definition.get("what_to_bring_en") if _english() and definition.get(
                "what_to_bring_en") else definition.get("what_to_bring", "")).splitlines() if line.strip()],
        })
        notice = period_ended_notice(name=name, end=entry.deadline_to, organisation=organisation,
                                     today=submitted_on)
        if notice:
            warnings.append(notice)
    specific = {d["name"] for e in entries for d in e["documents"]}
    return render(request, "moves/result.html", {
        "move": move, "entries": entries, "warnings": warnings, "summary": _delivery_summary(move),
        "documents": [{"name": n, "label": _document_label(n)} for n in names if n not in specific],
        "kinds": [_kind_label(k) for k in move.kinds],
    })


def _delivery_summary(move) -> dict:
    """How many of a move's applications to be sent have arrived, are on their way, failed."""
    statuses = [e.status for e in move.entries.all() if e.status != EntryStatus.IN_PERSON]
    return {
        "sent_total": len(statuses),
        "delivered": sum(s in (EntryStatus.DELIVERED, EntryStatus.HANDLED) for s in statuses),
        "pending": sum(s in (EntryStatus.QUEUED, EntryStatus.SENDING, EntryStatus.RETRYING) for s in statuses),
        "failed": sum(s == EntryStatus.FAILED for s in statuses),
    }


def _kind_label(kind: str) -> str:
    try:
        return str(MoveKind(kind).label)
    except ValueError:
        return kind


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def delete(request, public_id):
    """Delete this move (a draft or a submitted one) after a confirmation page; only its owner
    can (404 for anyone else). Its procedures and their deliveries go with it."""
    move = _own_move(request, public_id)
    if request.method == "POST":
        Move.objects.filter(pk=move.pk, owner=request.user).delete()
        messages.success(request, _("The move was deleted, with the personal data in it."))
        return redirect("moves:list")
    places = (move.draft or {}).get("places") or {}
    return render(request, "moves/delete.html", {
        "move": move, "submitted": move.status != MoveStatus.DRAFT,
        "from": move.old_address.get("full_address") or (places.get("from") or {}).get("address", ""),
        "to": move.new_address.get("full_address") or (places.get("to") or {}).get("address", ""),
        "back": reverse("moves:list") if move.status == MoveStatus.DRAFT
        else reverse("moves:detail", kwargs={"public_id": move.public_id}),
    })


@login_required
@require_GET
def document(request, public_id, name: str):
    """A document of a submitted move (PDF or iCalendar), for its owner only."""
    move = _own_move(request, public_id)
    if move.status == MoveStatus.DRAFT:
        raise Http404
    rendered = render_document(move_record(move), name)
    if rendered is None:
        raise Http404
    content, content_type = rendered
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
