"""How many moves may be submitted (申請の上限), so that one account cannot queue hundreds of
deliveries (web, e-mail and fax: fax pages cost money) in a few seconds.

- An account: ``settings.HIKKOSHI_SUBMISSION_LIMITS`` per hour and per 24 hours (a mover's
  own moves, and a call-centre operator's moves for customers, counted per operator with
  ``settings.HIKKOSHI_STAFF_SUBMISSION_LIMITS``).
- An estate agency's store: the moves its staff submit for customers, counted together, per hour
  and per 24 hours: what the portal's administrators set on the store (``Store``'s
  ``submissions_per_hour`` / ``submissions_per_day``), else
  ``settings.HIKKOSHI_STORE_SUBMISSION_LIMITS``.
- Open drafts: a mover has at most ``settings.HIKKOSHI_OPEN_DRAFTS`` moves not yet submitted.

A submission over a limit is refused before anything is stored, with 429 and ``Retry-After``
(the seconds until the oldest submission counted leaves the window) on the API, and a page
saying when to try again in the wizard. Two requests at the very same moment may both pass the
last free place: the limits bound a flood, they are not an exact count.
"""

from dataclasses import dataclass
from datetime import timedelta
import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from hikkoshi.web import Problem

from .constants import MoveStatus
from .models import Move

WINDOWS = (("hour", timedelta(hours=1)), ("day", timedelta(days=1)))


@dataclass(frozen=True)
class Refusal:
    """A limit reached: which one, and in how many seconds a submission is allowed again."""

    what: str  # "account" or "store"
    window: str  # "hour" or "day"
    limit: int
    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _first_over(moves, limits: dict, what: str, now) -> Refusal | None:
    for window, length in WINDOWS:
        limit = limits.get(window)
        if not limit:
            continue
        times = list(moves.filter(submitted_at__gt=now - length).order_by("-submitted_at")
                     .values_list("submitted_at", flat=True)[:limit])
        if len(times) >= limit:
            # The oldest of the last ``limit`` submissions leaves the window then.
            wait = (times[-1] + length - now).total_seconds()
            return Refusal(what, window, limit, max(1, math.ceil(wait)))
    return None


def submission_refused(user, *, move: Move | None = None) -> Refusal | None:
    """Whether ``user`` may submit now (``move``: the draft being submitted, if any): ``None``, or
    the limit that is reached."""
    from hikkoshi.assisted.models import AssistedMove

    now = timezone.now()
    assisted = getattr(move, "assisted", None) if move is not None and move.pk else None
    if isinstance(assisted, AssistedMove) and assisted.store_id:
        store = assisted.store
        defaults = settings.HIKKOSHI_STORE_SUBMISSION_LIMITS
        limits = {"hour": store.submissions_per_hour if store.submissions_per_hour is not None else defaults["hour"],
                  "day": store.submissions_per_day if store.submissions_per_day is not None else defaults["day"]}
        return _first_over(Move.objects.filter(assisted__store_id=store.pk), limits, "store", now)
    if isinstance(assisted, AssistedMove):
        limits = settings.HIKKOSHI_STAFF_SUBMISSION_LIMITS
        return _first_over(Move.objects.filter(assisted__entered_by=user, assisted__centre__isnull=False), limits,
                           "account", now)
    limits = settings.HIKKOSHI_SUBMISSION_LIMITS
    return _first_over(Move.objects.filter(owner=user, assisted__isnull=True), limits, "account", now)


def drafts_refused(user) -> bool:
    """Whether ``user`` has as many open drafts of their own as they may."""
    cap = settings.HIKKOSHI_OPEN_DRAFTS
    if not cap:
        return False
    return Move.objects.filter(owner=user, status=MoveStatus.DRAFT, assisted__isnull=True,
                               erased_at__isnull=True).count() >= cap


def limit_message(refusal: Refusal) -> str:
    """What the mover or the clerk is told (in their language)."""
    if refusal.what == "store":
        text = _("Your store has submitted %(limit)d moves in the last %(window)s, as many as the portal allows. "
                 "Please try again in %(minutes)d minutes.")
    else:
        text = _("You have submitted %(limit)d moves in the last %(window)s, as many as the portal allows. "
                 "Please try again in %(minutes)d minutes.")
    window = _("hour") if refusal.window == "hour" else _("24 hours")
    return text % {"limit": refusal.limit, "window": window, "minutes": refusal.minutes}


class TooManySubmissions(Problem):
    """The API's answer: 429 with ``Retry-After`` (``hikkoshi.api.api`` adds the header)."""

    def __init__(self, refusal: Refusal):
        super().__init__(429, "too-many-submissions", _("Too many moves submitted"), limit_message(refusal))
        self.retry_after = refusal.retry_after


def limited_page(request, *, title: str, message: str, back_url: str, back_label: str,
                 retry_after: int | None = None):
    """The wizard's answer to a limit reached: 429, what happened and when to try again, a way
    back (the draft keeps everything typed)."""
    from django.shortcuts import render

    response = render(request, "moves/limited.html", {"title": title, "message": message, "back_url": back_url,
                                                       "back_label": back_label}, status=429)
    if retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response


def submission_limited_page(request, refusal: Refusal, back_url: str):
    return limited_page(request, title=_("Too many moves submitted"), message=limit_message(refusal),
                        back_url=back_url, back_label=_("Back to the review of this move"),
                        retry_after=refusal.retry_after)


def drafts_limited_page(request, back_url: str):
    message = _("You have %(count)d moves not yet submitted, as many as the portal allows. Continue one of them, "
                "or delete a draft you no longer need, before you start another.") % {
        "count": settings.HIKKOSHI_OPEN_DRAFTS}
    return limited_page(request, title=_("Too many drafts"), message=message, back_url=back_url,
                        back_label=_("Back to my moves"))
