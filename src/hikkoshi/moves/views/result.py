"""A submitted move's pages: the result (申請結果) with its documents, and deleting a move.

Withdrawing, correcting, marking filed and the visit day are ``moves.views.changes``; they show
this result page again (``result_page``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hikkoshi.audit.services import Action
from hikkoshi.catalogue.constants import ProcedureChoice
from hikkoshi.catalogue.selectors import period_ended_notice
from hikkoshi.documents.services import document_language, document_names, render_document
from hikkoshi.places.move_kind import MoveKind, assess_move
from hikkoshi.places.normalise import InvalidPostcode
from hikkoshi.places.postcodes import lookup

from ..access import assisted_of
from ..common import applicant_fields
from ..constants import MoveStatus, ProcedureStatus
from ..forms import STEP_NAMES, Places
from ..lifecycle import moves_delete
from ..result import next_steps, procedure_rows, procedures_of
from ..selectors import channel_label, move_record
from .shared import audit, list_url, move_notes, own_move, page_url


def _document_names(move) -> list[str]:
    return document_names(move_record(move))


def _document_label(name: str, procedure: str = "") -> str:
    stem, _dot, extension = name.rpartition(".")
    kind = {"pdf": "PDF", "ics": "iCalendar"}.get(extension, extension)
    if stem.startswith("form-"):
        title = _("Filled-in form to print: %(procedure)s") % {"procedure": procedure or stem[5:]}
    else:
        title = {
            "result": _("Application result (申請結果)"),
            "copy": _("Your copy of the application (申請控え)"),
            "deadlines": _("Deadlines for your calendar"),
        }.get(stem, stem)
    return f"{title} ({kind})"


def _belongs_to(name: str, slug: str) -> bool:
    return name == f"form-{slug}.pdf"


@login_required
@require_GET
@never_cache
def detail(request, public_id):
    """申請結果: 「次にやること」 first (``moves.result``), then every procedure with its status as a
    badge, organisation, channel, deadline, office, documents, and its withdrawals and corrections."""
    move = own_move(request, public_id)
    if move.status == MoveStatus.DRAFT:
        assisted = assisted_of(move)
        if assisted is not None and not assisted.consent_recorded:
            return redirect(assisted.consent_url())
        step = (move.draft or {}).get("step") or "places"
        return redirect(page_url(request, step if step in STEP_NAMES else "places", move))
    audit(request, Action.VIEW, move)
    return result_page(request, move)


def result_page(request, move, *, visit: dict | None = None, status: int = 200):
    """The result page of a submitted move; ``visit`` is a refused counter-visit day to show again
    (``{"slug", "value", "error"}``, ``changes.visit``)."""
    names = _document_names(move)
    submitted_on = timezone.localdate(move.submitted_at) if move.submitted_at else timezone.localdate()
    contact_labels = {f"applicant.{spec.name}": spec.localised_label for spec in applicant_fields()}
    entries = procedures_of(move)
    rows = procedure_rows(
        move,
        entries,
        lambda slug, name: [{"name": n, "label": _document_label(n, name)} for n in names if _belongs_to(n, slug)],
        contact_labels,
    )
    warnings = []
    for row in rows:
        entry = row["entry"]
        row["channel"] = channel_label(entry.definition["channel"])
        if entry.status == ProcedureStatus.WITHDRAWN:
            continue
        notice = period_ended_notice(
            name=row["name"], end=entry.deadline_to, organisation=row["organisation"], today=submitted_on
        )
        if notice:
            warnings.append(notice)
    today = timezone.localdate()
    for row in rows:
        entry = row["entry"]
        if not row.get("window"):
            continue
        row["visit_min"] = max(filter(None, (today, entry.deadline_from)))
        row["visit_max"] = entry.deadline_to
        refused = visit if visit is not None and visit["slug"] == entry.definition["slug"] else None
        row["visit_value"] = refused["value"] if refused else (entry.visit_on.isoformat() if entry.visit_on else "")
        row["visit_error"] = refused["error"] if refused else ""
    specific = {d["name"] for r in rows for d in r["documents"]}
    assisted = assisted_of(move)
    return render(
        request,
        "moves/result.html",
        {
            "move": move,
            "procedures": rows,
            "warnings": warnings,
            "summary": _delivery_summary(move),
            "next_steps": next_steps(rows),
            "changeable": any(not r["locked"] for r in rows),
            "documents": [{"name": n, "label": _document_label(n)} for n in names if n not in specific],
            "kinds": [_kind_label(k) for k in move.kinds],
            "list_url": list_url(request),
            "assisted": assisted,
            "extra_documents": assisted.extra_documents() if assisted is not None else [],
            **_stored_move_notes(move),
        },
        status=status,
    )


def _stored_move_notes(move) -> dict:
    """``move_notes`` of a submitted move, from its stored addresses (none once erased)."""
    if move.erased_at is not None:
        return {}
    try:
        old, new = lookup(move.old_address.get("postcode", "")), lookup(move.new_address.get("postcode", ""))
    except InvalidPostcode:
        return {}
    if old is None or new is None:
        return {}
    places = Places(old, new, assess_move(old.municipality_code, new.municipality_code), move.move_date)
    return {**move_notes(places), "not_applied": _stored_not_applied(move)}


def _stored_not_applied(move) -> list[dict]:
    """The procedures of a submitted move not applied for here, with the mover's answer."""
    from hikkoshi.catalogue.models import Procedure

    answers = {slug: c for slug, c in (move.procedure_choices or {}).items() if c != ProcedureChoice.APPLY}
    if not answers:
        return []
    labels = dict(ProcedureChoice.choices)
    procedures = {p.slug: p for p in Procedure.objects.filter(slug__in=answers)}
    return [
        {"name": procedures[slug].localised_name if slug in procedures else slug, "choice": labels.get(choice, choice)}
        for slug, choice in answers.items()
    ]


