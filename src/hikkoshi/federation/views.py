"""``GET /.well-known/hikkoshi-portal``: this portal's signed document (``document``); and the
claim page of a hand-over from a partner portal (``/federation/claim/<token>/``): its GET shows
where the move comes from (never consuming the one-time URL, which a link preview may fetch),
its POST claims it and opens the wizard pre-filled. Until the mover has signed in through the
origin's OpenID Connect provider (``signin``) the page offers only that sign-in, which comes
back here; a mover signed in there as someone else is refused. A visitor nobody is signed in as
here (the mover arriving with the URL) may open it too: the sign-in through the origin then also
signs them in here, to their own account (made the first time)."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from hikkoshi.encryption.digests import token_digest

from . import handoffs, signin
from .document import MEDIA_TYPE, signed_document
from .models import Handoff, HandoffState


@require_GET
def well_known_document(request):
    response = HttpResponse(signed_document(), content_type=MEDIA_TYPE)
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _no_store(response: HttpResponse) -> HttpResponse:
    # The page's URL is the one-time link: not cached, and never sent to another site as a
    # referrer. "same-origin", not "no-referrer": under "no-referrer" a browser sends its forms'
    # POSTs (the sign-in through the origin, the claim) with ``Origin: null``, which Django's
    # CSRF check refuses.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _refused(request, reason: str) -> HttpResponse:
    status = 403 if reason == "other_person" else 410 if reason != "unknown" else 404
    return _no_store(render(request, "federation/claim_refused.html", {"reason": reason}, status=status))


@require_http_methods(["GET", "POST"])
def claim(request, token: str):
    if len(token) > 100:
        return _refused(request, "unknown")
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect(request.path)  # the page offers the sign-in through the origin
    if request.method == "POST":
        try:
            move = handoffs.claim_handoff(token, request.user, request=request)
        except handoffs.ClaimRefused as refused:
            if refused.reason == "sign_in":
                return redirect(request.path)
            return _refused(request, refused.reason)
        return redirect(reverse("moves:places", kwargs={"public_id": move.public_id}))
    handoff = Handoff.objects.select_related("origin").filter(claim_digest=token_digest(token)).first()
    if handoff is None:
        return _refused(request, "unknown")
    if handoff.state != HandoffState.OFFERED:
        return _refused(request, handoff.state)
    if handoff.expires_at <= timezone.now():
        return _refused(request, "expired")
    subject = handoffs.claimant_subject(request, handoff.origin) if request.user.is_authenticated else None
    if subject is not None and not handoffs.subject_matches(handoff, subject):
        return _refused(request, "other_person")
    context = {"handoff": handoff, "origin": handoff.origin, "signed_in_there": subject is not None}
    if subject is None:
        context["sign_in_url"] = signin.login_url(handoff.origin)
    return _no_store(render(request, "federation/claim.html", context))
