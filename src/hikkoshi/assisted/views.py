"""The staff pages (代行): estate agencies under ``/agency/``, call centres under ``/callcentre/``,
and the page a customer opens on their own phone to agree (``/consent/``).

``/agency/`` and ``/callcentre/`` are staff paths: a second factor used in this session is
needed (``hikkoshi.accounts.middleware``). Each view here also needs a membership that gives
access (``assisted.selectors.memberships``): anyone else gets a 403, and a move of another
store, agency or centre is a 404 (``moves.access``, the same policy as everywhere). The steps
of a move (where from and to, procedures, people, details, review, result) are the wizard's own
views, mounted under ``/agency/moves/`` and ``/callcentre/moves/`` (``moves.views``).

The flow: a new move for a customer (their contact) → the customer's consent (script, signed
sheet or their phone) → the wizard → the result; for a call centre, "the forms to mail".
"""

import csv
from functools import wraps
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
import segno

from hikkoshi import application_number
from hikkoshi.audit.services import Action, record
from hikkoshi.charts import bar_chart, hbar_chart
from hikkoshi.identity import second_factor_gate
from hikkoshi.moves.access import AGENCY, CALL_CENTRE, ROLES, move_visible_to, visible_moves
from hikkoshi.moves.constants import MoveStatus
from hikkoshi.moves.disclosure import catalogue_flows
from hikkoshi.moves.forms import STEP_NAMES, STEPS
from hikkoshi.moves.models import Move

from . import names, services
from .forms import (
    DAILY_DAYS,
    CallConsentForm,
    ContactForm,
    CountsPeriodForm,
    MemberForm,
    PhoneConsentForm,
    ScriptConsentForm,
    SheetConsentForm,
)
from .models import Agency, AgencyMember, CallCentre, Store
from .selectors import agency_members, billing_counts, daily_totals, memberships, monthly_totals, store_totals
from .texts import AGENCY_CONSENT, CALL_SCRIPT, ConsentText

