"""Which moves entered for customers (代行) a staff member sees: the part of the one access policy
(``hikkoshi.moves.access``) that belongs to call centres and estate agencies, registered there
in ``AssistedConfig.ready()``.

- a call-centre **operator**: the moves entered for callers by their call centre;
- estate-agency **staff**: the moves entered for customers in their store;
- an estate-agency **manager**: the moves entered for customers in any store of the agency.

Only active memberships count, in an active call centre or an admitted agency
(``selectors.memberships``).
"""

from django.db.models import Q

from hikkoshi.moves.access import AGENCY, CALL_CENTRE, EnteredForOthers
from hikkoshi.moves.models import Move

from .models import AssistedMove
from .selectors import memberships


def staff_conditions(user, area: str | None) -> list[Q]:
    """The moves ``user`` sees for their centres, stores and agencies in ``area`` (``None``:
    all of them), as conditions on ``Move`` for ``moves.access``."""
    if area not in (None, CALL_CENTRE, AGENCY):
        return []
    found = memberships(user)
    conditions = []
    if area in (None, CALL_CENTRE) and found.centres:
        conditions.append(Q(assisted__kind=CALL_CENTRE, assisted__centre_id__in=found.centres))
    if area in (None, AGENCY):
        if found.manager_of:
            conditions.append(Q(assisted__kind=AGENCY, assisted__agency_id__in=found.manager_of))
        for agency_id, store_id in found.staff_of:
            conditions.append(Q(assisted__kind=AGENCY, assisted__agency_id=agency_id, assisted__store_id=store_id))
    return conditions


def assisted_move_of(move: Move) -> AssistedMove | None:
    """The record of ``move`` if it was entered for a customer (loaded with it where
    ``moves.access`` shows it: ``ENTERED_FOR.load_with``)."""
    try:
        return move.assisted
    except AssistedMove.DoesNotExist:
        return None


# What ``moves.access`` is told (``register_entered_for``): a mover's own move is one without
# a record here.
ENTERED_FOR = EnteredForOthers(own=Q(assisted__isnull=True), record_of=assisted_move_of, load_with=("assisted",))
