"""The retry policy: back-off with jitter, Retry-After honoured, a maximum age, final errors."""

from datetime import datetime, timedelta, timezone
import random

import pytest

from hikkoshi.delivery.policy import backoff, decide

T0 = datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc)
POLICY = {
    "first_delay": 30,
    "max_delay": 3600,
    "max_age": 3 * 24 * 3600,
    "lease": 300,
    "timeout": 20,
    "connect_timeout": 5,
}


@pytest.fixture(autouse=True)
def policy(settings):
    settings.HIKKOSHI_DELIVERY = POLICY


def test_backoff_doubles_within_its_jitter_and_stops_growing():
    rng = random.Random(1)
    for attempt, step in [(1, 30), (2, 60), (3, 120), (5, 480), (8, 3600), (30, 3600), (1000, 3600)]:
        delays = [backoff(attempt, rng=rng) for _ in range(200)]
        assert all(step / 2 <= d <= step for d in delays), attempt
        assert max(delays) - min(delays) > step / 4  # really spread, not one fixed value


def test_a_final_error_is_never_retried():
    assert decide(retryable=False, attempt=1, created_at=T0, now=T0).retry is False


def test_retry_after_is_honoured_within_the_maximum_age():
    d = decide(retryable=True, attempt=1, created_at=T0, now=T0, retry_after=900, rng=random.Random(2))
    assert d.retry and d.delay == 900
    d = decide(retryable=True, attempt=1, created_at=T0, now=T0, retry_after=7200, rng=random.Random(2))
    assert d.retry and d.delay == 7200  # longer than our longest step: the organisation knows best
    d = decide(retryable=True, attempt=1, created_at=T0, now=T0, retry_after=10**7, rng=random.Random(2))
    assert not d.retry  # past the maximum age: final
    d = decide(retryable=True, attempt=1, created_at=T0, now=T0, retry_after=1, rng=random.Random(2))
    assert 15 <= d.delay <= 30  # the back-off, when the organisation asks for less


def test_no_retry_once_the_next_try_would_come_after_the_maximum_age():
    late = T0 + timedelta(days=3) - timedelta(seconds=10)
    assert decide(retryable=True, attempt=3, created_at=T0, now=late, rng=random.Random(3)).retry is False
    early = T0 + timedelta(days=2)
    assert decide(retryable=True, attempt=3, created_at=T0, now=early, rng=random.Random(3)).retry is True
