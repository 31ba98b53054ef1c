"""Serializers of secreted components, effects, findings and secretome modulation."""

from rest_framework import serializers

from evidence.base.api.serializers import (
    BriefRelatedField,
    CellSourceBriefSerializer,
    ConditionBriefSerializer,
    CuratedSerializer,
    VocabularySerializer,
    detail_url,
)
from evidence.models import CellSource, Condition
from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)
from trials.api.serializers import ModelSystemBriefSerializer
from trials.models import ModelSystem


class ComponentBriefSerializer(serializers.ModelSerializer):
    url = detail_url("secretome-api:component-detail")

    class Meta:
        model = Component
        fields = ["url", "id", "slug", "name", "kind"]


class EffectBriefSerializer(serializers.ModelSerializer):
    url = detail_url("secretome-api:effect-detail")

    class Meta:
        model = Effect
        fields = ["url", "id", "slug", "name"]


class FindingBriefSerializer(serializers.ModelSerializer):
    url = detail_url("secretome-api:finding-detail")

    class Meta:
        model = ComponentFinding
        fields = ["url", "id", "slug", "statement"]


class PreconditioningBriefSerializer(serializers.ModelSerializer):
    url = detail_url("secretome-api:preconditioning-detail")

    class Meta:
        model = Preconditioning
        fields = ["url", "id", "slug", "name", "category"]


class GeneticModificationBriefSerializer(serializers.ModelSerializer):
    url = detail_url("secretome-api:genetic-modification-detail")

    class Meta:
        model = GeneticModification
        fields = ["url", "id", "slug", "factor_as_printed", "method"]


def _optional(brief, queryset) -> BriefRelatedField:
    return BriefRelatedField(brief, queryset=queryset, allow_null=True, required=False)


def _many(brief, queryset) -> BriefRelatedField:
    return BriefRelatedField(brief, queryset=queryset, many=True, required=False)


class ComponentSerializer(VocabularySerializer):
    """A secreted component, with its number of findings."""

    url = detail_url("secretome-api:component-detail")
    aliases = serializers.ListField(child=serializers.CharField(), required=False)
    finding_count = serializers.IntegerField(
        read_only=True, help_text="Number of component findings."
    )

    class Meta:
        model = Component
        fields = [
            "url",
            "id",
            "slug",
            "name",
            "abbreviation",
            "kind",
            "aliases",
            "finding_count",
        ]


class EffectSerializer(VocabularySerializer):
    """A therapeutic mechanism."""

    url = detail_url("secretome-api:effect-detail")

    class Meta:
        model = Effect
        fields = ["url", "id", "slug", "name", "description"]


class FindingSerializer(CuratedSerializer):
    """An evidence item: component -> effect in a model."""

    url = detail_url("secretome-api:finding-detail")
    component = BriefRelatedField(
        ComponentBriefSerializer, queryset=Component.objects.all()
    )
    effect = _optional(EffectBriefSerializer, Effect.objects.all())
    conditions = _many(ConditionBriefSerializer, Condition.objects.all())
    model_systems = _many(ModelSystemBriefSerializer, ModelSystem.objects.all())
    cell_source = _optional(CellSourceBriefSerializer, CellSource.objects.all())

    class Meta:
        model = ComponentFinding
        fields = [
            "url",
            "id",
            "slug",
            "component",
            "effect",
            "conditions",
            "model_systems",
            "model_as_printed",
            "cell_source",
            "statement",
            "provenance",
        ]


class PreconditioningSerializer(CuratedSerializer):
    """A strategy that modulates the secretome."""

    url = detail_url("secretome-api:preconditioning-detail")
    effects = _many(EffectBriefSerializer, Effect.objects.all())

    class Meta:
        model = Preconditioning
        fields = [
            "url",
            "id",
            "slug",
            "name",
            "category",
            "agent",
            "effect_text",
            "effects",
            "provenance",
        ]


class GeneticModificationSerializer(CuratedSerializer):
    """A factor overexpressed in MSCs, with the disease model tested."""

    url = detail_url("secretome-api:genetic-modification-detail")
    component = _optional(ComponentBriefSerializer, Component.objects.all())
    cell_source = _optional(CellSourceBriefSerializer, CellSource.objects.all())
    conditions = _many(ConditionBriefSerializer, Condition.objects.all())

    class Meta:
        model = GeneticModification
        fields = [
            "url",
            "id",
            "slug",
            "factor_as_printed",
            "component",
            "cell_source",
            "source_as_printed",
            "method",
            "method_as_printed",
            "conditions",
            "disease_as_printed",
            "provenance",
        ]
