"""Downloads read from `values_list()` (evidence/base/export_values.py) give the same
cells as django-tables2 over model instances, for every list, sorted and filtered, on the
test world and on the curated dataset; so the CSV and JSON texts are unchanged."""

import pytest
from django.test import RequestFactory
from django_tables2 import RequestConfig

from evidence.base import exports
from evidence.base.export_values import table_value_rows
from evidence.views import (
    CellSourceListView,
    ConditionListView,
    PublicationListView,
    TherapyListView,
)
from secretome.views import (
    ComponentListView,
    GeneticModificationListView,
    PreconditioningListView,
)
from trials.tables import TrialTable
from trials.views import StudyListView, TrialListView

LISTS = [
    (TrialListView, "/trials/", {}),
    (TrialListView, "/trials/", {"sort": "-cell_source"}),
    (TrialListView, "/trials/", {"modality": "cells", "sort": "therapy"}),
    (StudyListView, "/studies/", {}),
    (StudyListView, "/studies/", {"sort": "-doi"}),
    (PublicationListView, "/publications/", {"sort": "-year"}),
    (ConditionListView, "/conditions/", {"sort": "-trial_count"}),
    (CellSourceListView, "/cell-sources/", {}),
    (TherapyListView, "/therapies/", {"sort": "parent"}),
    (ComponentListView, "/secretome/", {"sort": "-finding_count"}),
    (PreconditioningListView, "/preconditioning/", {}),
    (GeneticModificationListView, "/genetic-modifications/", {"sort": "component"}),
]


def download_table(view_class, path, params, table_class=None):
    request = RequestFactory().get(path, params)
    view = view_class()
    view.setup(request)
    view.filterset = view.get_filterset(view.get_filterset_class())
    assert not view.filterset.is_bound or view.filterset.is_valid()
    table_class = table_class or view.get_table_class()
    table = table_class(view.filterset.qs, default="")
    RequestConfig(request, paginate=False).configure(table)
    return table


def compare(view_class, path, params, *, chunk_size):
    table = download_table(view_class, path, params)
    names, _, reference = exports.table_rows(table)  # django-tables2's BoundRow cells
    reference = list(reference)
    fast = table_value_rows(table, names, chunk_size=chunk_size)
    assert fast is not None, f"{path} fell back to model instances"
    fast = list(fast)
    sort = params.get("sort", "").lstrip("-")
    if not sort:  # the model's ordering: a total order
        assert fast == reference
        return reference
    # Rows that tie on the sort key come in the database's order, which two queries
    # need not share (PostgreSQL): the same rows, in the same order of the key.
    column = names.index(sort)
    assert [row[column] for row in fast] == [row[column] for row in reference]
    assert sorted(fast, key=repr) == sorted(reference, key=repr)
    return reference


@pytest.mark.parametrize(("view_class", "path", "params"), LISTS)
def test_value_rows_are_django_tables2_cells_on_the_world(
    world, view_class, path, params
):
    rows = compare(view_class, path, params, chunk_size=2)  # many chunks
    assert rows, "the world should give rows"


def test_a_new_record_method_reads_a_light_record(world):
    class Table(TrialTable):
        def value_route(self, record):
            return f"{record.route}/{record.therapy}"

    table = download_table(TrialListView, "/trials/", {}, Table)
    names, _, reference = exports.table_rows(table)
    reference = list(reference)
    fast = table_value_rows(table, names, chunk_size=2)
    assert fast is not None
    assert list(fast) == reference
    route = names.index("route")
    assert {row[route] for row in reference} >= {
        f"{t.route}/{t.therapy}" for t in world.trials.values()
    }


def test_a_method_asking_for_the_bound_row_takes_the_instance_path(world):
    class Table(TrialTable):
        def value_route(self, bound_row):
            return bound_row.record.slug

    table = download_table(TrialListView, "/trials/", {}, Table)
    names, _, _ = exports.table_rows(table, ())
    assert table_value_rows(table, names, chunk_size=2) is None
    names, _, rows = exports.download_rows(table)
    reference = list(exports.table_rows(table)[2])
    assert list(rows) == reference
    route = names.index("route")
    assert {row[route] for row in reference} == {t.slug for t in world.trials.values()}


# After the world's tests: the curated dataset stays loaded to the end of the module.
@pytest.mark.django_db
@pytest.mark.usefixtures("curated_dataset")
@pytest.mark.parametrize(("view_class", "path", "params"), LISTS)
def test_value_rows_are_django_tables2_cells_on_the_curated_dataset(
    view_class, path, params
):
    rows = compare(view_class, path, params, chunk_size=exports.CHUNK_SIZE)
    assert rows, "the curated dataset has rows in every list"
