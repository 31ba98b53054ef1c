"""The API contract: the OpenAPI schema builds cleanly and documents the filters, the
write preconditions and the paging limits. test_schema_fuzz.py checks that the API keeps
to it."""

import pytest
import yaml
from django.core.management import call_command

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
        "include_descendants",
        "route",
        "outcome",
        "evidence_level",
        "review",
        "ordering",
        "page",
        "page_size",
        "cursor",
        "format",
    }
    assert parameters["phase"]["schema"]["items"]["enum"] == sorted(
        ["early_1", "1", "1_2", "2", "2_3", "3", "4", "na"]
    )
    assert "-slug" in parameters["ordering"]["schema"]["enum"]
    assert parameters["format"]["schema"]["enum"] == ["csv", "json"]


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
