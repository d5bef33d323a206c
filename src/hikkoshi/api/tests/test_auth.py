"""The API assembly gives each router its authentication (issue 10: ``moves`` does not import
``accounts``): every move endpoint needs a bearer token, the public look-ups none."""

from django.test import RequestFactory

from hikkoshi.api.api import api
from hikkoshi.moves.api import NoClient, router as moves_router

MOVE_OPERATIONS = {
    ("/api/v1/moves", "post"),
    ("/api/v1/moves/{move_id}", "get"),
    ("/api/v1/moves/{move_id}/documents/{name}", "get"),
}


def test_every_move_endpoint_needs_a_token_and_the_look_ups_none():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    secured = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    assert secured == MOVE_OPERATIONS
    for path, method in MOVE_OPERATIONS:
        assert schema["paths"][path][method]["security"] == [{"TokenAuth": []}]
    assert schema["components"]["securitySchemes"] == {"TokenAuth": {"type": "http", "scheme": "bearer"}}


def test_the_moves_router_refuses_everyone_unless_its_mount_gives_an_authentication():
    assert isinstance(moves_router.auth, NoClient)  # the router's own, if mounted without one
    request = RequestFactory().get("/api/v1/moves/x", HTTP_AUTHORIZATION="Bearer hks_anything")
    assert NoClient()(request) is None


def test_no_token_is_a_401_problem_on_every_move_endpoint(client, db):
    for method, path in (
        ("post", "/api/v1/moves"),
        ("get", "/api/v1/moves/7d4d0a4e-4f2a-4a57-9a55-2b0b6d3f6a11"),
        ("get", "/api/v1/moves/7d4d0a4e-4f2a-4a57-9a55-2b0b6d3f6a11/documents/result.pdf"),
    ):
        response = getattr(client, method)(path, HTTP_AUTHORIZATION="Bearer hks_not-a-token")
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == 'Bearer realm="hikkoshi"'
