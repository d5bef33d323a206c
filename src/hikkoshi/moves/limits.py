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

This module counts a mover's own moves. A move entered for a customer is counted by the app
that entered it (the operator's and the store's counts: ``hikkoshi.assisted.limits``), which
registers how in its ``AppConfig.ready()`` (``register_quota``): ``moves`` imports no app above
it.

A submission over a limit is refused before anything is stored, with 429 and ``Retry-After``
(the seconds until the oldest submission counted leaves the window) on the API, and a page
saying when to try again in the wizard. Two requests at the very same moment may both pass the
last free place: the limits bound a flood, they are not an exact count.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from hikkoshi.web import Problem

from .access import own_only
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


@dataclass(frozen=True)
class Quota:
    """What a submission is counted with: the moves submitted before it that count, the limit
    per window (``{"hour": n, "day": n}``; 0 or missing: none), and whose limit it is
    (``"account"`` or ``"store"``, as ``Refusal.what``)."""

    moves: object  # a QuerySet of Move
    limits: dict
    what: str


# ``quota(user, move)``: the ``Quota`` for submitting ``move`` (a stored draft), or ``None`` when
# it is not a move of the registering app (then it counts as the user's own).
QuotaOf = Callable[[object, Move], Quota | None]
_QUOTAS: list[QuotaOf] = []


def register_quota(quota: QuotaOf) -> None:
    """Let ``quota`` count the moves its app enters for others (once; again changes nothing)."""
    if quota not in _QUOTAS:
        _QUOTAS.append(quota)


def _first_over(moves, limits: dict, what: str, now) -> Refusal | None:
    for window, length in WINDOWS:
        limit = limits.get(window)
        if not limit:
            continue
        times = list(
            moves.filter(submitted_at__gt=now - length)
            .order_by("-submitted_at")
            .values_list("submitted_at", flat=True)[:limit]
        )
        if len(times) >= limit:
            # The oldest of the last ``limit`` submissions leaves the window then.
            wait = (times[-1] + length - now).total_seconds()
            return Refusal(what, window, limit, max(1, math.ceil(wait)))
    return None


def submission_refused(user, *, move: Move | None = None) -> Refusal | None:
    """Whether ``user`` may submit now (``move``: the draft being submitted, if any): ``None``, or
    the limit that is reached."""
    now = timezone.now()
    if move is not None and move.pk:
        for quota_of in _QUOTAS:
            quota = quota_of(user, move)
            if quota is not None:
                return _first_over(quota.moves, quota.limits, quota.what, now)
    limits = settings.HIKKOSHI_SUBMISSION_LIMITS
    return _first_over(Move.objects.filter(own_only(), owner=user), limits, "account", now)


def drafts_refused(user) -> bool:
    """Whether ``user`` has as many open drafts of their own as they may."""
    cap = settings.HIKKOSHI_OPEN_DRAFTS
    if not cap:
        return False
    return Move.objects.filter(own_only(), owner=user, status=MoveStatus.DRAFT, erased_at__isnull=True).count() >= cap


def limit_message(refusal: Refusal) -> str:
    """What the mover or the clerk is told (in their language)."""
    if refusal.what == "store":
        text = _(
            "Your store has submitted %(limit)d moves in the last %(window)s, as many as the portal allows. "
            "Please try again in %(minutes)d minutes."
        )
    else:
        text = _(
            "You have submitted %(limit)d moves in the last %(window)s, as many as the portal allows. "
            "Please try again in %(minutes)d minutes."
        )
    window = _("hour") if refusal.window == "hour" else _("24 hours")
    return text % {"limit": refusal.limit, "window": window, "minutes": refusal.minutes}


class TooManySubmissions(Problem):
    """The API's answer: 429 with ``Retry-After`` (``hikkoshi.api.api`` adds the header)."""

    def __init__(self, refusal: Refusal):
        super().__init__(429, "too-many-submissions", _("Too many moves submitted"), limit_message(refusal))
        self.retry_after = refusal.retry_after


def limited_page(request, *, title: str, message: str, back_url: str, back_label: str, retry_after: int | None = None):
    """The wizard's answer to a limit reached: 429, what happened and when to try again, a way
    back (the draft keeps everything typed)."""
    from django.shortcuts import render

    response = render(
        request,
        "moves/limited.html",
        {"title": title, "message": message, "back_url": back_url, "back_label": back_label},
        status=429,
    )
    if retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response


def submission_limited_page(request, refusal: Refusal, back_url: str):
    return limited_page(
        request,
        title=_("Too many moves submitted"),
        message=limit_message(refusal),
        back_url=back_url,
        back_label=_("Back to the review of this move"),
        retry_after=refusal.retry_after,
    )


def drafts_limited_page(request, back_url: str):
    message = _(
        "You have %(count)d moves not yet submitted, as many as the portal allows. Continue one of them, "
        "or delete a draft you no longer need, before you start another."
    ) % {"count": settings.HIKKOSHI_OPEN_DRAFTS}
    return limited_page(
        request, title=_("Too many drafts"), message=message, back_url=back_url, back_label=_("Back to my moves")
    )
