"""The fast read path on edge cases, its JSON encoder, and the API's query counts.

Records with null relations, empty lists, unicode, floats and dates serialize as DRF
does; serializers with fields the plan does not compile (method fields that read the
request, decimals, datetimes, dotted and callable sources) fall back to DRF exactly;
orjson's bytes parse to DRF's; every list and detail endpoint runs a fixed number of
queries, at most 8, whether it shows few records or many.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from evidence.base.api import fastread
from evidence.base.api.renderers import FastJSONRenderer
from evidence.base.api.serializers import (
    BriefRelatedField,
    ConditionBriefSerializer,
    TherapyBriefSerializer,
)
from evidence.models import Condition, Publication, Therapy
from tests import factories
from tests.api.routes import (
    ROUTES,
    drf_detail,
    drf_json,
    drf_list_results,
    route_params,
    view_for,
)
from tests.api.test_query_counts import make_rich
from trials.api.serializers import TrialSerializer
from trials.models import ClinicalTrial, Study, TrialCountSnapshot

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8
ODD_TEXT = "Ünïcode β-catenin – “quoted” \\ back\tslash\n line\u2028sep\u2029 😀 \x01"


def _both_ways(api_client, route, record):
    """The detail answer and the list row of `record`, each beside DRF's."""
    detail = api_client.get(f"{route.path}{record.pk}/")
    assert detail.status_code == 200, detail.content
    assert detail.json() == drf_detail(route, record)
    listed = api_client.get(route.path, {"page_size": "400"})
    assert listed.json()["results"] == drf_list_results(route, {"page_size": "400"})
    return detail.json()


def _route(prefix):
    return next(route for route in ROUTES if route.prefix == prefix)


@pytest.mark.parametrize("route", route_params())
def test_empty_list_equals_drf(api_client, route):
    response = api_client.get(route.path)
    assert response.status_code == 200
    assert response.json()["results"] == [] == drf_list_results(route, {})


def test_study_with_null_relations_empty_lists_and_unicode(api_client):
    study = factories.StudyFactory(
        title=ODD_TEXT, therapy=None, year=None, findings=ODD_TEXT
    )
    assert study.publication_id is None
    body = _both_ways(api_client, _route("studies"), study)
    assert body["therapy"] is None and body["publication"] is None
    assert body["conditions"] == [] and body["model_systems"] == []
    assert body["title"] == ODD_TEXT


def test_trial_with_floats_unicode_and_related_lists(api_client):
    conditions = factories.ConditionFactory.create_batch(3)
    trial = factories.ClinicalTrialFactory(
        dose_low=2.5e-7,
        dose_high=0.1,
        dose_unit="cells/kg",
        dose_as_printed=ODD_TEXT,
        conditions=conditions,
        outcome_classes=["safety", "efficacy"],
        flags=["dose_unit"],
    )
    body = _both_ways(api_client, _route("trials"), trial)
    assert body["dose_low"] == 2.5e-7 and body["dose_high"] == 0.1
    assert [c["slug"] for c in body["conditions"]] == sorted(c.slug for c in conditions)
    assert body["provenance"]["flags"] == ["dose_unit"]


def test_trial_count_with_and_without_a_date(api_client):
    dated = factories.TrialCountSnapshotFactory(accessed=datetime.date(2021, 3, 4))
    undated = factories.TrialCountSnapshotFactory(accessed=None)
    route = _route("trial-counts")
    assert _both_ways(api_client, route, dated)["accessed"] == "2021-03-04"
    assert _both_ways(api_client, route, undated)["accessed"] is None


def test_vocabulary_with_null_parent_and_lists(api_client):
    parent = factories.ConditionFactory(synonyms=[ODD_TEXT, ""])
    child = factories.ConditionFactory(parent=parent, synonyms=[])
    route = _route("conditions")
    assert _both_ways(api_client, route, parent)["parent"] is None
    assert _both_ways(api_client, route, child)["parent"]["slug"] == parent.slug
    publication = factories.PublicationFactory(
        title=ODD_TEXT, author_names=[{"family": "Müller", "given": ""}], year=None
    )
    body = _both_ways(api_client, _route("publications"), publication)
    assert body["author_names"] == [{"family": "Müller", "given": ""}]
    therapy = factories.TherapyFactory(cell_source=None, parent=None)
    body = _both_ways(api_client, _route("therapies"), therapy)
    assert body["cell_source"] is None and body["parent"] is None


