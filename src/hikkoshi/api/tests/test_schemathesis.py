"""Property-based tests of the whole API from its own OpenAPI document: no input makes a 500,
every answer matches the document's status codes, content types and schemas.

Schema-valid input may still be refused: a postal code is any string in the document (people
type it in many forms) and the API answers 422 for one it cannot read, so the check that valid
data is always accepted does not apply.
"""

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
import pytest
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hikkoshi.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go through the real WSGI application, whose end-of-request signal would close the
    database connection the test's transaction lives on; Django's test client avoids that the
    same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
def test_api_never_fails(case, directory):
    response = case.call(headers={"Host": "localhost"})
    assert response.status_code < 500, response.text
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
