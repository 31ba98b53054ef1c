"""No N+1: every list endpoint runs the same number of queries for 1 and 10 records."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.models import Condition, ReviewReference
from secretome.models import Effect
from tests import factories
from tests.api.conftest import resource_params
from trials.models import ModelSystem, OutcomeClass

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


def _vocabulary(model):
    def make():
        n = next(_numbers)
        return model.objects.create(slug=f"{model._meta.model_name}-{n}", name=f"V {n}")

    return make


RELATED_FACTORIES = {
    Condition: factories.ConditionFactory,
    ReviewReference: factories.ReviewReferenceFactory,
    Effect: factories.EffectFactory,
    OutcomeClass: _vocabulary(OutcomeClass),
    ModelSystem: _vocabulary(ModelSystem),
}


def make_rich(resource, count: int) -> None:
    """Records with every many-to-many relation filled, so prefetches are exercised."""
    for record in resource.factory.create_batch(count):
        for field in resource.model._meta.many_to_many:
            getattr(record, field.name).add(RELATED_FACTORIES[field.related_model]())


@pytest.mark.parametrize("resource", resource_params())
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_list_query_count_does_not_grow(
    api_client, django_assert_num_queries, resource, fmt
):
    path = f"/api/{resource.path}/?format={fmt}"
    make_rich(resource, 1)
    with CaptureQueriesContext(connection) as one:
        assert api_client.get(path).status_code == 200
    make_rich(resource, 9)
    with django_assert_num_queries(len(one.captured_queries)):
        response = api_client.get(path)
    assert response.status_code == 200
    if fmt == "json":
        assert response.json()["count"] == resource.model.objects.count()
