"""The mover's pages of a hand-over to a partner portal (origin side, 送った引継ぎ).

- ``offer`` (POST, from the review page's consent form): nothing leaves without the box ticked;
  then ``handoffs.offer_handoff`` records the consent and sends, and the mover lands on the
  hand-over's page;
- ``detail``: a sent hand-over's one-time continue link (10 minutes) and how the mover signs in
  there; a failed one says that nothing was sent, offers a retry and the portal's phone number;
- ``handoff_list``: every hand-over of the mover, its state here and there, withdrawal;
- ``retry`` and ``withdraw`` (POST).

Only the mover's own moves (not those entered for customers), and only their own hand-overs: a
404 for anyone else's. Calls to the peer are made with no transaction open.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hikkoshi.catalogue.constants import CommonItem
from hikkoshi.moves.access import OWN, area_of, move_visible_to
from hikkoshi.moves.constants import MoveStatus
from hikkoshi.moves.forms import check_places
from hikkoshi.moves.models import Move
from hikkoshi.places.regions import get_region

from . import dataset, handoffs
from .models import HandoffState, OutgoingHandoff, OutgoingState
from .review import HANDOFF_ITEMS
from .selectors import peers_serving, portal_facts

LISTED = 100  # hand-overs on the list page, newest first


# Failures after the request may have reached the peer (no whole answer in time, an answer too
# large or unreadable): the page cannot say that nothing was sent. What arrived there unclaimed
# is erased when it expires, and a retry sends the same data under the same key, once.
UNCERTAIN = {"deadline", "too_large", "bad_answer", "bad_signature"}


def _reason(code: str) -> str:
    """Why nothing was sent (``HandoffNotSent.reason``), in the mover's words."""
    if code in ("unreachable", "too_large"):
        return _("The portal did not answer.")
    if code == "deadline":
        return _("The portal did not answer in time.")
    if code == "cooling_off":
        return _("The portal did not answer several times just now, so it is not asked for a few minutes.")
    return _("The portal did not accept the hand-over.")


def _own_move(request, public_id) -> Move:
    move = move_visible_to(request.user, public_id, area=OWN)
    if move is None or move.owner_id != request.user.pk or area_of(move) != OWN:
        raise Http404
    return move


def _own_handoff(request, pk: int) -> OutgoingHandoff:
    outgoing = (
        OutgoingHandoff.objects.select_related("peer", "move")
        .filter(pk=pk, user_id=request.user.pk, move__owner=request.user)
        .first()
    )
    if outgoing is None:
        raise Http404
    return outgoing


def _review_url(move: Move, problem: str = "", portal: str = "") -> str:
    url = reverse("moves:review", kwargs={"public_id": move.public_id})
    if problem:
        url += "?" + urlencode({"handoff": problem, "portal": portal}) + f"#handoff-{portal}"
    return url


def _detail_url(outgoing: OutgoingHandoff) -> str:
    return reverse("handoffs:detail", kwargs={"pk": outgoing.pk})


def _form_key(request, move: Move, slug: str) -> str:
    """The hand-over's Idempotency-Key from the consent form's own key: the same form sent
    twice makes one hand-over. Keyed per user, move and portal, so no form names another's."""
    sent = request.POST.get("request_key", "")
    if not 16 <= len(sent) <= 64:
        return ""
    return salted_hmac(
        "hikkoshi.federation.offer", f"{request.user.pk}:{move.pk}:{slug}:{sent}", algorithm="sha256"
    ).hexdigest()


@login_required
@require_POST
def offer(request, public_id, peer: str):
    move = _own_move(request, public_id)
    if move.status != MoveStatus.DRAFT:
        return redirect(reverse("moves:detail", kwargs={"public_id": move.public_id}))
    found, _errors = check_places((move.draft or {}).get("places"))
    partner = next((p for p in peers_serving(found.new.municipality_code) if p.slug == peer), None) if found else None
    if partner is None:  # no such portal serves the new address (any more)
        return redirect(_review_url(move))
    if request.POST.get("consent") != "1":
        return redirect(_review_url(move, "consent", partner.slug))  # nothing leaves
    try:
        plan = handoffs.plan_handoff(move, partner, HANDOFF_ITEMS)
    except (dataset.DataSetInvalid, ValueError):
        return redirect(_review_url(move, "incomplete", partner.slug))
    items = plan.items
    if sorted(request.POST.getlist("item")) != sorted(items):
        # The items shown are not those that would go now (the draft changed meanwhile).
        return redirect(_review_url(move, "changed", partner.slug))
    key = _form_key(request, move, partner.slug)
    if key and (known := _own_known(request, key)) is not None:
        return redirect(_detail_url(known))
    try:
        # The plan just made (the move as it is now) goes as it is: made once per consent.
        outgoing = handoffs.offer_handoff(move, partner, items, request.user, idempotency_key=key, plan=plan)
    except handoffs.HandoffNotSent as failed:
        if failed.outgoing is None:
            return redirect(_review_url(move, "incomplete", partner.slug))
        outgoing = failed.outgoing
    except (dataset.DataSetInvalid, ValueError):
        return redirect(_review_url(move, "incomplete", partner.slug))
    except IntegrityError:  # the same form at the same moment: the other request's hand-over
        known = _own_known(request, key)
        if known is None:
            raise
        outgoing = known
    return redirect(_detail_url(outgoing))


