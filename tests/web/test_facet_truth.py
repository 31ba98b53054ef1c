"""Every facet count of every list is the number of rows its choice would show.

The facet statement (evidence/base/facets.py) counts each facet in SQL: by the raw
column, by a related record's key, or over a many-to-many link table, with or without
DISTINCT. Here each count is checked against the list itself: the FilterSet with that
facet's own selection replaced by the one choice, counted row by row; for no filter,
each facet's first choice selected, and two facets selected at once.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.http import QueryDict

from evidence import registry
from evidence.base import facets
from tests.web.conftest import grow_world

FILTERSETS = sorted(
    {e.filterset for e in registry.entities() if e.filterset is not None},
    key=lambda fs: fs.__qualname__,
)


def facet_names(filterset_class) -> list[str]:
    return [
        name
        for name, spec in filterset_class.base_filters.items()
        if isinstance(spec, facets.FACET_FILTER_TYPES)
    ]


def rows_of(filterset_class, data: QueryDict) -> int:
    model = filterset_class._meta.model
    filterset = filterset_class(data, queryset=model._default_manager.all())
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.distinct().count()


def check(filterset_class, data: QueryDict) -> list[facets.Facet]:
    cache.clear()
    found = facets.facet_counts(filterset_class=filterset_class, data=data)
    for facet in found:
        for option in facet.options:
            chosen = data.copy()
            chosen.setlist(facet.name, [option.value])
            assert option.count == rows_of(filterset_class, chosen), (
                filterset_class.__qualname__,
                data.urlencode(),
                facet.name,
                option.value,
            )
    return found


@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda c: c.__qualname__)
def test_facet_counts_are_the_rows_each_choice_shows(world, filterset_class):
    grow_world(world, 2)
    unfiltered = check(filterset_class, QueryDict())
    if not facet_names(filterset_class):
        pytest.skip(f"{filterset_class.__qualname__} has no facets")
    with_options = [facet for facet in unfiltered if facet.options]
    assert with_options, "the world should give every list's facets some choices"
    # One facet selected: the others count within it, its own over the rest.
    for facet in with_options:
        check(filterset_class, QueryDict(f"{facet.name}={facet.options[0].value}"))
    # Two facets selected at once.
    if len(with_options) >= 2:
        first, second = with_options[0], with_options[-1]
        data = QueryDict(mutable=True)
        data.setlist(first.name, [first.options[0].value])
        data.setlist(second.name, [option.value for option in second.options[:2]])
        check(filterset_class, data)


NUMBER_FILTERS = [
    (filterset_class, name)
    for filterset_class in FILTERSETS
    for name, spec in filterset_class.base_filters.items()
    if type(spec).__name__ == "NumberFilter"
]


@pytest.mark.parametrize(
    ("filterset_class", "name"),
    NUMBER_FILTERS,
    ids=[f"{c.__qualname__}-{n}" for c, n in NUMBER_FILTERS],
)
def test_facets_of_a_number_past_any_range(world, filterset_class, name):
    # A number past any column's range: Django never asks the database (its
    # EmptyResultSet and FullResultSet); every count is still the rows its choice
    # shows, and a filter that selects nothing leaves every facet empty.
    for value in ("99999999999999999999999999", "-99999999999999999999999999"):
        data = QueryDict(f"{name}={value}")
        found = check(filterset_class, data)
        if rows_of(filterset_class, data) == 0:
            assert found and all(not facet.options for facet in found)


def test_a_facet_over_the_choices_key_column_counts_by_value(world):
    # A filter whose path ends at the choices' key column (conditions__slug), not at
    # the relation: counted by that value, labelled from the choices.
    import django_filters

    from evidence.models import Condition
    from trials.filtersets import TrialFilterSet

    class ByConditionSlug(TrialFilterSet):
        condition_slug = django_filters.ModelMultipleChoiceFilter(
            field_name="conditions__slug",
            to_field_name="slug",
            queryset=Condition.objects.all(),
        )

    grow_world(world, 1)
    found = {f.name: f for f in check(ByConditionSlug, QueryDict())}
    by_slug = {o.value: o for o in found["condition_slug"].options}
    by_relation = {o.value: o for o in found["condition"].options}
    assert by_slug and {v: o.count for v, o in by_slug.items()} == {
        v: o.count for v, o in by_relation.items()
    }
    assert {v: o.label for v, o in by_slug.items()} == {
        v: o.label for v, o in by_relation.items()
    }
    check(ByConditionSlug, QueryDict("condition_slug=" + next(iter(by_slug))))
