"""The API's trials and studies are read with the joined records' brief fields only
(`with_api_related`, `CuratedQuerySet.reading_only`): the same output as the full
`with_list_related` records, and no field left out is ever loaded afterwards."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.routes import ROUTES, drf_json, view_for
from trials.models import ClinicalTrial, Study

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("curated_dataset")]

MODELS = [ClinicalTrial, Study]


def _route(model):
    return next(route for route in ROUTES if route.model is model)


@pytest.mark.parametrize("model", MODELS)
def test_brief_reads_give_the_full_records_output(model):
    view = view_for(_route(model), "list")
    serializer_class = view.get_serializer_class()
    context = view.get_serializer_context()
    full = list(model.objects.with_list_related().order_by("pk"))
    brief = list(model.objects.with_api_related().order_by("pk"))
    assert len(full) == len(brief) > 20
    # The brief read really leaves the joined records' other columns out.
    assert brief[0].therapy.get_deferred_fields()
    assert "description" in brief[0].therapy.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        shown = drf_json(serializer_class(brief, many=True, context=context).data)
    assert len(queries) == 0, [q["sql"][:200] for q in queries]
    assert shown == drf_json(serializer_class(full, many=True, context=context).data)


@pytest.mark.parametrize("model", MODELS)
def test_the_api_reads_through_the_brief_queryset(model):
    view = view_for(_route(model), "list")
    assert view.get_queryset().query.deferred_loading[0], "no field is deferred"


def test_reading_only_keeps_the_named_fields_and_the_key():
    queryset = ClinicalTrial.objects.select_related("therapy").reading_only(
        therapy=("name",)
    )
    deferred, is_defer = queryset.query.deferred_loading
    assert is_defer
    assert "therapy__name" not in deferred
    assert "therapy__id" not in deferred
    assert "therapy__description" in deferred
