"""`evidence.base.prefetch.split_links` / `prefetch_links`: a page's many-to-many
relations as Django's prefetch leaves them (same records, same order, related keys
read along), one query per relation, and the related managers still right."""

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from evidence.base.prefetch import LinkedRows, prefetch_links, split_links
from evidence.base.querysets import prefetched
from evidence.models import Condition
from tests import factories
from trials.models import ClinicalTrial

pytestmark = pytest.mark.django_db


@pytest.fixture
def trials():
    zeta, alpha, mid = (
        factories.ConditionFactory(name=name) for name in ("Zeta", "Alpha", "Mid")
    )
    first = factories.ClinicalTrialFactory()
    first.conditions.set([zeta, alpha, mid])
    first.cited_references.set(factories.ReviewReferenceFactory.create_batch(2))
    second = factories.ClinicalTrialFactory()
    second.conditions.set([mid])
    bare = factories.ClinicalTrialFactory()
    bare.conditions.clear()
    return [first, second, bare]


def test_the_same_records_in_the_same_order_as_djangos_prefetch(trials):
    queryset = ClinicalTrial.objects.with_list_related().order_by("pk")
    expected = {
        trial.pk: {
            name: [row.pk for row in getattr(trial, name).all()]
            for name in ("conditions", "outcome_classes", "cited_references")
        }
        for trial in queryset
    }
    light, links = split_links(queryset)
    assert {name for name, *_ in links} == {
        "conditions",
        "outcome_classes",
        "cited_references",
    }
    assert light._prefetch_related_lookups == ()
    records = list(light)
    with CaptureQueriesContext(connection) as queries:
        prefetch_links(records, links)
    assert len(queries) == len(links)
    found = {
        trial.pk: {
            name: [row.pk for row in prefetched(trial, name)]
            for name in ("conditions", "outcome_classes", "cited_references")
        }
        for trial in records
    }
    assert found == expected
    first = records[0]
    assert [c.name for c in prefetched(first, "conditions")] == ["Alpha", "Mid", "Zeta"]
    assert prefetched(records[2], "conditions") == []
    # The reference's review came along: no query to read it.
    with CaptureQueriesContext(connection) as queries:
        reviews = [ref.review.slug for ref in prefetched(first, "cited_references")]
    assert len(queries) == 0 and len(reviews) == 2


def test_the_managers_read_the_rows_and_still_filter_by_record(trials):
    light, links = split_links(ClinicalTrial.objects.with_list_related())
    records = sorted(light, key=lambda trial: trial.pk)
    prefetch_links(records, links)
    first, second, _ = records
    assert isinstance(first.__dict__["_prefetched_objects_cache"], LinkedRows)
    with CaptureQueriesContext(connection) as queries:
        names = [c.name for c in first.conditions.all()]
    assert names == ["Alpha", "Mid", "Zeta"] and len(queries) == 0
    # A new query through the manager is the record's own, not every condition.
    assert list(
        first.conditions.filter(name="Zeta").values_list("name", flat=True)
    ) == ["Zeta"]
    assert list(second.conditions.values_list("name", flat=True)) == ["Mid"]
    assert Condition.objects.count() > second.conditions.count()


def test_a_filtered_prefetch_is_left_to_django(trials):
    queryset = ClinicalTrial.objects.prefetch_related(
        Prefetch("conditions", queryset=Condition.objects.filter(name="Mid")),
        "outcome_classes",
    )
    light, links = split_links(queryset)
    assert [name for name, *_ in links] == ["outcome_classes"]
    (kept,) = light._prefetch_related_lookups
    assert kept.prefetch_to == "conditions"
    records = list(light)
    prefetch_links(records, links)
    assert {
        trial.pk: [c.name for c in trial.conditions.all()] for trial in records
    } == {
        trials[0].pk: ["Mid"],
        trials[1].pk: ["Mid"],
        trials[2].pk: [],
    }


@pytest.mark.parametrize(
    ("narrowed", "loaded"),
    [
        (lambda qs: qs.only("name"), {"id", "name"}),
        (lambda qs: qs.only("slug", "name"), {"id", "slug", "name"}),
        (
            lambda qs: qs.defer("curator_note", "created"),
            {f.attname for f in Condition._meta.concrete_fields}
            - {"curator_note", "created"},
        ),
    ],
)
def test_a_prefetch_with_only_or_defer_reads_those_fields(trials, narrowed, loaded):
    lookup = Prefetch(
        "conditions", queryset=narrowed(Condition.objects.order_by("name"))
    )
    queryset = ClinicalTrial.objects.prefetch_related(lookup).order_by("pk")
    expected = {
        trial.pk: [(c.pk, c.name) for c in trial.conditions.all()] for trial in queryset
    }
    light, links = split_links(queryset)
    assert [name for name, *_ in links] == ["conditions"]
    records = list(light)
    with CaptureQueriesContext(connection) as queries:
        prefetch_links(records, links)
        found = {
            trial.pk: [(c.pk, c.name) for c in prefetched(trial, "conditions")]
            for trial in records
        }
    assert len(queries) == 1
    assert found == expected
    first = prefetched(records[0], "conditions")[0]
    all_fields = {f.attname for f in Condition._meta.concrete_fields}
    assert first.get_deferred_fields() == all_fields - loaded
    # A field left out still loads when touched (one query), as Django's would.
    left_out = sorted(all_fields - loaded)
    if left_out:
        with CaptureQueriesContext(connection) as queries:
            getattr(first, left_out[0])
        assert len(queries) == 1


def test_a_prefetch_deferring_a_related_field_is_left_to_django(trials):
    lookup = Prefetch(
        "conditions", queryset=Condition.objects.only("name", "parent__name")
    )
    light, links = split_links(ClinicalTrial.objects.prefetch_related(lookup))
    assert links == []


def test_a_prefetch_deferring_the_key_it_joins_is_left_to_django(trials):
    from evidence.models import ReviewReference

    lookup = Prefetch(
        "cited_references",
        queryset=ReviewReference.objects.select_related("review").only("number"),
    )
    light, links = split_links(ClinicalTrial.objects.prefetch_related(lookup))
    assert links == []
