"""Issue 13, item 5 and a Low item: limits on submissions per account (per hour, per 24 hours) on
the API and the wizard, 429 with Retry-After and a clear message; a cap on open drafts; staff
limits per store set by administrators. And JSON integers over 4,300 digits are a 422."""

from datetime import timedelta

from django.utils import timezone
import pytest

from hikkoshi.moves.models import Move

from .conftest import sapporo_relocation
from .test_api import post


@pytest.fixture
def shipped_limits(settings):
    settings.HIKKOSHI_SUBMISSION_LIMITS = settings.SHIPPED_SUBMISSION_LIMITS
    settings.HIKKOSHI_OPEN_DRAFTS = settings.SHIPPED_OPEN_DRAFTS
    return settings.SHIPPED_SUBMISSION_LIMITS


def test_the_api_refuses_submissions_over_the_hourly_limit(api, sapporo, mover, shipped_limits):
    per_hour = shipped_limits["hour"]
    assert per_hour == 5
    for _ in range(per_hour):
        assert post(api, sapporo_relocation()).status_code == 201
    response = post(api, sapporo_relocation(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and response["Content-Type"] == "application/problem+json"
    assert 3000 < int(response["Retry-After"]) <= 3600
    assert "try again in 60 minutes" in response.json()["detail"]
    assert Move.objects.filter(owner=mover).count() == per_hour  # nothing stored
    japanese = post(api, sapporo_relocation(), HTTP_ACCEPT_LANGUAGE="ja")
    assert japanese.status_code == 429 and "分後" in japanese.json()["detail"]


def test_the_daily_limit_and_the_window_moving_on(api, sapporo, mover, shipped_limits):
    # Ten moves submitted 23 and 22 hours ago (none in the last hour): the day is full.
    now = timezone.now()
    for hours_ago in (23, 22):
        for _ in range(shipped_limits["hour"]):
            assert post(api, sapporo_relocation()).status_code == 201
        Move.objects.filter(owner=mover, submitted_at__gt=now - timedelta(minutes=10)).update(
            submitted_at=now - timedelta(hours=hours_ago)
        )
    assert Move.objects.filter(owner=mover).count() == shipped_limits["day"] == 10
    response = post(api, sapporo_relocation())
    assert response.status_code == 429
    assert 3000 < int(response["Retry-After"]) <= 3600  # the oldest leaves the 24 hours in an hour
    # A day later, the mover may submit again.
    Move.objects.filter(owner=mover).update(submitted_at=now - timedelta(days=2))
    assert post(api, sapporo_relocation()).status_code == 201


def test_a_replayed_idempotency_key_is_not_refused(api, sapporo, mover, shipped_limits):
    first = post(api, sapporo_relocation(), HTTP_IDEMPOTENCY_KEY="one")
    assert first.status_code == 201
    for _ in range(shipped_limits["hour"] - 1):
        assert post(api, sapporo_relocation()).status_code == 201
    assert post(api, sapporo_relocation(), HTTP_IDEMPOTENCY_KEY="one").status_code == 200


def test_a_4301_digit_integer_is_refused_cleanly(api, sapporo):
    body = '{"move_date": ' + "9" * 4301 + "}"
    response = api.post("/api/v1/moves", body, content_type="application/json")
    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid-params"]] == ["body"]
    # Said as it is, in the user's language (not "not valid JSON": it is valid JSON).
    english = api.post("/api/v1/moves", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["invalid-params"][0]["reason"] == "A number in the body has more than 4,300 digits."
    japanese = api.post("/api/v1/moves", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ja").json()
    assert japanese["invalid-params"][0]["reason"] == "本文の数値が長すぎます（4,300桁まで）。"
    assert api.post("/api/v1/moves", '{"move_date": 1,}', content_type="application/json").status_code == 422


def test_the_wizard_refuses_a_submission_over_the_limit_and_keeps_the_draft(client, sapporo, mover, shipped_limits):
    from hikkoshi.assisted.tests.conftest import move_at, through_wizard

    client.force_login(mover)
    bases = []
    for _ in range(shipped_limits["hour"] + 1):
        response = client.post("/moves/start/")
        base = response["Location"].rsplit("places/", 1)[0]
        bases.append(base)
    for base in bases[:-1]:
        through_wizard(client, base)
    last = bases[-1]
    through_wizard(client, last, submit=False)
    response = client.post(last + "submit/", {"consent": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and int(response["Retry-After"]) > 3000
    assert "try again in 60 minutes" in response.content.decode()
    assert move_at(last).status == "draft" and move_at(last).draft.get("people")


def test_open_drafts_are_capped(client, mover, shipped_limits, settings):
    client.force_login(mover)
    cap = settings.HIKKOSHI_OPEN_DRAFTS
    assert cap == 10
    for _ in range(cap):
        assert client.post("/moves/start/").status_code == 302
    response = client.post("/moves/start/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and "delete a draft" in response.content.decode()
    assert Move.objects.filter(owner=mover, status="draft").count() == cap
