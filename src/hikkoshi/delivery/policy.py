"""The retry policy of every channel, in one place.

A channel says whether an error is worth another try (``DeliveryError.retryable``: network
errors, timeouts, HTTP 5xx and 429, SMTP 4xx); this module says when: exponential back-off from
``first_delay`` doubling up to ``max_delay``, with jitter (a random point in the upper half of the
step, so many deliveries failing together do not come back together), never sooner than the
organisation's own Retry-After (even when it asks for longer than our longest step), and no
more tries once the delivery would be ``max_age`` old.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
import random

from django.conf import settings


@dataclass(frozen=True)
class Decision:
    retry: bool
    delay: float = 0.0  # seconds until the next attempt


def _config() -> dict[str, float]:
    return settings.HIKKOSHI_DELIVERY


def backoff(attempt: int, *, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempt``-th failed try (1 for the first)."""
    config = _config()
    step = min(config["max_delay"], config["first_delay"] * 2 ** max(0, min(attempt - 1, 40)))
    return (rng or random).uniform(step / 2, step)


def decide(
    *,
    retryable: bool,
    attempt: int,
    created_at: datetime,
    now: datetime,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> Decision:
    """Whether and when to try again after a failed ``attempt``."""
    if not retryable:
        return Decision(False)
    config = _config()
    delay = backoff(attempt, rng=rng)
    if retry_after is not None and retry_after > delay:
        delay = float(retry_after)  # the organisation's wish, even past our longest step
    if now + timedelta(seconds=delay) - created_at > timedelta(seconds=config["max_age"]):
        return Decision(False)
    return Decision(True, delay)