def _delivery_summary(move) -> dict:
    """How many of a move's applications to be sent have arrived, are on their way, failed."""
    statuses = [
        e.status
        for e in move.procedures.all()
        if e.status not in (ProcedureStatus.IN_PERSON, ProcedureStatus.WITHDRAWN)
    ]
    return {
        "sent_total": len(statuses),
        "delivered": sum(s in (ProcedureStatus.DELIVERED, ProcedureStatus.HANDLED) for s in statuses),
        "pending": sum(
            s in (ProcedureStatus.QUEUED, ProcedureStatus.SENDING, ProcedureStatus.RETRYING) for s in statuses
        ),
        "failed": sum(s == ProcedureStatus.FAILED for s in statuses),
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
    """Delete this move (a draft or a submitted one) after a confirmation page; only who may see
    it can (404 for anyone else). Its procedures and their deliveries go with it."""
    move = own_move(request, public_id)
    if request.method == "POST":
        with transaction.atomic():
            audit(request, Action.DELETE, move)
            # What other apps keep of it goes too (fax images in a spool folder: once committed).
            moves_delete(move_ids=[move.pk])
        messages.success(request, _("The move was deleted, with the personal data in it."))
        return redirect(list_url(request))
    places = (move.draft or {}).get("places") or {}
    return render(
        request,
        "moves/delete.html",
        {
            "move": move,
            "submitted": move.status != MoveStatus.DRAFT,
            "assisted": assisted_of(move),
            "from": move.old_address.get("full_address") or (places.get("from") or {}).get("address", ""),
            "to": move.new_address.get("full_address") or (places.get("to") or {}).get("address", ""),
            "back": list_url(request) if move.status == MoveStatus.DRAFT else page_url(request, "detail", move),
        },
    )


@login_required
@require_GET
def document(request, public_id, name: str):
    """A document of a submitted move (PDF or iCalendar), for who may see the move only."""
    move = own_move(request, public_id)
    if move.status == MoveStatus.DRAFT:
        raise Http404
    with document_language():
        rendered = render_document(move_record(move), name)
    if rendered is None:
        raise Http404
    audit(request, Action.PRINT, move, target=name)
    content, content_type = rendered
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
