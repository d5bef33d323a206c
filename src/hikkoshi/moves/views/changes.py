"""After submitting: withdraw (取下げ) or correct (訂正) a move, mark a counter procedure filed, and
choose the day of the visit to the counter.

Each page asks first (a page with what will happen), then does it on a POST that carries the
form's own request key, so a double click or a reload does nothing twice. Only who may see the
move may change it (``shared.own_move``: a 404 for anyone else); every change is an audit event.
Nothing is sent from here: ``moves.lifecycle`` changes the move and tells the apps above
(``moves.signals``), whose workers send the notices to the organisations.
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from hikkoshi import channels
from hikkoshi.audit.services import Action
from hikkoshi.catalogue.schema import FieldError, FieldSpec, FieldType, clean_values
from hikkoshi.japanese import format_wareki

from ..access import assisted_of
from ..common import applicant_fields
from ..constants import MoveStatus, ProcedureStatus
from ..forms import SpecForm
from ..lifecycle import move_correct, move_withdraw
from ..models import MoveProcedure
from ..notices import request_known, why_not_changeable
from ..result import filed_with, procedures_of
from .result import result_page
from .shared import audit, error_summary, own_move, page_url

CONTACT = ("phone", "email")


def _submitted(request, public_id):
    move = own_move(request, public_id)
    if move.status != MoveStatus.SUBMITTED:
        raise Http404
    return move


def _request_key(request) -> str:
    key = request.POST.get("request_key", "")
    return key if 16 <= len(key) <= 64 and key.isascii() and key.isprintable() else secrets.token_urlsafe(16)


def _names(entries) -> str:
    return "、".join(e.version.localised_name for e in entries)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def withdraw(request, public_id):
    """取下げ: the whole move, or the procedures ticked (``?procedure=<slug>`` ticks one)."""
    move = _submitted(request, public_id)
    entries = procedures_of(move)
    open_ = [e for e in entries if not why_not_changeable(e)]
    error = ""
    if request.method == "POST":
        key = _request_key(request)
        if request_known(move, key):
            return redirect(page_url(request, "detail", move))  # the same request again: done already
        chosen = set(request.POST.getlist("procedure"))
        picked = [e for e in open_ if e.definition["slug"] in chosen]
        if picked:
            made = move_withdraw(move=move, entries=picked, user=request.user, request_key=key)
            for entry in picked:
                audit(request, Action.WITHDRAW, move, target=entry.definition["slug"])
            if made:
                messages.success(
                    request,
                    _(
                        "Withdrawn: %(names)s. Where an organisation already has the "
                        "application, it is being told; see each procedure below."
                    )
                    % {"names": _names(picked)},
                )
            return redirect(page_url(request, "detail", move))
        error = _("Tick at least one procedure to withdraw.")
    # Ticked: what was posted (after an error), else the one asked for, else everything.
    ticked = (
        set(request.POST.getlist("procedure"))
        if request.method == "POST"
        else ({request.GET["procedure"]} if request.GET.get("procedure") else {e.definition["slug"] for e in open_})
    )
    rows = [
        {
            "entry": e,
            "slug": e.definition["slug"],
            "name": e.version.localised_name,
            "organisation": filed_with(e),
            "checked": e.definition["slug"] in ticked,
            "sent": e.status in (ProcedureStatus.SENDING, ProcedureStatus.DELIVERED),
            "window": channels.in_person(e.definition["channel"]),
        }
        for e in open_
    ]
    locked = [
        {"name": e.version.localised_name, "why": why_not_changeable(e)} for e in entries if why_not_changeable(e)
    ]
    return render(
        request,
        "moves/withdraw.html",
        {
            "move": move,
            "rows": rows,
            "locked": locked,
            "request_key": secrets.token_urlsafe(16),
            "back": page_url(request, "detail", move),
            "error": error,
            "assisted": assisted_of(move),
            "summary": [{"href": "#procedures", "label": "", "message": error}] if error else [],
            "focus_summary": bool(error),
        },
        status=400 if error else 200,
    )


def _contact_specs(move):
    return tuple(spec for spec in applicant_fields(assisted=assisted_of(move) is not None) if spec.name in CONTACT)


def _procedure_specs(entry):
    return tuple(spec for spec in entry.version.schema if spec.applies_to(entry.kinds))


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters()
def correct(request, public_id):
    """訂正: the contact data and each procedure's own fields, as they stand; what changed goes
    to the organisations concerned."""
    move = _submitted(request, public_id)
    entries = [e for e in procedures_of(move) if not why_not_changeable(e)]
    data = request.POST if request.method == "POST" else None
    contact_specs = _contact_specs(move)
    contact = SpecForm(
        contact_specs, prefix="contact", data=data, initial={k: move.applicant.get(k, "") for k in CONTACT}
    )
    groups = [
        (e, SpecForm(_procedure_specs(e), prefix=f"proc-{e.definition['slug']}", data=data, initial=dict(e.values)))
        for e in entries
    ]
    if data is not None:
        valid = contact.is_valid() & all([form.is_valid() for _e, form in groups])  # noqa: C419 (validate all)
        cleaned_contact, values = {}, {}
        if valid:
            cleaned_contact, errors = clean_values(contact_specs, contact.raw(), "contact")
            contact.add_path_errors(errors, "contact")
            for entry, form in groups:
                cleaned, errors = clean_values(
                    entry.version.schema, form.raw(), "fields", kinds=entry.kinds, move_date=move.move_date
                )
                form.add_path_errors(errors, "fields")
                values[entry.pk] = cleaned
            valid = not contact.errors and not any(form.errors for _e, form in groups)
        if valid:
            corrected = move_correct(
                move=move, user=request.user, request_key=_request_key(request), values=values, contact=cleaned_contact
            )
            if corrected:
                for entry in corrected:
                    audit(request, Action.CORRECT, move, target=entry.definition["slug"])
                messages.success(
                    request,
                    _(
                        "Corrected. Where an organisation already has the application, the "
                        "correction is being sent to it; see each procedure below."
                    ),
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(page_url(request, "detail", move))
    summary = error_summary(
        [(contact, "contact-fieldset", _("Contact details"))]
        + [(form, f"proc-{e.definition['slug']}", e.version.localised_name) for e, form in groups]
    )
    return render(
        request,
        "moves/correct.html",
        {
            "move": move,
            "contact": contact,
            "request_key": secrets.token_urlsafe(16),
            "groups": [
                {
                    "entry": e,
                    "form": form,
                    "name": e.version.localised_name,
                    "slug": e.definition["slug"],
                    "organisation": filed_with(e),
                    "window": channels.in_person(e.definition["channel"]),
                }
                for e, form in groups
            ],
            "back": page_url(request, "detail", move),
            "summary": summary,
            "focus_summary": bool(summary),
            "assisted": assisted_of(move),
        },
        status=400 if summary else 200,
    )


@login_required
@require_POST
def filed(request, public_id, slug):
    """The mover says they filed a counter procedure (窓口で届出済み), or takes it back."""
    move = _submitted(request, public_id)
    entry = next(
        (e for e in procedures_of(move) if e.definition["slug"] == slug and e.status == ProcedureStatus.IN_PERSON), None
    )
    if entry is None:
        raise Http404
    done = request.POST.get("filed") == "1"
    MoveProcedure.objects.filter(pk=entry.pk, status=ProcedureStatus.IN_PERSON).update(
        filed_at=timezone.now() if done else None
    )
    audit(request, Action.FILED, move, target=f"{slug} {'yes' if done else 'no'}")
    return redirect(page_url(request, "detail", move, anchor=f"entry-{slug}"))


VISIT_FIELD = FieldSpec(
    name="visit_on", type=FieldType.DATE, label="来庁する日", label_en="Day of your visit", required=True
)


def visit_error(entry, raw: str, today) -> tuple[object, str]:
    """The day typed as a date and "", or None and why it is refused (naming the field)."""
    field = VISIT_FIELD.localised_label
    try:
        day = VISIT_FIELD.clean(raw.strip())
    except FieldError as exc:
        return None, f"{field}: {exc.message}"
    if day < today:
        return None, _("%(field)s: %(date)s has already passed. Choose today or a later day.") % {
            "field": field,
            "date": format_wareki(day),
        }
    start, end = entry.deadline_from, entry.deadline_to
    if (start and day < start) or (end and day > end):
        return None, _(
            "%(field)s: %(date)s is outside the period of the %(procedure)s (%(start)s – %(end)s). "
            "Choose a day within it."
        ) % {
            "field": field,
            "date": format_wareki(day),
            "procedure": entry.version.localised_name,
            "start": format_wareki(start) if start else "—",
            "end": format_wareki(end) if end else "—",
        }
    return day, ""


@login_required
@require_POST
@never_cache
def visit(request, public_id, slug):
    """The mover chooses the day they will go to the counter for a window procedure not yet filed
    (or clears it); it goes into the calendar (``deadlines.ics``) with the office's hours."""
    move = _submitted(request, public_id)
    entry = next(
        (
            e
            for e in procedures_of(move)
            if e.definition["slug"] == slug and e.status == ProcedureStatus.IN_PERSON and e.filed_at is None
        ),
        None,
    )
    if entry is None:
        raise Http404
    if "clear" in request.POST:
        day = None
    else:
        raw = request.POST.get("visit_on", "")[:40]
        day, error = visit_error(entry, raw, timezone.localdate())
        if error:
            messages.error(request, error)
            return result_page(request, move, visit={"slug": slug, "value": raw, "error": error}, status=400)
    MoveProcedure.objects.filter(pk=entry.pk, status=ProcedureStatus.IN_PERSON, filed_at__isnull=True).update(
        visit_on=day
    )
    audit(request, Action.VISIT, move, target=f"{slug} {day.isoformat() if day else 'none'}")
    if day is not None:
        messages.success(
            request,
            _("The day of your visit for the %(procedure)s is %(date)s. It is in the calendar file.")
            % {"procedure": entry.version.localised_name, "date": format_wareki(day)},
        )
    return redirect(page_url(request, "detail", move, anchor=f"entry-{slug}"))