def _own_known(request, key: str) -> OutgoingHandoff | None:
    known = OutgoingHandoff.objects.filter(idempotency_key=key).first()
    if known is not None and known.user_id != request.user.pk:
        raise Http404
    return known


def _item_labels(items) -> list[str]:
    """The items' labels, in the order the review page shows them (``CommonItem``'s)."""
    labels = dict(CommonItem.choices)
    return [str(label) for item, label in labels.items() if item in set(items)]


def _expires_at(outgoing: OutgoingHandoff):
    value = (outgoing.payload or {}).get("expires_at")
    return parse_datetime(value) if isinstance(value, str) else None


def _row(outgoing: OutgoingHandoff, there: str = "") -> dict:
    payload = outgoing.payload or {}
    expires_at = _expires_at(outgoing)
    expired = expires_at is not None and expires_at <= timezone.now()
    continue_url = payload.get("continue_url", "") if outgoing.state == OutgoingState.SENT else ""
    if (there and there != HandoffState.OFFERED) or expired:
        continue_url = ""  # used, withdrawn or expired: the link no longer works
    return {
        "outgoing": outgoing,
        "portal": portal_facts(outgoing.peer),
        "items": _item_labels(outgoing.items),
        "state": OutgoingState(outgoing.state).label,
        "there": there,  # its state at the peer (HandoffState), "" when not known
        "there_label": HandoffState(there).label if there else "",
        # (checked when it was answered: on the peer's own host; only http(s) here all the same)
        "continue_url": continue_url if isinstance(continue_url, str) and continue_url.startswith("http") else "",
        "expires_at": expires_at,
        "expired": expired,
        "withdrawable": outgoing.state == OutgoingState.SENT
        and not outgoing.peer.adapter
        and there not in (HandoffState.CLAIMED, HandoffState.WITHDRAWN),
        "url": _detail_url(outgoing),
    }


def _no_store(response):
    # The page may hold a one-time link: not cached, and never sent to another site as a
    # referrer ("same-origin", not "no-referrer": its forms' POSTs need their Origin for CSRF).
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@login_required
@require_GET
@never_cache
def detail(request, pk: int):
    outgoing = _own_handoff(request, pk)
    there = handoffs.remote_state(outgoing) if outgoing.state == OutgoingState.SENT else ""
    context = {
        **_row(outgoing, there),
        "reason": _reason(outgoing.error) if outgoing.state == OutgoingState.FAILED else "",
        "uncertain": outgoing.state == OutgoingState.FAILED and outgoing.error in UNCERTAIN,
        "retryable": outgoing.state == OutgoingState.FAILED and "document" in (outgoing.payload or {}),
        "review_url": _review_url(outgoing.move) if outgoing.move.status == MoveStatus.DRAFT else "",
        "list_url": reverse("handoffs:list"),
        "lifetime_minutes": int(handoffs.HANDOFF_LIFETIME.total_seconds() // 60),
        "here": settings.HIKKOSHI_PORTAL_NAME or get_region().name,
    }
    return _no_store(render(request, "federation/handoff.html", context))


@login_required
@require_GET
@never_cache
def handoff_list(request):
    sent = list(
        OutgoingHandoff.objects.select_related("peer", "move")
        .filter(user_id=request.user.pk, move__owner=request.user)
        .order_by("-consent_at", "-pk")[:LISTED]
    )
    rows, silent = [], set()
    for outgoing in sent:
        there = ""
        if outgoing.state == OutgoingState.SENT and not outgoing.peer.adapter and outgoing.peer_id not in silent:
            there = handoffs.remote_state(outgoing)
            if not there:  # not answering: its other hand-overs are not asked (one deadline a peer)
                silent.add(outgoing.peer_id)
        rows.append(_row(outgoing, there))
    return _no_store(render(request, "federation/handoff_list.html", {"rows": rows}))


@login_required
@require_POST
def retry(request, pk: int):
    outgoing = _own_handoff(request, pk)
    try:
        handoffs.retry_handoff(outgoing, request.user)
    except handoffs.HandoffNotSent:
        messages.error(request, _("The portal still cannot be reached. Nothing was sent."))
    return redirect(_detail_url(outgoing))


@login_required
@require_POST
def withdraw(request, pk: int):
    outgoing = _own_handoff(request, pk)
    portal = portal_facts(outgoing.peer)
    try:
        handoffs.withdraw_outgoing(outgoing, request.user)
    except handoffs.HandoffNotSent as failed:
        if failed.reason == "already_claimed":
            message = _(
                "You have already continued at %(portal)s: there is nothing to withdraw. Ask %(portal)s "
                "to delete your data there."
            )
        elif failed.reason == "not_offered":
            message = _("%(portal)s cannot be told from here. Contact %(portal)s to withdraw it.")
        else:
            message = _("%(portal)s could not be reached. Nothing was changed: try again later.")
        messages.error(request, message % {"portal": portal.name})
    else:
        messages.success(
            request, _("The hand-over to %(portal)s was withdrawn; its data is erased there.") % {"portal": portal.name}
        )
    return redirect(reverse("handoffs:list"))
