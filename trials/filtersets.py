"""FilterSets of trials, studies and trial counts (shared by HTML lists and the API)."""

import django_filters as filters

from evidence import choices as evidence_choices
from evidence.base.filtersets import (
    SearchFilterSet,
    SlugMultipleChoiceFilter,
    cell_source_filter,
    condition_filter,
    include_descendants_filter,
    review_filter,
)
from evidence.models import Therapy
from trials import choices
from trials.models import (
    ClinicalTrial,
    ModelSystem,
    OutcomeClass,
    Study,
    TrialCountSnapshot,
)


class TrialFilterSet(SearchFilterSet):
    name_fields = ("nct_id", "slug")
    search_fields = (
        "nct_id",
        "slug",
        "design_as_printed",
        "condition_as_printed",
        "outcome_as_printed",
        "therapy__name",
        "conditions__name",
    )
    vector_fields = ("design_as_printed", "condition_as_printed", "outcome_as_printed")

    phase = filters.MultipleChoiceFilter(choices=choices.Phase.choices)
    status = filters.MultipleChoiceFilter(choices=choices.TrialStatus.choices)
    modality = filters.MultipleChoiceFilter(
        field_name="therapy__modality", choices=evidence_choices.Modality.choices
    )
    cell_source = cell_source_filter("therapy__cell_source")
    therapy = SlugMultipleChoiceFilter(
        field_name="therapy",
        to_field_name="slug",
        queryset=Therapy.objects.all(),
        label="Therapy",
    )
    condition = condition_filter()
    include_descendants = include_descendants_filter()
    route = filters.MultipleChoiceFilter(choices=choices.Route.choices)
    outcome = SlugMultipleChoiceFilter(
        field_name="outcome_classes",
        to_field_name="slug",
        queryset=OutcomeClass.objects.all(),
        label="Outcome",
        distinct=True,
    )
    evidence_level = filters.MultipleChoiceFilter(
        choices=evidence_choices.EvidenceLevel.choices
    )
    review = review_filter()

    class Meta:
        model = ClinicalTrial
        fields = [
            "q",
            "phase",
            "status",
            "modality",
            "cell_source",
            "therapy",
            "condition",
            "include_descendants",
            "route",
            "outcome",
            "evidence_level",
            "review",
        ]


class StudyFilterSet(SearchFilterSet):
    name_fields = ("title", "slug")
    search_fields = (
        "slug",
        "title",
        "authors_as_printed",
        "condition_as_printed",
        "findings",
        "cell_as_printed",
        "publication__doi",
        "conditions__name",
    )
    vector_fields = ("title", "findings", "condition_as_printed")

    stage = filters.MultipleChoiceFilter(choices=choices.StudyStage.choices)
    model = SlugMultipleChoiceFilter(
        field_name="model_systems",
        to_field_name="slug",
        queryset=ModelSystem.objects.all(),
        label="Model system",
        distinct=True,
    )
    condition = condition_filter()
    include_descendants = include_descendants_filter()
    modality = filters.MultipleChoiceFilter(
        field_name="therapy__modality", choices=evidence_choices.Modality.choices
    )
    cell_source = cell_source_filter("therapy__cell_source")
    therapy = SlugMultipleChoiceFilter(
        field_name="therapy",
        to_field_name="slug",
        queryset=Therapy.objects.all(),
        label="Therapy",
    )
    year_min = filters.NumberFilter(
        field_name="year", lookup_expr="gte", label="From year"
    )
    year_max = filters.NumberFilter(
        field_name="year", lookup_expr="lte", label="To year"
    )
    evidence_level = filters.MultipleChoiceFilter(
        choices=evidence_choices.EvidenceLevel.choices
    )
    review = review_filter()

    class Meta:
        model = Study
        fields = [
            "q",
            "stage",
            "model",
            "condition",
            "include_descendants",
            "modality",
            "cell_source",
            "therapy",
            "year_min",
            "year_max",
            "evidence_level",
            "review",
        ]


class TrialCountFilterSet(filters.FilterSet):
    series = filters.MultipleChoiceFilter(choices=choices.TrialCountSeries.choices)
    phase = filters.MultipleChoiceFilter(choices=choices.Phase.choices)

    class Meta:
        model = TrialCountSnapshot
        fields = ["series", "phase"]
