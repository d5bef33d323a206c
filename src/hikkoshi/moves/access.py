"""Who may see which move: the one access policy (閲覧権限) of the portal.

Every list, page, document, API answer and export of moves goes through ``visible_moves`` or
``move_visible_to``; nothing else looks moves up by their owner. A user sees:

- as a **mover**: their own moves that were not entered for someone else (``area="own"``);
- as a call-centre **operator**: the moves entered for callers by their call centre;
- as estate-agency **staff**: the moves entered for customers in their store;
- as an estate-agency **manager**: the moves entered for customers in any store of the agency.

A move entered for a customer (代行, with an ``assisted`` record) is seen by its centre, store
or agency, never by owner: the staff member who entered it does not see it in their own list
as a private person, nor any more once their membership ends. Only active memberships count, in
an active call centre or an admitted agency (``hikkoshi.assisted.selectors.memberships``): an
inactive membership, or a suspended or removed agency or an inactive centre, gives no access
at once. Administrators have no access here: they use the admin. Anonymous and inactive users
see nothing.

This module decides a mover's own moves; who else sees a move is told by the app that enters
moves for others, which registers its conditions here (``register_visibility``, called in
``hikkoshi.assisted.apps.AssistedConfig.ready``: ``hikkoshi.assisted.access``). ``moves``
imports no app above it: without a registered function, staff see no move entered for a
customer (never more than the owner's own).

That app also tells which moves it entered and keeps their record (``register_entered_for``:
the condition of a mover's own move, the record of a move entered for a customer), so that
``moves`` never reads that app's relation to ``Move`` itself. Without it every move is its
owner's own.

``area`` narrows the answer to one part of the site: ``"own"`` (the mover's pages at
``/moves/``, "my data"), ``"agency"`` (``/agency/``) or ``"callcentre"`` (``/callcentre/``);
``None`` is everything the user may see (the API: a token carries its user's rights).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any, Protocol
import uuid

from django.db.models import Q, QuerySet

from .models import Move

OWN, AGENCY, CALL_CENTRE = "own", "agency", "callcentre"
AREAS = (OWN, AGENCY, CALL_CENTRE)
# The role the audit log records for someone acting in an area.
ROLES = {OWN: "mover", AGENCY: "agency", CALL_CENTRE: "operator"}

# ``conditions(user, area)``: the ``Q``s on ``Move`` under which an active, signed-in ``user``
# sees moves beside their own in ``area`` (``None``: every area); an empty list for none.
Visibility = Callable[[object, str | None], list[Q]]
_VISIBILITY: list[Visibility] = []


def register_visibility(conditions: Visibility) -> None:
    """Let ``conditions`` widen what users see (once; registering it again changes nothing).

    Called by the app that enters moves for others in its ``AppConfig.ready()``."""
    if conditions not in _VISIBILITY:
        _VISIBILITY.append(conditions)


class EnteredFor(Protocol):
    """What ``moves`` reads of the record of a move entered for a customer (代行): its kind
    (``AGENCY`` or ``CALL_CENTRE``), whether the customer's consent is recorded and where it is,
    the customer's contact as staff took it (``name``, ``phone``) and documents the move has
    besides every move's. ``moves/includes/assisted.html`` shows more of it (``customer_name``,
    ``store`` or ``centre``, the consent's method, time and text version)."""

    kind: str
    contact: Any

    @property
    def consent_recorded(self) -> bool: ...

    def consent_url(self) -> str: ...

    def entry_url(self) -> str:
        """The page staff finish before the wizard (the consent, the customer's contact), or ""."""
        ...

    def extra_documents(self) -> list[dict]: ...


@dataclass(frozen=True)
class EnteredForOthers:
    """How an app that enters moves for others tells them from a mover's own.

    ``own``: the condition on ``Move`` of a move it did not enter (a mover's own);
    ``record_of(move)``: its record of ``move``, or ``None``; ``load_with``: the relations of
    ``Move`` to load with a move shown (``select_related``), so ``record_of`` costs no query."""

    own: Q
    record_of: Callable[[Move], EnteredFor | None]
    load_with: tuple[str, ...] = ()


_ENTERED_FOR: list[EnteredForOthers] = []


def register_entered_for(entered_for: EnteredForOthers) -> None:
    """Called by the app that enters moves for others in its ``AppConfig.ready()`` (once;
    registering it again changes nothing)."""
    if entered_for not in _ENTERED_FOR:
        _ENTERED_FOR.append(entered_for)


def own_only() -> Q:
    """The condition on ``Move`` of a move nobody entered for someone else: its owner's own."""
    return reduce(and_, (e.own for e in _ENTERED_FOR), Q())


def _conditions(user, area: str | None) -> list[Q]:
    if area is not None and area not in AREAS:
        raise ValueError(f"unknown area {area!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    conditions = []
    if area in (None, OWN):
        conditions.append(Q(owner_id=user.pk) & own_only())
    for more in _VISIBILITY:
        conditions.extend(more(user, area))
    return conditions


def visible_moves(user, *, area: str | None = None) -> QuerySet[Move]:
    """The moves ``user`` may see (in ``area``), newest first."""
    conditions = _conditions(user, area)
    if not conditions:
        return Move.objects.none()
    return Move.objects.filter(reduce(or_, conditions)).order_by("-created_at")


def move_visible_to(user, public_id, *, area: str | None = None) -> Move | None:
    """The move with this public id if ``user`` may see it (in ``area``), else None — also for
    a move that does not exist, or an id that is not one."""
    if not isinstance(public_id, uuid.UUID):
        try:
            public_id = uuid.UUID(str(public_id))
        except ValueError:
            return None
    found = visible_moves(user, area=area).filter(public_id=public_id)
    related = [name for entered_for in _ENTERED_FOR for name in entered_for.load_with]
    if related:  # (without names, select_related would follow every foreign key)
        found = found.select_related(*related)
    return found.prefetch_related("procedures__version__procedure__organisation").first()


def area_of(move: Move) -> str:
    """``own`` for a mover's move, else the kind of its assisted record."""
    assisted = assisted_of(move)
    return assisted.kind if assisted is not None else OWN


def assisted_of(move: Move) -> EnteredFor | None:
    """The record of a move entered for a customer (``register_entered_for``), or None."""
    for entered_for in _ENTERED_FOR:
        record = entered_for.record_of(move)
        if record is not None:
            return record
    return None
