"""Pages that read their ids first (evidence.base.querysets.late_page_rows): the same
rows in the same order as plain slicing, in one query, with the list's joins."""

import pytest
from django.db.models import Count

from evidence.base.querysets import late_page_rows
from tests.factories import ClinicalTrialFactory, ConditionFactory, TherapyFactory
from trials.models import ClinicalTrial

pytestmark = pytest.mark.django_db


@pytest.fixture
def trials():
    therapies = [TherapyFactory(name=f"Therapy {letter}") for letter in "cab"]
    conditions = [ConditionFactory(), ConditionFactory()]
    made = []
    for n in range(23):
        made.append(
            ClinicalTrialFactory(
                therapy=therapies[n % 3],
                phase=["1", "2", "1_2"][n % 3],
                conditions=conditions[: 1 + n % 2],
            )
        )
    return made


ORDERINGS = [
    ("slug",),
    ("-slug",),
    ("therapy__name", "-slug"),
    ("-phase", "pk"),
    (),
]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_every_page_holds_the_rows_of_plain_slicing_in_their_order(trials, ordering):
    base = ClinicalTrial.objects.with_list_related().filter(phase__in=["1", "2"])
    base = base.order_by(*ordering) if ordering else base
    late = late_page_rows(base)
    for start, stop in [(0, 5), (5, 10), (10, 40), (14, 15)]:
        expected = [t.pk for t in base[start:stop]]
        assert [t.pk for t in late[start:stop]] == expected, (ordering, start)


def test_a_page_is_one_query_with_its_joins(trials, django_assert_num_queries):
    late = late_page_rows(
        ClinicalTrial.objects.select_related("therapy__cell_source").order_by("-slug")
    )
    page = late[3:8]
    sql = str(page.query)
    # The ids of the page in a sub-query; the joined columns only for those rows.
    assert "LIMIT 5 OFFSET 3" in sql.replace("  ", " ")
    assert not sql.rstrip().endswith("OFFSET 3")
    with django_assert_num_queries(1):
        names = [(t.slug, t.therapy.name, t.therapy.cell_source_id) for t in page]
    assert [slug for slug, *_ in names] == sorted(
        (t.slug for t in trials), reverse=True
    )[3:8]


def test_prefetches_are_kept(trials, django_assert_num_queries):
    late = late_page_rows(ClinicalTrial.objects.with_list_related().order_by("slug"))
    with django_assert_num_queries(4):  # the page; references, conditions, outcomes
        page = list(late[0:6])
        links = [len(t.conditions.all()) for t in page]
    assert links == [
        len(t.conditions.all()) for t in ClinicalTrial.objects.order_by("slug")[:6]
    ]


def test_other_querysets_slice_as_usual(trials):
    counted = late_page_rows(
        ClinicalTrial.objects.annotate(n=Count("conditions")).order_by("slug")
    )
    assert "IN (SELECT" not in str(counted[0:3].query)
    assert [t.n for t in counted[0:3]] == [
        t.conditions.count() for t in ClinicalTrial.objects.order_by("slug")[:3]
    ]
    distinct = late_page_rows(
        ClinicalTrial.objects.filter(conditions__isnull=False)
        .distinct()
        .order_by("slug")
    )
    assert len(list(distinct[0:30])) == 23
    values = late_page_rows(ClinicalTrial.objects.order_by("slug")).values("slug")
    assert [row["slug"] for row in values[0:2]] == sorted(t.slug for t in trials)[:2]
    # Single items and open-ended slices: as usual too.
    late = late_page_rows(ClinicalTrial.objects.order_by("slug"))
    assert late[0].slug == min(t.slug for t in trials)
    assert len(list(late[20:])) == 3
