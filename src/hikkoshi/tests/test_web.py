"""JSON and problem-details answers (``hikkoshi.web``)."""

import json

from django.test import RequestFactory
from django.utils import translation

from hikkoshi import web


def test_json_answers_load_nothing_and_keep_japanese_as_it_is():
    response = web.json_response({"name": "札幌市"}, status=201)
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Security-Policy"] == web.API_CSP
    assert response.content.decode() == '{"name":"札幌市"}'


def test_a_problem_is_answered_as_rfc_9457_in_the_active_language():
    problem = web.Problem(
        400, "invalid-postcode", "Invalid", "Seven digits.", [web.invalid_param("postcode", "too short")]
    )
    with translation.override("en"):
        response = web.problem_response(problem, "/api/v1/postcodes/1")
    assert response.status_code == 400
    assert response["Content-Type"] == web.PROBLEM_JSON
    assert response["Content-Language"] == "en"
    assert response["Content-Security-Policy"] == web.API_CSP
    assert json.loads(response.content) == {
        "type": "/api/v1/problems/invalid-postcode",
        "title": "Invalid",
        "status": 400,
        "detail": "Seven digits.",
        "instance": "/api/v1/postcodes/1",
        "invalid-params": [{"name": "postcode", "reason": "too short"}],
    }


def test_an_error_status_no_view_described_gets_a_generic_problem():
    request = RequestFactory().post("/api/v1/moves")
    body = json.loads(web.generic_problem(request, 405).content)
    assert (body["status"], body["type"], body["instance"]) == (405, "/api/v1/problems/error", "/api/v1/moves")
    assert json.loads(web.not_found(request).content)["status"] == 404
