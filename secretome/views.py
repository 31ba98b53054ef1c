"""Researcher pages of the secretome: components, effects, findings, modulation."""

from django.db.models import Prefetch

from evidence.base.facets import PROVENANCE_PATHS
from evidence.base.views import AtlasListView
from evidence.views import CitedDetailView
from secretome.filtersets import (
    ComponentFilterSet,
    GeneticModificationFilterSet,
    PreconditioningFilterSet,
)
from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)
from secretome.tables import (
    ComponentTable,
    GeneticModificationTable,
    PreconditioningTable,
)


class ComponentListView(AtlasListView):
    filterset_class = ComponentFilterSet
    table_class = ComponentTable
    title = "Secretome components"
    noun = "components"
    noun_one = "component"
    intro = "Growth factors, cytokines, miRNAs and vesicles the cells secrete."
    citation_paths = tuple(f"findings__{path}" for path in PROVENANCE_PATHS)


class ComponentDetailView(CitedDetailView):
    template_name = "secretome/component_detail.html"

    def get_queryset(self):
        return Component.objects.prefetch_related(
            Prefetch(
                "findings",
                queryset=ComponentFinding.objects.with_list_related().order_by(
                    "effect__name", "slug"
                ),
            ),
            Prefetch(
                "genetic_modifications",
                queryset=GeneticModification.objects.with_list_related(),
            ),
        )


class EffectDetailView(CitedDetailView):
    template_name = "secretome/effect_detail.html"

    def get_queryset(self):
        return Effect.objects.prefetch_related(
            Prefetch(
                "findings",
                queryset=ComponentFinding.objects.with_list_related().order_by(
                    "component__name", "slug"
                ),
            ),
            Prefetch(
                "preconditionings", queryset=Preconditioning.objects.order_by("name")
            ),
        )


class FindingDetailView(CitedDetailView):
    template_name = "secretome/finding_detail.html"

    def get_queryset(self):
        return ComponentFinding.objects.with_list_related()


def _preconditioning_queryset():
    return Preconditioning.objects.with_list_related().prefetch_related("effects")


class PreconditioningListView(AtlasListView):
    filterset_class = PreconditioningFilterSet
    table_class = PreconditioningTable
    title = "Preconditioning strategies"
    noun = "strategies"
    noun_one = "strategy"
    intro = "Ways to modulate the secretome or its yield before collection."

    def get_queryset(self):
        return _preconditioning_queryset()


class PreconditioningDetailView(CitedDetailView):
    template_name = "secretome/preconditioning_detail.html"

    def get_queryset(self):
        return _preconditioning_queryset()


class GeneticModificationListView(AtlasListView):
    filterset_class = GeneticModificationFilterSet
    table_class = GeneticModificationTable
    title = "Genetic modifications"
    noun = "modifications"
    noun_one = "modification"
    intro = (
        "Factors overexpressed in human MSCs and the disease models tested (Table 5)."
    )


class GeneticModificationDetailView(CitedDetailView):
    template_name = "secretome/geneticmodification_detail.html"

    def get_queryset(self):
        return GeneticModification.objects.with_list_related()
