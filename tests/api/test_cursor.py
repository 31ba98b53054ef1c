"""`?cursor=`: keyset pagination of every list, beside page numbers."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.api.routes import ROUTES, drf_json, route_params, view_for
from tests.api.test_query_counts import make_rich

pytestmark = pytest.mark.django_db


def _walk(api_client, url: str) -> tuple[list[int], list[dict]]:
    """Follow `next` from `url` to the end: the ids read, and every page's body."""
    ids, bodies = [], []
    while url:
        response = api_client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        bodies.append(body)
        ids.extend(row["id"] for row in body["results"])
        url = body["next"]
        assert body["previous"] is None
    return ids, bodies


@pytest.mark.parametrize("route", route_params())
def test_a_cursor_walk_reads_every_record_once_in_id_order(api_client, route):
    route.factory.create_batch(7)
    ids, bodies = _walk(api_client, f"{route.path}?cursor=0&page_size=3")
    expected = list(route.model.objects.order_by("pk").values_list("pk", flat=True))
    assert ids == expected
    assert len(bodies) == 3  # 3 + 3 + 1
    assert {body["count"] for body in bodies} == {len(expected)}


@pytest.mark.parametrize("route", route_params())
def test_cursor_pages_equal_drf(api_client, route):
    route.factory.create_batch(4)
    first = route.model.objects.order_by("pk").first()
    params = {"cursor": str(first.pk), "page_size": "2"}
    body = api_client.get(route.path, params).json()
    view = view_for(route, "list", params)
    records = list(view.get_queryset().filter(pk__gt=first.pk).order_by("pk")[:2])
    serializer = view.get_serializer_class()(
        records, many=True, context=view.get_serializer_context()
    )
    assert body["results"] == drf_json(serializer.data)
    assert [row["id"] for row in body["results"]] == [r.pk for r in records]


def test_a_cursor_walk_keeps_the_filters(api_client):
    wanted = factories.ClinicalTrialFactory.create_batch(5, status="ongoing")
    factories.ClinicalTrialFactory.create_batch(4, status="completed")
    ids, _ = _walk(api_client, "/api/trials/?cursor=0&page_size=2&status=ongoing")
    assert ids == [trial.pk for trial in wanted]


def test_records_added_during_a_walk_are_not_skipped_or_repeated(api_client):
    trials = factories.ClinicalTrialFactory.create_batch(4)
    pks = [trial.pk for trial in trials]
    first = api_client.get("/api/trials/?cursor=0&page_size=2").json()
    trials[0].delete()  # a page-number walk would now skip a record
    added = factories.ClinicalTrialFactory()
    ids, _ = _walk(api_client, first["next"])
    assert [row["id"] for row in first["results"]] + ids == [*pks, added.pk]


def test_last_page_has_no_next_and_past_the_end_is_empty(api_client):
    trials = factories.ClinicalTrialFactory.create_batch(2)
    response = api_client.get(f"/api/trials/?cursor={trials[-1].pk}")
    assert response.status_code == 200
    assert response.json()["results"] == [] and response.json()["next"] is None
    assert response["X-Total-Count"] == "2"
    assert "Link" not in response


def test_csv_pages_carry_the_next_cursor_in_link(api_client):
    factories.ClinicalTrialFactory.create_batch(3)
    response = api_client.get("/api/trials/?cursor=0&page_size=2&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'rel="next"' in response["Link"] and "cursor=" in response["Link"]
    assert len(response.content.decode().strip().splitlines()) == 3  # header + 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cursor=-1", "whole number"),
        ("cursor=1.5", "whole number"),
        ("cursor=abc", "whole number"),
        ("cursor=" + "9" * 19, "whole number"),
        ("cursor=0&page=2", "drop page"),
        ("cursor=0&ordering=slug", "drop ordering"),
        ("cursor=0&page_size=401", "At most 400"),
    ],
)
def test_bad_cursors_are_400s(api_client, query, message):
    response = api_client.get(f"/api/trials/?{query}")
    assert response.status_code == 400
    assert message in str(response.json())


def test_an_empty_cursor_is_page_numbers(api_client):
    factories.ClinicalTrialFactory.create_batch(3)
    body = api_client.get("/api/trials/?cursor=&page_size=2").json()
    assert "page=2" in body["next"]
    assert body["previous"] is None and body["count"] == 3


def test_the_schema_documents_the_cursor(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    for route in ROUTES:
        listing = schema["paths"][route.path]["get"]
        cursor = {p["name"]: p for p in listing["parameters"]}["cursor"]
        assert cursor["schema"]["type"] == "integer"
        assert cursor["schema"]["minimum"] == 0


@pytest.mark.parametrize("route", route_params())
def test_cursor_queries_are_few_and_do_not_grow(api_client, route):
    resource = next(r for r in _resources() if r.path == route.prefix)
    make_rich(resource, 2)
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        assert api_client.get(f"{route.path}?cursor=0").status_code == 200
    make_rich(resource, 20)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert api_client.get(f"{route.path}?cursor=0").status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries) <= 8


def _resources():
    from tests.api.conftest import RESOURCES

    return RESOURCES
