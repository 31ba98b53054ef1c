"""The API keeps to its OpenAPI schema.

Schemathesis generates requests for every GET operation of the schema (filters,
ordering, pagination, formats, lookups) and checks that no response is a server error
and that each response matches the schema: status code, content type, headers, body.

A module of its own in the slow tier: the schema is built when the module is collected
(schemathesis parametrizes at collection), which `make test-fast` then skips entirely.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.views import APIView
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from evidence.wsgi import application
from tests import factories
from tests.api.conftest import RESOURCES


@pytest.fixture
def wsgi_in_test_transaction():
    """Let the real WSGI handler run inside the test's transaction.

    At the end of each request the handler closes the database connection, which
    would end the test's transaction (Django's own test client does the same as here).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(db, monkeypatch, wsgi_in_test_transaction):
    """A record of every kind, so responses carry nested objects to validate."""
    # The fuzzer sends hundreds of requests; the throttle is tested on its own.
    monkeypatch.setattr(APIView, "throttle_classes", [])
    review = factories.ReviewFactory(slug="foo-2021")
    factories.ReviewReferenceFactory(review=review, number=1)
    condition = factories.ConditionFactory(slug="knee-osteoarthritis")
    factories.ClinicalTrialFactory(
        conditions=[condition], outcome_classes=["safe"], source_review=review
    )
    factories.StudyFactory(conditions=[condition], model_systems=["mouse"])
    factories.ComponentFindingFactory(conditions=[condition])
    # Empty optional relations, so nullable fields are checked against the schema too.
    factories.StudyFactory(therapy=None, year=None)
    factories.ComponentFindingFactory(effect=None)
    factories.ClinicalTrialFactory(nct_id=None, primary_publication=None)
    for resource in RESOURCES:
        resource.factory()


# Loaded once at collection, where no test's database is open: serving the schema
# reads no rows, and its throttle (which counts in the database, and has tests of
# its own) is off for the load.
_throttles = APIView.throttle_classes
APIView.throttle_classes = []
try:
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application
    ).include(method="GET")
finally:
    APIView.throttle_classes = _throttles


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(fuzz_data, case):
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ]
    )
