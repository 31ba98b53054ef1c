"""FilterSets of the vocabulary app, shared by its HTML lists and its API."""

import django_filters as filters

from evidence import choices
from evidence.base.filtersets import (
    SearchFilterSet,
    SlugMultipleChoiceFilter,
    StrictBooleanFilter,
    cell_source_filter,
    review_filter,
)
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)


class PublicationFilterSet(SearchFilterSet):
    name_fields = ("doi", "pmid", "slug", "title")
    search_fields = ("title", "authors", "doi", "journal", "slug")
    vector_fields = ("title", "authors", "journal")

    kind = filters.MultipleChoiceFilter(choices=choices.PublicationKind.choices)
    year_min = filters.NumberFilter(
        field_name="year", lookup_expr="gte", label="From year"
    )
    year_max = filters.NumberFilter(
        field_name="year", lookup_expr="lte", label="To year"
    )
    doi = filters.CharFilter(
        field_name="doi", lookup_expr="iexact", label="DOI", max_length=200
    )

    class Meta:
        model = Publication
        fields = ["q", "kind", "year_min", "year_max", "doi"]


class ReviewReferenceFilterSet(SearchFilterSet):
    search_fields = ("citation_as_printed", "publication__title", "publication__doi")

    review = SlugMultipleChoiceFilter(
        queryset=Publication.objects.filter(kind=choices.PublicationKind.REVIEW),
        label="Review",
    )
    number = filters.NumberFilter(label="Reference number")
    resolved = StrictBooleanFilter(
        field_name="publication", lookup_expr="isnull", exclude=True, label="Resolved"
    )

    class Meta:
        model = ReviewReference
        fields = ["q", "review", "number", "resolved"]


class ConditionFilterSet(SearchFilterSet):
    name_fields = ("name", "synonyms", "slug")
    search_fields = ("name", "slug", "synonyms")

    category = filters.MultipleChoiceFilter(choices=choices.ConditionCategory.choices)

    class Meta:
        model = Condition
        fields = ["q", "category"]


class CellSourceFilterSet(SearchFilterSet):
    name_fields = ("name", "slug")
    search_fields = ("name", "slug", "tissue", "cell_type")

    potency = filters.MultipleChoiceFilter(choices=choices.Potency.choices)
    species = filters.MultipleChoiceFilter(choices=choices.Species.choices)

    class Meta:
        model = CellSource
        fields = ["q", "potency", "species"]


class TherapyFilterSet(SearchFilterSet):
    name_fields = ("name", "brand_name", "slug")
    search_fields = ("name", "slug", "brand_name", "description", "cell_source__name")
    vector_fields = ("name", "brand_name", "description")

    modality = filters.MultipleChoiceFilter(choices=choices.Modality.choices)
    donor_type = filters.MultipleChoiceFilter(choices=choices.DonorType.choices)
    cell_source = cell_source_filter("cell_source")
    review = review_filter()

    class Meta:
        model = Therapy
        fields = ["q", "modality", "cell_source", "donor_type", "review"]


class ComparisonPointFilterSet(SearchFilterSet):
    search_fields = ("text",)

    aspect = filters.MultipleChoiceFilter(choices=choices.ComparisonAspect.choices)
    side = filters.MultipleChoiceFilter(choices=choices.ComparisonSide.choices)
    review = review_filter()

    class Meta:
        model = ComparisonPoint
        fields = ["q", "aspect", "side", "review"]