VALIDITY_MINUTES = int(services.PHONE_LINK_VALIDITY.total_seconds() // 60)
LIST_LIMIT = 200  # moves listed at once; search to find older ones


def _summary(*forms_) -> list[dict]:
    items = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        items += [{"href": "", "label": "", "message": e} for e in form.non_field_errors()]
        for bound in form:
            for message in bound.errors:
                items.append({"href": f"#{bound.auto_id}", "label": bound.label, "message": message})
    return items


def area_view(area: str, *, managers_only: bool = False):
    """A staff page of ``area``: signed in (else to the sign-in page), with a membership there —
    of a manager for ``managers_only`` (else 403) — and the second factor used in this session.
    A member is staff: the rule is ``accounts.access.staff_required``'s, which the middleware
    applies to these paths too, from ``hikkoshi.identity`` (this app imports nothing of
    accounts)."""

    def decorator(view):
        @never_cache
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            found = memberships(request.user)
            allowed = found.centres if area == CALL_CENTRE else (found.manager_of if managers_only else found.agencies)
            if not allowed:
                raise PermissionDenied
            refused = second_factor_gate(request)
            if refused is not None:
                return refused
            request.user.hikkoshi_acting_as = ROLES[area]  # the audit log's role
            return view(request, found, *args, **kwargs)

        return wrapper

    return decorator


def _assisted_move(request, area: str, public_id):
    move = move_visible_to(request.user, public_id, area=area)
    if move is None:
        raise Http404
    return move, move.assisted


def _wizard_url(area: str, move, step: str = "") -> str:
    namespace = f"{area}-moves"
    step = step or (move.draft or {}).get("step") or "places"
    if move.status != MoveStatus.DRAFT:
        return reverse("moves:detail", kwargs={"public_id": move.public_id}, current_app=namespace)
    if step not in STEP_NAMES:
        step = "places"
    return reverse(f"moves:{step}", kwargs={"public_id": move.public_id}, current_app=namespace)


def _rows(request, area: str, query: str) -> tuple[list[dict], bool]:
    """The moves of the list: customer, where, who entered it, status, what to do next.

    With a ``query``, the moves one of whose names is the query (``names``: the whole name, the
    family or given name, or the reading, by their blind index terms; no name is decrypted to
    find them) or whose 申請番号 it is. Only the moves shown are read and decrypted: their ids
    first, then at most ``LIST_LIMIT`` of them (newest first)."""
    moves = visible_moves(request.user, area=area)
    if query:
        ids = list(names.moves_named(query, moves)[: LIST_LIMIT + 1])
        # A 申請番号 however it was typed (an operator on the phone) finds its move; a name that
        # happens to read as one still finds the names too.
        number = application_number.parse(query)
        if number:
            numbered = list(moves.filter(number=number).values_list("pk", flat=True))
            ids = numbered + [pk for pk in ids if pk not in numbered]
    else:
        ids = list(moves.values_list("pk", flat=True)[: LIST_LIMIT + 1])
    more = len(ids) > LIST_LIMIT
    shown = (
        Move.objects.filter(pk__in=ids[:LIST_LIMIT])
        .order_by("-created_at")
        .select_related("assisted", "assisted__store", "assisted__agency", "assisted__centre", "assisted__entered_by")
        # Only the personal data the list shows (the names) and the draft's step.
        .defer("old_address", "new_address", "members", "household")
    )
    rows: list[dict] = []
    for move in shown:
        assisted = move.assisted
        name = assisted.customer_name
        applicant = (move.applicant or {}).get("name", "")
        if not assisted.consent_recorded:
            next_url, next_label = assisted.consent_url(), _("Record the customer's consent")
        elif move.status == MoveStatus.DRAFT and assisted.entry_url():
            next_url, next_label = assisted.entry_url(), _("Enter the caller's contact")
        elif move.status == MoveStatus.DRAFT:
            step = (move.draft or {}).get("step") or "places"
            next_url = _wizard_url(area, move)
            next_label = _("Continue: %(step)s") % {"step": dict(STEPS).get(step, dict(STEPS)["places"])}
        else:
            next_url, next_label = _wizard_url(area, move), _("Result")
        rows.append(
            {
                "move": move,
                "assisted": assisted,
                "customer": name or applicant,
                "where": assisted.store if area == AGENCY else assisted.centre,
                "entered_by": assisted.entered_by.email if assisted.entered_by else "—",
                "next_url": next_url,
                "next_label": next_label,
                "delete_url": reverse(
                    "moves:delete", kwargs={"public_id": move.public_id}, current_app=f"{area}-moves"
                ),
            }
        )
    return rows, more


@sensitive_post_parameters("q")  # a customer's name: never in an error report
def _home(request, found, area: str):
    """The list of moves, and the search by the customer's name. The search is a POST answered
    with its page (no redirect): a name never goes into a URL, so not into the browser's
    history, a proxy's log or the ``next`` of a redirect. Each page shown is one audit event:
    a ``list`` or a ``search`` (never the name searched for)."""
    query = request.POST.get("q", "")[:100] if request.method == "POST" else ""
    if not query.strip():
        query = ""
    rows, more = _rows(request, area, query)
    record(request, action=Action.VIEW, target="search" if query else "list")
    context = {"rows": rows, "more": more, "query": query, "area": area, "limit": LIST_LIMIT}
    if area == AGENCY:
        context["stores"] = Store.objects.filter(pk__in=[s for _a, s in found.staff_of]).select_related("agency")
        context["managed"] = found.manager_of and _managed_agencies(found)
    else:
        context["centres"] = CallCentre.objects.filter(pk__in=found.centres)
    return render(request, f"assisted/{area}_home.html", context)


def _managed_agencies(found):
    return list(Agency.objects.filter(pk__in=found.manager_of))


# -- a new move for a customer ----------------------------------------------------------------


def _where_choices(found, area: str) -> list[tuple[str, str]]:
    if area == CALL_CENTRE:
        return [(f"c{c.pk}", c.name) for c in CallCentre.objects.filter(pk__in=found.centres)]
    stores = Store.objects.filter(agency_id__in=found.manager_of) | Store.objects.filter(
        pk__in=[s for _a, s in found.staff_of]
    )
    return [(f"s{s.pk}", str(s)) for s in stores.select_related("agency").distinct()]


@sensitive_post_parameters()
def _agency_new(request, found):
    """A new move for an agency's customer: the store and the customer's contact (their name
    goes on the consent sheet they sign), then the consent. A call centre asks the consent
    first: ``_callcentre_new``."""
    choices = _where_choices(found, AGENCY)
    if not choices:
        raise PermissionDenied
    form = ContactForm(request.POST if request.method == "POST" else None, choices=choices, address_required=False)
    if form.is_bound and form.is_valid():
        store = Store.objects.select_related("agency").get(pk=int(form.cleaned_data["where"][1:]))
        move = services.start_assisted_move(user=request.user, contact=form.contact(), store=store)
        record(request, action=Action.CREATE, move=move)
        return redirect(reverse("agency:consent", kwargs={"public_id": move.public_id}))
    return render(
        request,
        "assisted/new.html",
        {
            "form": form,
            "area": AGENCY,
            "summary": _summary(form),
            "focus_summary": form.is_bound,
        },
        status=400 if form.is_bound else 200,
    )


# -- the customer's consent -------------------------------------------------------------------


def _after_consent(area: str, move) -> str:
    return move.assisted.entry_url() or _wizard_url(area, move, "places")


def _agency_text(assisted) -> ConsentText:
    return AGENCY_CONSENT.filled(agency=assisted.agency.name, store=assisted.store.name)


@sensitive_post_parameters()
def _agency_consent(request, found, public_id):
    move, assisted = _assisted_move(request, AGENCY, public_id)
    sheet_form = SheetConsentForm(request.POST if request.POST.get("action") == "sheet" else None)
    context = {
        "move": move,
        "assisted": assisted,
        "sheet_form": sheet_form,
        "area": AGENCY,
        "validity_minutes": VALIDITY_MINUTES,
        "text": _agency_text(assisted),
        "next_url": _after_consent(AGENCY, move),
    }
    if request.method == "POST" and not assisted.consent_recorded:
        action = request.POST.get("action")
        if action == "sheet" and sheet_form.is_valid():
            services.record_sheet_consent(assisted, staff=request.user)
            record(request, action=Action.CONSENT, move=move, target=AGENCY_CONSENT.version)
            messages.success(request, _("The customer's consent is recorded."))
            return redirect(_after_consent(AGENCY, move))
        if action == "link":
            token = services.issue_phone_link(assisted)
            link = request.build_absolute_uri(reverse("consent:phone")) + f"?t={token}"
            context.update(link=link, qr=segno.make(link, error="m").svg_data_uri(scale=5, border=2), assisted=assisted)
            return render(request, "assisted/agency_consent.html", context)  # never_cache: no-store
    context["summary"] = _summary(sheet_form)
    context["focus_summary"] = bool(context["summary"])
    status = 400 if context["summary"] else 200
    return render(request, "assisted/agency_consent.html", context, status=status)


def _agency_consent_sheet(request, found, public_id):
    from hikkoshi.documents.consent_sheet import render_consent_sheet

    move, assisted = _assisted_move(request, AGENCY, public_id)
    if assisted.consent_recorded:
        raise Http404  # nothing more to sign
    text = _agency_text(assisted)
    pdf = render_consent_sheet(
        agency=assisted.agency.name,
        store=assisted.store.name,
        customer=assisted.customer_name,
        text_ja=text.ja,
        text_en=text.en,
        version=text.version,
        flows=catalogue_flows(),
        common_data=(),
        move_id=str(move.public_id),
        issued_on=timezone.localdate(),
    )
    record(request, action=Action.PRINT, move=move, target="consent-sheet.pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="consent-sheet.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@sensitive_post_parameters()
def _callcentre_consent(request, found, public_id):
    move, assisted = _assisted_move(request, CALL_CENTRE, public_id)
    if request.method == "POST" and assisted.consent_recorded:
        return redirect(_after_consent(CALL_CENTRE, move))  # the form sent again: on to the next page
    form = ScriptConsentForm(request.POST if request.method == "POST" else None)
    if form.is_bound and not assisted.consent_recorded and form.is_valid():
        services.record_script_consent(assisted, operator=request.user)
        record(request, action=Action.CONSENT, move=move, target=CALL_SCRIPT.version)
        messages.success(request, _("The caller's consent is recorded."))
        return redirect(_after_consent(CALL_CENTRE, move))
    summary = _summary(form) if not assisted.consent_recorded else []
    return render(
        request,
        "assisted/callcentre_consent.html",
        {
            "move": move,
            "assisted": assisted,
            "form": form,
            "script": CALL_SCRIPT,
            "area": CALL_CENTRE,
            "summary": summary,
            "focus_summary": bool(summary),
            "next_url": _after_consent(CALL_CENTRE, move),
        },
        status=400 if summary else 200,
    )


@sensitive_post_parameters()
def _callcentre_new(request, found):
    """A new move for a caller: the operator chooses the centre, reads the consent script and
    ticks that the caller agreed. Only then is anything stored — the move with its consent
    (``services.start_callcentre_move``) — and the caller's contact is asked next. Nothing typed
    about the caller reaches the database, the session or the audit log before the consent."""
    choices = _where_choices(found, CALL_CENTRE)
    if not choices:
        raise PermissionDenied
    form = CallConsentForm(request.POST if request.method == "POST" else None, choices=choices)
    if form.is_bound and form.is_valid():
        centre = CallCentre.objects.get(pk=int(form.cleaned_data["where"][1:]))
        move = services.start_callcentre_move(user=request.user, centre=centre)
        record(request, action=Action.CREATE, move=move)
        record(request, action=Action.CONSENT, move=move, target=CALL_SCRIPT.version)
        messages.success(request, _("The caller's consent is recorded."))
        return redirect(reverse("callcentre:contact", kwargs={"public_id": move.public_id}))
    summary = _summary(form)
    return render(
        request,
        "assisted/callcentre_new.html",
        {"form": form, "script": CALL_SCRIPT, "area": CALL_CENTRE, "summary": summary, "focus_summary": bool(summary)},
        status=400 if summary else 200,
    )


@sensitive_post_parameters()
def _callcentre_contact(request, found, public_id):
    """The caller's contact (name, reading, the address the forms are mailed to, phone), taken
    once their consent is recorded; it can be corrected while the move is a draft."""
    move, assisted = _assisted_move(request, CALL_CENTRE, public_id)
    if not assisted.consent_recorded:
        return redirect(assisted.consent_url())
    if move.status != MoveStatus.DRAFT or move.erased_at is not None:
        raise Http404
    contact = assisted.contact or {}
    form = ContactForm(
        request.POST if request.method == "POST" else None,
        address_required=True,
        initial={
            key: contact.get(key, "") for key in ("name", "name_kana", "postcode", "address", "building", "phone")
        },
    )
    if form.is_bound and form.is_valid():
        if services.set_contact(assisted, form.contact()):
            record(request, action=Action.CHANGE, move=move, target="contact")
        return redirect(_wizard_url(CALL_CENTRE, move))
    summary = _summary(form)
    return render(
        request,
        "assisted/callcentre_contact.html",
        {
            "form": form,
            "move": move,
            "assisted": assisted,
            "area": CALL_CENTRE,
            "acting_for_name": contact.get("name", ""),
            "summary": summary,
            "focus_summary": bool(summary),
        },
        status=400 if summary else 200,
    )


@require_http_methods(["GET", "POST"])
@never_cache
def phone_consent(request):
    """The page a customer opens on their own phone (the link or QR code their agency showed):
    the same text as the consent sheet, and "I agree". No sign-in; the link works once, for
    ``services.PHONE_LINK_VALIDITY``. It shows no personal data."""
    token = (request.POST.get("t") if request.method == "POST" else request.GET.get("t")) or ""
    assisted = services.phone_link_move(token)
    if assisted is None:
        return _link_not_valid(request)
    form = PhoneConsentForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        if services.confirm_phone_link(token) is not None:
            record(request, action=Action.CONSENT, move=assisted.move, target=AGENCY_CONSENT.version, via="phone")
            return render(request, "assisted/phone_consent_done.html", {"assisted": assisted})
        return _link_not_valid(request)
    summary = _summary(form)
    return render(
        request,
        "assisted/phone_consent.html",
        {
            "assisted": assisted,
            "text": _agency_text(assisted),
            "flows": catalogue_flows(),
            "token": token,
            "form": form,
            "summary": summary,
            "focus_summary": bool(summary),
        },
        status=400 if summary else 200,
    )


def _link_not_valid(request):
    return render(request, "assisted/phone_consent_invalid.html", {"validity_minutes": VALIDITY_MINUTES}, status=404)


# -- the forms to mail (call centre) ----------------------------------------------------------


def _mailing(request, found, public_id):
    from hikkoshi.documents.mailing import render_mailing_pack
    from hikkoshi.moves.selectors import move_record

    move, assisted = _assisted_move(request, CALL_CENTRE, public_id)
    if move.status != MoveStatus.SUBMITTED or move.erased_at is not None:
        raise Http404
    pdf = render_mailing_pack(
        move_record(move),
        assisted.contact or {},
        centre=assisted.centre.name,
        centre_phone=assisted.centre.contact_phone(),
        sent_on=timezone.localdate(),
    )
    record(request, action=Action.PRINT, move=move, target="mailing.pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="mailing.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- an agency's staff and counts (managers) --------------------------------------------------


def _managed_stores(found):
    return list(Store.objects.filter(agency_id__in=found.manager_of).select_related("agency"))


def _staff_page(request, found, form=None, status=200):
    form = form or MemberForm(stores=_managed_stores(found))
    members = agency_members(found.manager_of)
    return render(
        request,
        "assisted/agency_staff.html",
        {
            "members": members,
            "form": form,
            "summary": _summary(form) if form.is_bound else [],
            "focus_summary": form.is_bound,
            "agencies": _managed_agencies(found),
        },
        status=status,
    )


def _staff(request, found):
    return _staff_page(request, found)


@sensitive_post_parameters()
def _staff_add(request, found):
    """Add a member (a new account for an address no account has yet), or change the role or
    store of an active member; whatever else ``services.add_member`` refuses is said at the
    field it is about."""
    stores = _managed_stores(found)
    form = MemberForm(request.POST, stores=stores)
    agencies = _managed_agencies(found)
    if form.is_valid():
        store = form.cleaned_data["store_obj"]
        agency = store.agency if store is not None else agencies[0]
        if form.cleaned_data["role"] == AgencyMember.Role.MANAGER and store is None and len(agencies) > 1:
            form.add_error("store", _("Choose a store of the agency this manager is for."))
            return _staff_page(request, found, form, status=400)
        if form.cleaned_data["role"] == AgencyMember.Role.MANAGER:
            store = None
        email = form.cleaned_data["email"].strip().lower()  # as allauth keeps addresses
        try:
            member, outcome = services.add_member(
                agency=agency, email=email, role=form.cleaned_data["role"], store=store, by=request.user
            )
        except services.MemberRefused as refused:
            form.add_error(refused.field, str(refused.message))
            return _staff_page(request, found, form, status=400)
        if outcome == services.ADDED:
            _tell_new_member(request, member)
            messages.success(request, _("%(email)s was added. They get an e-mail about it.") % {"email": email})
        elif outcome == services.CHANGED:
            messages.success(request, _("The role and store of %(email)s were changed.") % {"email": email})
        else:
            messages.info(
                request, _("%(email)s already has this role and store: nothing was changed.") % {"email": email}
            )
        return redirect("agency:staff")
    return _staff_page(request, found, form, status=400)


def _tell_new_member(request, member) -> None:
    """A new account gets allauth's password-reset mail, to set a password (which also proves
    the address). Staff pages then ask for a second factor to be set up."""
    from allauth.account.forms import ResetPasswordForm

    reset = ResetPasswordForm(data={"email": member.user.email})
    if reset.is_valid():
        reset.save(request)


def _staff_remove(request, found, member_id: int):
    member = (
        AgencyMember.objects.filter(pk=member_id, agency_id__in=found.manager_of)
        .select_related("user", "agency", "store")
        .first()
    )
    if member is None:
        raise Http404
    if member.user_id == request.user.pk:
        messages.error(request, str(services.OWN_REMOVAL))
        return redirect("agency:staff")
    if request.method == "POST":
        try:
            removed = services.remove_member(member, by=request.user)
        except services.MemberRefused as refused:
            messages.error(request, str(refused.message))
            return redirect("agency:staff")
        if removed:
            messages.success(
                request,
                _("%(email)s was removed: they no longer see the agency's moves.") % {"email": member.user.email},
            )
        return redirect("agency:staff")
    return render(request, "assisted/agency_staff_remove.html", {"member": member})


def _counts_period(request) -> tuple[CountsPeriodForm, dict | None]:
    form = CountsPeriodForm(request.GET)
    return form, (form.cleaned_data if form.is_valid() else None)


def _counts(request, found):
    """The agency's moves per store and month (the basis of the ASP fees) over a period (by
    default the last 12 months): the months' totals as a bar chart (``hikkoshi.charts``, the
    statistics page's) with its table (by day instead for a period of at most 92 days), each of
    the manager's stores' totals as a bar chart with its table, then per month and store."""
    form, period = _counts_period(request)
    if period is None:
        context = {"form": form, "summary": _summary(form), "focus_summary": True}
        return render(request, "assisted/agency_counts.html", context, status=400)
    start, end = period["start"], period["end"]
    counts = billing_counts(found.manager_of, start, end)
    months = monthly_totals(counts)
    by_day = (end - start).days < DAILY_DAYS
    days = daily_totals(found.manager_of, start, end) if by_day else []
    if by_day:
        chart = bar_chart(
            [(f"{day:%Y-%m-%d}", n) for day, n in days],
            labelledby="days-heading",
            title=_("Moves submitted per day"),
            x_label=_("day"),
            y_label=_("moves submitted"),
        )
    else:
        chart = bar_chart(months, labelledby="months-heading", title=_("Moves submitted per month")) if months else ""
    stores = store_totals(found.manager_of, counts)
    several = len({s.agency for s in stores}) > 1
    store_chart = hbar_chart(
        [(f"{s.agency} {s.store}" if several else s.store, s.count) for s in stores],
        labelledby="stores-heading",
        title=_("Moves submitted per store"),
        description=_(
            "One bar per store: the moves submitted in the months of the period; the table below has the same."
        ),
    )
    context = {
        "form": form,
        "period": period,
        "first_month": f"{start:%Y-%m}",
        "last_month": f"{end:%Y-%m}",
        "counts": counts,
        "months": months,
        "by_day": by_day,
        "days": days,
        "days_total": sum(n for _day, n in days),
        "chart": chart,
        "stores": stores,
        "store_chart": store_chart,
        "csv_query": urlencode({"start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"}),
    }
    return render(request, "assisted/agency_counts.html", context)


COUNTS_CSV_HEADERS = ["月 / month", "代理店 / agency", "店舗 / store", "申請件数 / moves submitted"]


def _counts_csv(request, found):
    form, period = _counts_period(request)
    if period is None:
        return HttpResponse(
            "\n".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    start, end = period["start"], period["end"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COUNTS_CSV_HEADERS)
    for c in billing_counts(found.manager_of, start, end):
        writer.writerow([c.month, _csv_safe(c.agency.name), _csv_safe(c.store.name), c.count])
    record(request, action=Action.EXPORT, target="billing counts")
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hikkoshi-monthly-counts-{start:%Y-%m}-{end:%Y-%m}.csv"'
    return response


def _csv_safe(value: str) -> str:
    """No spreadsheet formula from a name (=, +, -, @ at the start)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# -- the views, by area -----------------------------------------------------------------------


def _agency_home(request, found):
    return _home(request, found, AGENCY)


def _callcentre_home(request, found):
    return _home(request, found, CALL_CENTRE)


GET_POST = require_http_methods(["GET", "POST"])

agency_home = GET_POST(area_view(AGENCY)(_agency_home))
agency_new = GET_POST(area_view(AGENCY)(_agency_new))
agency_consent = GET_POST(area_view(AGENCY)(_agency_consent))
agency_consent_sheet = require_GET(area_view(AGENCY)(_agency_consent_sheet))
agency_staff = require_GET(area_view(AGENCY, managers_only=True)(_staff))
agency_staff_add = require_POST(area_view(AGENCY, managers_only=True)(_staff_add))
agency_staff_remove = GET_POST(area_view(AGENCY, managers_only=True)(_staff_remove))
agency_counts = require_GET(area_view(AGENCY, managers_only=True)(_counts))
agency_counts_csv = require_GET(area_view(AGENCY, managers_only=True)(_counts_csv))

callcentre_home = GET_POST(area_view(CALL_CENTRE)(_callcentre_home))
callcentre_new = GET_POST(area_view(CALL_CENTRE)(_callcentre_new))
callcentre_consent = GET_POST(area_view(CALL_CENTRE)(_callcentre_consent))
callcentre_contact = GET_POST(area_view(CALL_CENTRE)(_callcentre_contact))
callcentre_mailing = require_GET(area_view(CALL_CENTRE)(_mailing))
