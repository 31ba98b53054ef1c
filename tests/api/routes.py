"""The API's routes read from its routers, and DRF's own output for them: the
reference the fast read path (evidence/base/api/fastread.py) is compared with."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.db.models import Model
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from evidence.site.api_urls import _APPS
from tests.api.conftest import RESOURCES


@dataclass(frozen=True)
class Route:
    prefix: str
    viewset: type
    basename: str

    @property
    def path(self) -> str:
        return f"/api/{self.prefix}/"

    @property
    def model(self) -> type[Model]:
        return self.viewset.queryset.model

    @property
    def factory(self):
        """The factory of the route's records (every route must have one)."""
        return next(r.factory for r in RESOURCES if r.path == self.prefix)


ROUTES = [
    Route(prefix, viewset, basename)
    for app in _APPS
    for prefix, viewset, basename in app.router.registry
]


def route_params():
    return [pytest.param(route, id=route.prefix) for route in ROUTES]


def drf_json(data):
    """DRF's rendering of `data`, parsed back."""
    return json.loads(JSONRenderer().render(data))


def view_for(route: Route, action: str, params: dict | None = None, **kwargs):
    """The route's viewset set up for one GET, as DRF's dispatch would."""
    request = Request(APIRequestFactory().get(route.path, params or {}))
    view = route.viewset(action=action, request=request, args=(), kwargs=kwargs)
    view.format_kwarg = None
    return view


def drf_list_results(route: Route, params: dict) -> list:
    """The page DRF's own serializer gives for these query parameters."""
    view = view_for(route, "list", params)
    page = view.paginate_queryset(view.filter_queryset(view.get_queryset()))
    serializer = view.get_serializer_class()(
        page, many=True, context=view.get_serializer_context()
    )
    return drf_json(serializer.data)


def drf_detail(route: Route, record) -> dict:
    view = view_for(route, "retrieve", key=str(record.pk))
    serializer = view.get_serializer_class()(
        record, context=view.get_serializer_context()
    )
    return drf_json(serializer.data)