# --- Fields the plan does not compile fall back to DRF --------------------------------


def _seen_by(serializer, obj) -> str:
    return f"{serializer.context['request'].path}#{obj.pk}"


class SeenConditionBrief(ConditionBriefSerializer):
    """A brief form with a field that reads the request (bound per request)."""

    seen_by = serializers.SerializerMethodField()

    class Meta(ConditionBriefSerializer.Meta):
        fields = [*ConditionBriefSerializer.Meta.fields, "seen_by"]

    get_seen_by = _seen_by


class SeenTherapyBrief(TherapyBriefSerializer):
    seen_by = serializers.SerializerMethodField()

    class Meta(TherapyBriefSerializer.Meta):
        fields = [*TherapyBriefSerializer.Meta.fields, "seen_by"]

    get_seen_by = _seen_by


class OddTrialSerializer(TrialSerializer):
    """A trial with fields of every kind the plan leaves to DRF."""

    conditions = BriefRelatedField(
        SeenConditionBrief, queryset=Condition.objects.all(), many=True
    )
    therapy = BriefRelatedField(SeenTherapyBrief, queryset=Therapy.objects.all())
    seen_by = serializers.SerializerMethodField()
    updated = serializers.DateTimeField(read_only=True)
    dose = serializers.DecimalField(
        source="dose_low", max_digits=12, decimal_places=4, read_only=True
    )
    therapy_name = serializers.CharField(source="therapy.name", read_only=True)
    cell_name = serializers.CharField(source="therapy.cell_source.name", read_only=True)
    label = serializers.CharField(source="__str__", read_only=True)
    condition_ids = serializers.PrimaryKeyRelatedField(
        source="conditions", many=True, read_only=True
    )
    review_slug = serializers.SlugRelatedField(
        source="source_review", slug_field="slug", read_only=True
    )

    class Meta(TrialSerializer.Meta):
        fields = [
            *TrialSerializer.Meta.fields,
            "seen_by",
            "updated",
            "dose",
            "therapy_name",
            "cell_name",
            "label",
            "condition_ids",
            "review_slug",
        ]

    get_seen_by = _seen_by


def test_fallback_fields_equal_drf():
    factories.ClinicalTrialFactory(
        dose_low=12.3456, dose_unit="mg", therapy__cell_source=None
    )
    factories.ClinicalTrialFactory(
        conditions=factories.ConditionFactory.create_batch(2)
    )
    view = view_for(_route("trials"), "list")
    context = view.get_serializer_context()
    records = list(ClinicalTrial.objects.with_list_related().order_by("pk"))
    fast = fastread.represent(OddTrialSerializer, records, context=context, many=True)
    drf = OddTrialSerializer(records, many=True, context=context).data
    assert json.loads(FastJSONRenderer().render(fast)) == drf_json(drf)
    assert fast[0]["seen_by"] == f"/api/trials/#{records[0].pk}"
    assert "cell_name" not in fast[0]  # DRF skips a dotted source through a null
    assert fast[1]["conditions"][0]["seen_by"].startswith("/api/trials/#")
    assert fast[1]["therapy"]["seen_by"] == f"/api/trials/#{records[1].therapy_id}"
    one = fastread.represent(OddTrialSerializer, records[1], context=context)
    assert one == json.loads(json.dumps(drf[1]))  # the same keys and values


class _Values:
    numbers = [1, None, "3", True]
    words = ["a", 2, None]
    amounts = ["1.5", 2]
    missing = None


class ListFieldsSerializer(serializers.Serializer):
    """List fields of plain values (compiled) and of others (left to DRF)."""

    numbers = serializers.ListField(child=serializers.IntegerField())
    words = serializers.ListField(child=serializers.CharField())
    amounts = serializers.ListField(
        child=serializers.DecimalField(max_digits=6, decimal_places=2)
    )
    missing = serializers.ListField(child=serializers.IntegerField())
    default = serializers.ListField(
        source="absent", child=serializers.IntegerField(), default=list
    )


