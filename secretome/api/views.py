"""API viewsets of the secretome app."""

from evidence.base.api.viewsets import AtlasViewSet
from secretome import filtersets
from secretome.api import serializers
from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)


class ComponentViewSet(AtlasViewSet):
    """Secreted components: growth factors, cytokines, miRNAs, EVs ..."""

    queryset = Component.objects.with_list_related()
    serializer_class = serializers.ComponentSerializer
    filterset_class = filtersets.ComponentFilterSet
    ordering_fields = ["slug", "name", "kind", "finding_count"]


class EffectViewSet(AtlasViewSet):
    """Therapeutic mechanisms: angiogenesis, immunomodulation ..."""

    queryset = Effect.objects.all()
    serializer_class = serializers.EffectSerializer
    filterset_class = filtersets.EffectFilterSet
    ordering_fields = ["slug", "name"]


class FindingViewSet(AtlasViewSet):
    """Evidence items: component X -> effect Y in model Z."""

    queryset = ComponentFinding.objects.with_list_related()
    serializer_class = serializers.FindingSerializer
    filterset_class = filtersets.ComponentFindingFilterSet
    ordering_fields = ["slug", "component__name", "effect__name"]


class PreconditioningViewSet(AtlasViewSet):
    """Strategies that modulate the secretome or its yield."""

    # with_list_related() of curated records does not prefetch `effects`.
    queryset = Preconditioning.objects.with_list_related().prefetch_related("effects")
    serializer_class = serializers.PreconditioningSerializer
    filterset_class = filtersets.PreconditioningFilterSet
    ordering_fields = ["slug", "name", "category"]


class GeneticModificationViewSet(AtlasViewSet):
    """Factors overexpressed in MSCs (Foo 2021, Table 5)."""

    queryset = GeneticModification.objects.with_list_related()
    serializer_class = serializers.GeneticModificationSerializer
    filterset_class = filtersets.GeneticModificationFilterSet
    ordering_fields = ["slug", "factor_as_printed", "method"]
