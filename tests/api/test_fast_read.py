"""The fast read path (evidence/base/api/fastread.py) gives exactly DRF's output.

For every route of the API's routers (read from the routers, not listed here), a list
page and a detail answer are compared with what DRF's serializer gives for the same
records, rendered by DRF's JSONRenderer and parsed back: on the curated dataset, with
filters, orderings, page sizes and empty pages; then on records with null relations,
empty lists, unicode, floats and dates; and for serializers with fields the plan does
not compile (method fields, decimals, datetimes, dotted and callable sources).
"""

from __future__ import annotations

import json

import pytest
from django_filters import filters as django_filters

from evidence.base.api import fastread
from evidence.base.api.renderers import FastJSONRenderer
from tests.api.routes import (
    ROUTES,
    Route,
    drf_detail,
    drf_json,
    drf_list_results,
    route_params,
    view_for,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("curated_dataset")]


SAMPLE_WORD = "<a word of the first record>"


def _sample_word(route: Route) -> str:
    record = route.model.objects.order_by("pk").first()
    return str(record).split()[0]


def _list_params(route: Route) -> list[dict]:
    """Query strings of a list: page sizes, pages, orderings, choice filters, search."""
    params: list[dict] = [{}, {"page_size": "1"}, {"page_size": "3", "page": "2"}]
    params.append({"page_size": "400"})
    for field in route.viewset.ordering_fields:
        params.append({"ordering": field, "page_size": "7"})
        params.append({"ordering": f"-{field}", "page_size": "7", "page": "2"})
    filterset = route.viewset.filterset_class
    for name, filter_ in filterset.base_filters.items():
        choices = filter_.extra.get("choices")
        if type(filter_) is django_filters.MultipleChoiceFilter and choices:
            params.append({name: str(list(choices)[0][0])})
    if "q" in filterset.base_filters:
        params.append({"q": SAMPLE_WORD})
        params.append({"q": "zzqx-nothing-matches-this"})  # an empty page
    return params


def _cases():
    return [
        pytest.param(route, params, id=f"{route.prefix}?{json.dumps(params)}")
        for route in ROUTES
        for params in _list_params(route)
    ]


def test_every_route_is_covered():
    assert len(ROUTES) >= 14
    assert all(route.factory for route in ROUTES)


@pytest.mark.parametrize(("route", "params"), _cases())
def test_list_page_equals_drf(api_client, route, params):
    if params.get("q") == SAMPLE_WORD:
        params = {**params, "q": _sample_word(route)}
    response = api_client.get(route.path, {**params, "format": "json"})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == drf_list_results(route, params)


@pytest.mark.parametrize("route", route_params())
def test_the_curated_dataset_has_records_of_every_route(route):
    # Otherwise the comparisons above would compare empty pages.
    assert route.model.objects.exists()


@pytest.mark.parametrize("route", route_params())
def test_every_record_equals_drf(route):
    view = view_for(route, "list")
    records = list(view.get_queryset())
    context = view.get_serializer_context()
    serializer_class = view.get_serializer_class()
    fast = fastread.represent(serializer_class, records, context=context, many=True)
    drf = serializer_class(records, many=True, context=context).data
    assert json.loads(FastJSONRenderer().render(fast)) == drf_json(drf)


@pytest.mark.parametrize("route", route_params())
def test_detail_equals_drf(api_client, route):
    records = list(route.viewset.queryset.order_by("pk"))
    for record in records[:3] + records[-2:]:
        response = api_client.get(f"{route.path}{record.pk}/")
        assert response.status_code == 200, response.content
        assert response.json() == drf_detail(route, record)


def test_publication_by_doi_equals_drf(api_client):
    route = next(r for r in ROUTES if r.prefix == "publications")
    record = route.model.objects.exclude(doi="").order_by("pk").first()
    response = api_client.get(f"/api/publications/doi/{record.doi}/")
    assert response.status_code == 200
    assert response.json() == drf_detail(route, record)
