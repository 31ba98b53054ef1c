"""The API contract: the OpenAPI schema builds cleanly and the API keeps to it.

Schemathesis generates requests for every GET operation of the schema (filters,
ordering, pagination, formats, lookups) and checks that no response is a server error
and that each response matches the schema: status code, content type, headers, body.
"""

import pytest
import schemathesis
import yaml
from django.core.management import call_command
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


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for resource in RESOURCES:
        assert f"/api/{resource.path}/" in paths
        assert f"/api/{resource.path}/{{key}}/" in paths
    assert "/api/publications/doi/{doi}/" in paths


@pytest.mark.django_db
def test_schema_documents_filters_with_their_choices(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/trials/"]["get"]["parameters"]
    }
    assert set(parameters) == {
        "q",
        "phase",
        "status",
        "modality",
        "cell_source",
        "therapy",
        "condition",
        "route",
        "outcome",
        "evidence_level",
        "review",
        "ordering",
        "page",
        "page_size",
        "format",
    }
    assert parameters["phase"]["schema"]["items"]["enum"] == sorted(
        ["early_1", "1", "1_2", "2", "2_3", "3", "4", "na"]
    )
    assert "-slug" in parameters["ordering"]["schema"]["enum"]
    assert parameters["format"]["schema"]["enum"] == ["csv", "json"]


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


# Loaded once at collection: serving the schema reads no database rows.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", application
).include(method="GET")


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


@pytest.mark.django_db
def test_schema_documents_the_write_preconditions_and_paging_limits(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    for resource in RESOURCES:
        detail = schema["paths"][f"/api/{resource.path}/{{key}}/"]
        for method in ("put", "patch", "delete"):
            operation = detail[method]
            headers = {
                p["name"]: p for p in operation["parameters"] if p["in"] == "header"
            }
            assert headers["If-Match"]["required"] is True, (resource.path, method)
            assert {"412", "428"} <= set(operation["responses"]), (
                resource.path,
                method,
            )
        # GET -> PATCH carries the ETag into If-Match (stateful clients, Schemathesis).
        link = detail["get"]["responses"]["200"]["links"]["PatchRecord"]
        assert link["parameters"]["header.If-Match"] == "$response.header.ETag"
        listing = schema["paths"][f"/api/{resource.path}/"]["get"]
        parameters = {p["name"]: p for p in listing["parameters"]}
        assert parameters["page_size"]["schema"]["maximum"] == 400
        assert all(p.get("allowEmptyValue") for p in parameters.values())
