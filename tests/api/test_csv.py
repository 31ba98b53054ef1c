"""CSV output: one flat row per record, the same rows as the JSON list."""

import csv
import io

import pytest

from tests import factories
from tests.api.conftest import resource_params

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize("resource", resource_params())
def test_csv_rows_equal_json_rows(api_client, resource):
    resource.factory.create_batch(3)
    params = {"page_size": 2, "ordering": "-" + resource.ordering_field}
    rows = read_csv(
        api_client.get(f"/api/{resource.path}/", {**params, "format": "csv"})
    )
    results = api_client.get(f"/api/{resource.path}/", params).json()["results"]
    assert [row["id"] for row in rows] == [str(record["id"]) for record in results]
    assert [row["url"] for row in rows] == [record["url"] for record in results]


def test_csv_follows_filters_and_flattens_nested_values(api_client):
    knee = factories.ConditionFactory(slug="knee-osteoarthritis")
    stroke = factories.ConditionFactory(slug="stroke")
    review = factories.ReviewFactory(slug="foo-2021")
    trial = factories.ClinicalTrialFactory(
        conditions=[knee, stroke],
        source_review=review,
        locator="Table 2, row 3",
        flags=["a", "b"],
    )
    factories.ClinicalTrialFactory(conditions=[stroke])
    response = api_client.get("/api/trials/?condition=knee-osteoarthritis&format=csv")
    rows = read_csv(response)
    assert response["Content-Disposition"] == 'attachment; filename="trial.csv"'
    assert len(rows) == 1
    row = rows[0]
    assert row["slug"] == trial.slug
    assert row["conditions.slug"] == "knee-osteoarthritis; stroke"
    assert row["therapy.slug"] == trial.therapy.slug
    assert row["provenance.review"] == "foo-2021"
    assert row["provenance.locator"] == "Table 2, row 3"
    assert row["provenance.flags"] == "a; b"
    assert "conditions.url" not in row  # nested links are left out of spreadsheets


def test_csv_header_is_stable_for_an_empty_page(api_client):
    response = api_client.get("/api/trials/?format=csv")
    header = response.content.decode().splitlines()[0].split(",")
    assert header[:3] == ["url", "id", "slug"]
    assert "provenance.refs" in header
    assert "conditions.slug" in header


def test_csv_detail_is_one_row(api_client):
    condition = factories.ConditionFactory(synonyms=["OA", "osteoarthrosis"])
    rows = read_csv(api_client.get(f"/api/conditions/{condition.slug}/?format=csv"))
    assert len(rows) == 1
    assert rows[0]["synonyms"] == "OA; osteoarthrosis"


@pytest.mark.parametrize("payload", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx"])
def test_csv_neutralises_formula_cells(api_client, payload):
    factories.ConditionFactory(slug="c", name=payload)
    rows = read_csv(api_client.get("/api/conditions/?format=csv"))
    assert rows[0]["name"] == f"'{payload}"


def test_csv_unknown_record_is_a_json_404(api_client):
    response = api_client.get("/api/trials/nope/?format=csv")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_csv_pages_carry_links_and_total_in_headers(api_client):
    factories.EffectFactory.create_batch(5)
    response = api_client.get("/api/effects/?format=csv&page_size=2&page=2")
    assert len(read_csv(response)) == 2
    assert response["X-Total-Count"] == "5"
    assert response["Link"] == (
        '<http://testserver/api/effects/?format=csv&page=3&page_size=2>; rel="next", '
        '<http://testserver/api/effects/?format=csv&page_size=2>; rel="prev"'
    )
