"""Property-based tests of ``POST /api/v1/moves``: never a 500, never a half-stored move."""

import copy
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from hikkoshi.moves.models import Move, MoveProcedure

from .conftest import sapporo_relocation

JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
PATHS = [
    ("from",),
    ("from", "postcode"),
    ("from", "address"),
    ("to", "postcode"),
    ("to", "address"),
    ("to", "building"),
    ("move_date",),
    ("applicant",),
    ("applicant", "name"),
    ("applicant", "name_kana"),
    ("applicant", "birth_date"),
    ("applicant", "phone"),
    ("applicant", "email"),
    ("members",),
    ("members", 0, "name_kana"),
    ("members", 0, "birth_date"),
    ("procedures",),
    ("procedures", 0),
    ("procedures", 0, "id"),
    ("procedures", 1, "fields"),
    ("procedures", 1, "fields", "start_date"),
    ("procedures", 3, "fields", "billing_number"),
]
SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("HIKKOSHI_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _set(payload, path, value):
    """Put ``value`` at ``path`` if an earlier mutation left the path there."""
    target = payload
    try:
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass


def _check(api, payload):
    before = (Move.objects.count(), MoveProcedure.objects.count())
    response = api.post("/api/v1/moves", json.dumps(payload), content_type="application/json")
    assert response.status_code in (201, 422), response.content[:500]
    if response.status_code == 422:
        assert (Move.objects.count(), MoveProcedure.objects.count()) == before
        assert response.json()["invalid-params"]
    else:
        move = Move.objects.get(public_id=response.json()["id"])
        assert move.procedures.count() == len(payload["procedures"])


@given(mutations=st.lists(st.tuples(st.sampled_from(PATHS), JSON), min_size=1, max_size=3))
@SETTINGS
def test_mutated_moves_are_stored_whole_or_refused(api, sapporo, mutations):
    payload = copy.deepcopy(sapporo_relocation())
    for path, value in mutations:
        _set(payload, path, value)
    _check(api, payload)


@given(body=JSON)
@SETTINGS
def test_any_json_is_refused_cleanly(api, sapporo, body):
    response = api.post("/api/v1/moves", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert Move.objects.count() == 0
