"""Property-based fuzzing of the REST API with schemathesis against the project's own schema:
for generated requests to every operation, no answer is a server error and every answer
matches the schema (status codes, content types, bodies)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from schemathesis import checks

from accounts.services import api_token_create
from tests.factories import DealFactory, LeadFactory, sales_staff

pytestmark = pytest.mark.django_db
EXAMPLES = 15
# No server error, and every answer as the schema says: its status, content type, headers and
# body. (Whether a schema-valid request is accepted is not checked: a schema cannot say that a
# `responsible=0` filter must name an existing user, and the API answers it with a 400.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def token(db, pipeline, statuses) -> str:
    """The token of a head of department, with a few items in and out of their scope."""
    users = sales_staff()
    DealFactory(title="Fuzzed order", responsible=users["responsible"])
    DealFactory(title="Someone else's order", responsible=users["other"])
    LeadFactory(title="Fuzzed request", responsible=users["responsible"])
    _row, token = api_token_create(user=users["head"], name="fuzz")
    return token


@pytest.fixture(autouse=True)
def _requests_keep_the_test_connection():
    """As Django's test client does: the app called in-process keeps the test's database
    connection (and its transaction) open between requests. Each request runs in a savepoint
    (ATOMIC_REQUESTS), so a statement PostgreSQL refuses (answered 400) rolls back only its
    own request, not the test's transaction the requests after it need: cheaper than
    committing every request and emptying the tables after each case."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    yield
    connection.settings_dict["ATOMIC_REQUESTS"] = False
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


# The schema as the app serves it (no database needed), with the app to call in-process.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_no_operation_answers_a_server_error_or_off_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
