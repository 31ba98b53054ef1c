"""FilterSets of the secretome app (shared by HTML lists and the API)."""

import django_filters as filters

from evidence.base.filtersets import (
    SearchFilterSet,
    SlugMultipleChoiceFilter,
    cell_source_filter,
    condition_filter,
    include_descendants_filter,
    review_filter,
)
from secretome import choices
from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)


class ComponentFilterSet(SearchFilterSet):
    name_fields = ("name", "abbreviation", "aliases", "slug")
    search_fields = ("name", "slug", "abbreviation", "aliases")

    kind = filters.MultipleChoiceFilter(choices=choices.ComponentKind.choices)
    effect = SlugMultipleChoiceFilter(
        field_name="findings__effect",
        to_field_name="slug",
        queryset=Effect.objects.all(),
        label="Effect",
        distinct=True,
    )
    condition = condition_filter("findings__conditions")
    include_descendants = include_descendants_filter()

    class Meta:
        model = Component
        fields = ["q", "kind", "effect", "condition", "include_descendants"]


class EffectFilterSet(SearchFilterSet):
    name_fields = ("name", "slug")
    search_fields = ("name", "slug", "description")

    class Meta:
        model = Effect
        fields = ["q"]


class ComponentFindingFilterSet(SearchFilterSet):
    name_fields = ("slug",)
    search_fields = ("slug", "statement", "model_as_printed", "component__name")
    vector_fields = ("statement", "model_as_printed")

    component = SlugMultipleChoiceFilter(
        to_field_name="slug", queryset=Component.objects.all(), label="Component"
    )
    kind = filters.MultipleChoiceFilter(
        field_name="component__kind", choices=choices.ComponentKind.choices
    )
    effect = SlugMultipleChoiceFilter(
        to_field_name="slug", queryset=Effect.objects.all(), label="Effect"
    )
    condition = condition_filter()
    include_descendants = include_descendants_filter()
    cell_source = cell_source_filter("cell_source")
    review = review_filter()

    class Meta:
        model = ComponentFinding
        fields = [
            "q",
            "component",
            "kind",
            "effect",
            "condition",
            "include_descendants",
            "cell_source",
            "review",
        ]


class PreconditioningFilterSet(SearchFilterSet):
    name_fields = ("name", "agent", "slug")
    search_fields = ("name", "slug", "agent", "effect_text")

    category = filters.MultipleChoiceFilter(
        choices=choices.PreconditioningCategory.choices
    )
    effect = SlugMultipleChoiceFilter(
        field_name="effects",
        to_field_name="slug",
        queryset=Effect.objects.all(),
        label="Effect",
        distinct=True,
    )

    class Meta:
        model = Preconditioning
        fields = ["q", "category", "effect"]


class GeneticModificationFilterSet(SearchFilterSet):
    name_fields = ("factor_as_printed", "slug")
    search_fields = (
        "slug",
        "factor_as_printed",
        "disease_as_printed",
        "source_as_printed",
    )

    method = filters.MultipleChoiceFilter(choices=choices.ModificationMethod.choices)
    cell_source = cell_source_filter("cell_source")
    condition = condition_filter()
    include_descendants = include_descendants_filter()

    class Meta:
        model = GeneticModification
        fields = ["q", "method", "cell_source", "condition", "include_descendants"]
