"""The account page (アカウント) and what it offers besides allauth's own pages.

Signing up, in and out, e-mail, password and second factors are allauth's views (mounted under
``/accounts/``, restyled by this app's templates). Here: the account page with the API tokens
(made, shown once, revoked), "download my data", "delete my account", and the Django admin's
sign-in sent to allauth's (so the admin is no way around the second factor).
"""

import json

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hikkoshi.assisted.selectors import memberships
from hikkoshi.audit.services import Action, record
from hikkoshi.identity import second_factor_url, second_factors, used_second_factor
from hikkoshi.moves.access import visible_moves
from hikkoshi.moves.lifecycle import moves_delete

from .access import is_staff_member, second_factor_needed
from .export import account_data
from .forms import DeleteAccountForm, TokenCreateForm
from .models import ApiToken


def _summary(form) -> list[dict]:
    """The error summary of a form: each error a link to its field (as on the move pages)."""
    items = [{"href": "", "label": "", "message": e} for e in form.non_field_errors()]
    for bound in form:
        for message in bound.errors:
            items.append({"href": f"#{bound.auto_id}", "label": bound.label, "message": message})
    return items


def _token_second_factor(request) -> dict | None:
    """For staff who have not used a second factor in this session (set up, or confirmed):
    what they need to make an API token, and where to do it (back to the tokens after
    confirming). ``None`` when they may make one."""
    needed = second_factor_needed(request)
    if not needed:
        return None
    return {"needed": needed, "url": second_factor_url(request, needed, reverse("accounts:home") + "#tokens-heading")}


def _home(request, *, token_form=None, new_token=None, status=200):
    user = request.user
    token_form = token_form or TokenCreateForm(user=user)
    context = {
        "emails": EmailAddress.objects.filter(user=user).order_by("-primary", "email"),
        "factors": second_factors(user),
        "tokens": user.api_tokens.order_by("-created_at"),
        "token_form": token_form,
        "new_token": new_token,
        # Staff make tokens only with the second factor used, as on staff pages.
        "token_second_factor": _token_second_factor(request),
        "summary": _summary(token_form) if token_form.is_bound else [],
        "focus_summary": token_form.is_bound,
        "is_staff": is_staff_member(user),
        "assists": memberships(user).any,  # an agency's or a call centre's staff
    }
    return render(request, "accounts/home.html", context, status=status)


@login_required
@require_GET
@never_cache
def home(request):
    """アカウント: e-mail, password, second factors, API tokens, my data, delete the account."""
    return _home(request)


@login_required
@require_POST
@never_cache
@sensitive_variables("secret")
def token_create(request):
    """A new API token: shown on this answer once, never again (only its digest is kept).

    A staff member's token reads the moves of their customers: they need the second factor
    used in this session, as on staff pages (``access.second_factor_needed``); without it, the
    account page says how to set it up or confirm it."""
    if second_factor_needed(request):
        messages.error(
            request,
            _(
                "Staff make API tokens only after using their second factor: set it up or "
                "confirm it's you with it first."
            ),
        )
        return redirect(reverse("accounts:home") + "#tokens-heading")
    form = TokenCreateForm(request.POST, user=request.user)
    if not form.is_valid():
        return _home(request, token_form=form, status=400)
    token, secret = ApiToken.issue(
        request.user, name=form.cleaned_data["name"], second_factor=used_second_factor(request, request.user)
    )
    return _home(request, new_token={"token": token, "secret": secret})  # never_cache: no-store


@login_required
@require_POST
def token_revoke(request, token_id: int):
    """Revoke one of one's own tokens (another person's is a 404)."""
    deleted, _rows = ApiToken.objects.filter(pk=token_id, user=request.user).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("The token was revoked: programs that use it can no longer reach your moves."))
    return redirect(reverse("accounts:home") + "#tokens-heading")


@login_required
@require_GET
@never_cache
def data_download(request):
    """私のデータ: every move of the mover and their account, as a JSON file."""
    data = account_data(request.user)
    request.user.hikkoshi_acting_as = "mover"
    record(request, action=Action.EXPORT, target="account data")
    for move in data["moves"]:
        record(request, action=Action.EXPORT, move=move["id"], target="account data")
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"hikkoshi-my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("password")
def delete_account(request):
    """Delete my account: with the password; the moves and all personal data go with it."""
    user = request.user
    if is_staff_member(user):
        # Staff accounts are closed by an administrator (their actions stay attributed).
        return render(request, "accounts/delete.html", {"staff": True}, status=403)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=user)
    if form.is_bound:
        # The same budget as allauth's "confirm it's you" (10 a minute per user).
        if not ratelimit.consume(request, action="reauthenticate", user=user):
            return ratelimit.respond_429(request)
        if form.is_valid():
            with transaction.atomic():
                # The user's own moves (with their procedures and deliveries), tokens, e-mail
                # addresses and authenticators are deleted with it. Moves a former staff
                # member entered for customers stay with their centre or store, without an
                # owner (moves.models.owner_deleted).
                user.hikkoshi_acting_as = "mover"
                own = list(visible_moves(user, area="own").values_list("pk", "public_id"))
                for _pk, public_id in own:
                    record(request, action=Action.DELETE, move=public_id, target="account")
                # Through moves, so what other apps keep of them goes too (fax images in a
                # spool folder hold the filled-in forms: removed once this commits).
                moves_delete(move_ids=[pk for pk, _public_id in own])
                user.delete()
            logout(request)
            messages.success(request, _("Your account and everything it held were deleted."))
            return redirect("portal:home")
    return render(
        request,
        "accounts/delete.html",
        {
            "form": form,
            "summary": _summary(form) if form.is_bound else [],
            "focus_summary": form.is_bound,
        },
        status=400 if form.is_bound else 200,
    )


def admin_login(request, extra_context=None):
    """The Django admin's sign-in page, replaced: allauth's sign-in (with the second factor).

    A signed-in user the admin does not accept (not staff) is refused rather than sent to
    sign in again, which would bring them straight back here.
    """
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(target)
        raise PermissionDenied
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
