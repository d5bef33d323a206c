"""How submissions of moves entered for customers (代行) are counted (``hikkoshi.moves.limits``
asks through ``register_quota``, called in ``AssistedConfig.ready()``):

- at an estate agency's store: the moves its staff submit, counted together: the store's own
  ``submissions_per_hour`` / ``submissions_per_day`` set by the portal's administrators, else
  ``settings.HIKKOSHI_STORE_SUBMISSION_LIMITS``;
- at a call centre: per operator, ``settings.HIKKOSHI_STAFF_SUBMISSION_LIMITS``.
"""

from django.conf import settings

from hikkoshi.moves.limits import Quota
from hikkoshi.moves.models import Move

from .models import AssistedMove


def submission_quota(user, move: Move) -> Quota | None:
    """What submitting ``move`` counts against when it was entered for a customer; ``None`` for
    a mover's own move."""
    assisted = getattr(move, "assisted", None)
    if not isinstance(assisted, AssistedMove):
        return None
    store = assisted.store  # None (and no query) for a call centre's move
    if store is not None:
        defaults = settings.HIKKOSHI_STORE_SUBMISSION_LIMITS
        limits = {
            "hour": store.submissions_per_hour if store.submissions_per_hour is not None else defaults["hour"],
            "day": store.submissions_per_day if store.submissions_per_day is not None else defaults["day"],
        }
        return Quota(Move.objects.filter(assisted__store_id=store.pk), limits, "store")
    return Quota(
        Move.objects.filter(assisted__entered_by=user, assisted__centre__isnull=False),
        settings.HIKKOSHI_STAFF_SUBMISSION_LIMITS,
        "account",
    )
