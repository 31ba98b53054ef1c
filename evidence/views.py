"""Researcher pages of the vocabulary app: its lists, and the base of every record
page with a Cite box."""

from __future__ import annotations

from django.views.generic import DetailView

from evidence.base.facets import PROVENANCE_PATHS
from evidence.base.views import AtlasListView
from evidence.filtersets import (
    CellSourceFilterSet,
    ConditionFilterSet,
    PublicationFilterSet,
    TherapyFilterSet,
)
from evidence.models import CellSource, Condition, Publication, Therapy
from evidence.querysets import with_latest_release
from evidence.tables import (
    CellSourceTable,
    ConditionTable,
    PublicationTable,
    TherapyTable,
)


class CitedDetailView(DetailView):
    """A record page with a Cite box: the latest release, which the box names, rides
    in the record's own query (evidence/templatetags/citations.py)."""

    def get_object(self, queryset=None):
        if queryset is None:
            queryset = self.get_queryset()
        return super().get_object(with_latest_release(queryset))


#
# Publications
#


class PublicationListView(AtlasListView):
    filterset_class = PublicationFilterSet
    table_class = PublicationTable
    title = "Publications"
    noun = "publications"
    noun_one = "publication"
    intro = "The two source reviews, the primary papers they cite and registry records."
    citation_paths = ("pk",)

    def get_queryset(self):
        return Publication.objects.with_list_related()


#
# Conditions
#


class ConditionListView(AtlasListView):
    filterset_class = ConditionFilterSet
    table_class = ConditionTable
    title = "Conditions"
    noun = "conditions"
    noun_one = "condition"
    intro = "Diseases and indications; open one to compare cell-based and cell-free evidence."
    citation_paths = tuple(
        f"{relation}__{path}"
        for relation in ("trials", "studies")
        for path in PROVENANCE_PATHS
    )

    def get_queryset(self):
        return Condition.objects.with_list_related().with_counts()


#
# Cell sources
#


class CellSourceListView(AtlasListView):
    filterset_class = CellSourceFilterSet
    table_class = CellSourceTable
    title = "Cell sources"
    noun = "cell sources"
    noun_one = "cell source"
    intro = "Tissue of origin and cell type of the products."
    citation_paths = tuple(f"therapies__{path}" for path in PROVENANCE_PATHS)

    def get_queryset(self):
        return CellSource.objects.with_list_related().with_counts()


#
# Therapies
#


class TherapyListView(AtlasListView):
    filterset_class = TherapyFilterSet
    table_class = TherapyTable
    title = "Therapies"
    noun = "therapies"
    noun_one = "therapy"
    intro = "Products: living cells and the cell-free products made from them."

    def get_queryset(self):
        return Therapy.objects.with_list_related().with_counts()