def test_list_fields_equal_drf():
    records = [_Values(), _Values()]
    fast = fastread.represent(ListFieldsSerializer, records, context={}, many=True)
    drf = ListFieldsSerializer(records, many=True, context={}).data
    assert fast == [dict(row) for row in drf]
    assert fast[0]["numbers"] == [1, None, 3, 1]
    assert fast[0]["words"] == ["a", "2", None]
    assert fast[0]["missing"] is None
    plan = fastread.plan_for(ListFieldsSerializer)
    compiled = dict(plan.nodes)
    assert compiled["numbers"].__qualname__.startswith("_list_field_node")
    assert compiled["amounts"].__qualname__.startswith("_fallback_node")


def test_a_serializer_can_opt_out():
    class Plain(OddTrialSerializer):
        fast_read = False

    factories.ClinicalTrialFactory()
    context = view_for(_route("trials"), "list").get_serializer_context()
    records = list(ClinicalTrial.objects.with_list_related())
    fast = fastread.represent(Plain, records, context=context, many=True)
    assert fast == Plain(records, many=True, context=context).data


# --- The encoder ----------------------------------------------------------------------


def test_orjson_bytes_parse_to_drf_json():
    data = {
        "text": ODD_TEXT,
        "numbers": [0, -1, 2**62, 0.1, 1e-7, 1e16, 3.0],
        "nested": {"none": None, "yes": True, "no": False, "empty": [], 1: "int key"},
        "decimal": Decimal("1.50"),
        "date": datetime.date(2021, 3, 4),
        "utc": datetime.datetime(2021, 3, 4, 5, 6, 7, 890, tzinfo=datetime.UTC),
        "naive": datetime.datetime(2021, 3, 4, 5, 6, 7),
        "lazy": gettext_lazy("Search"),
        "big": 2**70,
    }
    fast = FastJSONRenderer().render(data)
    assert json.loads(fast) == json.loads(JSONRenderer().render(data))
    assert b"\\u2028" in fast and b"\\u2029" in fast and "😀".encode() in fast
    plain = {"a": [1, "β", None, True], "b": {"c": "x\ny"}}
    assert FastJSONRenderer().render(plain) == JSONRenderer().render(plain)


def test_indent_is_drf_rendering(api_client):
    factories.EffectFactory()
    response = api_client.get("/api/effects/", HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    assert response.content == JSONRenderer().render(
        response.json(), "application/json; indent=2"
    )


# --- Query counts ---------------------------------------------------------------------


def _queries(api_client, path: str) -> int:
    cache.clear()  # cold: the count cache and the throttle counters are empty
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(path)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


@pytest.mark.parametrize("route", route_params())
def test_list_queries_are_few_and_do_not_grow(api_client, route):
    resource = next(r for r in _resources() if r.path == route.prefix)
    make_rich(resource, 2)
    few = _queries(api_client, route.path)
    make_rich(resource, 20)  # (24 series and phase pairs)
    many = _queries(api_client, route.path)
    assert few == many <= MAX_QUERIES


@pytest.mark.parametrize("route", route_params())
def test_detail_queries_are_few_and_do_not_grow(api_client, route):
    resource = next(r for r in _resources() if r.path == route.prefix)
    make_rich(resource, 1)
    record = route.model.objects.order_by("pk").first()
    few = _queries(api_client, f"{route.path}{record.pk}/")
    for field in route.model._meta.many_to_many:
        related = field.related_model
        extra = [make() for make in [_maker(related)] * 5]
        getattr(record, field.name).add(*extra)
    many = _queries(api_client, f"{route.path}{record.pk}/")
    assert few == many <= MAX_QUERIES


def _resources():
    from tests.api.conftest import RESOURCES

    return RESOURCES


def _maker(model):
    from tests.api.test_query_counts import RELATED_FACTORIES

    return RELATED_FACTORIES[model]


def test_models_of_the_edge_cases_are_routes():
    models = {route.model for route in ROUTES}
    assert {Study, ClinicalTrial, TrialCountSnapshot, Condition, Publication} <= models
    assert Therapy in models
