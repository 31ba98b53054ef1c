"""Serializers of the vocabulary app's API."""

from __future__ import annotations

from rest_framework import serializers

from evidence.base.api.serializers import (
    AtlasModelSerializer,
    BriefRelatedField,
    CellSourceBriefSerializer,
    ConditionBriefSerializer,
    CuratedSerializer,
    PublicationBriefSerializer,
    TherapyBriefSerializer,
    VocabularySerializer,
    detail_url,
    slug_validator,
)
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)


class AuthorNameSerializer(serializers.Serializer):
    """One author: family and given names ("et al." is the publication's flag)."""

    family = serializers.CharField(max_length=200)
    given = serializers.CharField(max_length=200, allow_blank=True)


class PublicationSerializer(AtlasModelSerializer):
    """A publication."""

    url = detail_url("evidence-api:publication-detail")
    slug = serializers.CharField(max_length=120, validators=[slug_validator])
    author_names = serializers.ListField(
        child=AuthorNameSerializer(), required=False, max_length=500
    )

    def validate_author_names(self, value):
        return [{"family": n["family"], "given": n["given"]} for n in value]

    class Meta:
        model = Publication
        fields = [
            "url",
            "id",
            "slug",
            "doi",
            "doi_url",
            "pmid",
            "title",
            "authors",
            "author_names",
            "et_al",
            "journal",
            "year",
            "volume_pages",
            "volume",
            "issue",
            "first_page",
            "last_page",
            "kind",
            "citation_as_printed",
        ]


class ReviewReferenceSerializer(AtlasModelSerializer):
    """An entry of a review's reference list."""

    url = detail_url("evidence-api:review-reference-detail", lookup_field="pk")
    review = BriefRelatedField(
        PublicationBriefSerializer, queryset=Publication.objects.reviews()
    )
    publication = BriefRelatedField(
        PublicationBriefSerializer,
        queryset=Publication.objects.all(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = ReviewReference
        fields = [
            "url",
            "id",
            "review",
            "number",
            "citation_as_printed",
            "publication",
            "resolution_source",
        ]
        validators = []  # the (review, number) pair is checked by full_clean


class ConditionSerializer(VocabularySerializer):
    """A disease or indication."""

    url = detail_url("evidence-api:condition-detail")
    synonyms = serializers.ListField(child=serializers.CharField(), required=False)
    parent = BriefRelatedField(
        ConditionBriefSerializer,
        queryset=Condition.objects.all(),
        allow_null=True,
        required=False,
        help_text="The broader condition this one is a form of (a slug when written).",
    )

    class Meta:
        model = Condition
        fields = [
            "url",
            "id",
            "slug",
            "name",
            "category",
            "synonyms",
            "parent",
            "is_grouping",
            "curator_note",
        ]


class CellSourceSerializer(VocabularySerializer):
    """A tissue of origin and cell type."""

    url = detail_url("evidence-api:cell-source-detail")

    class Meta:
        model = CellSource
        fields = [
            "url",
            "id",
            "slug",
            "name",
            "tissue",
            "cell_type",
            "potency",
            "species",
        ]


class TherapySerializer(CuratedSerializer):
    """A cell or cell-free product, with its cell source and parent product."""

    url = detail_url("evidence-api:therapy-detail")
    cell_source = BriefRelatedField(
        CellSourceBriefSerializer,
        queryset=CellSource.objects.all(),
        allow_null=True,
        required=False,
    )
    parent = BriefRelatedField(
        TherapyBriefSerializer,
        queryset=Therapy.objects.all(),
        allow_null=True,
        required=False,
        help_text="For a cell-free product: the cell product it is made from.",
    )

    class Meta:
        model = Therapy
        fields = [
            "url",
            "id",
            "slug",
            "name",
            "modality",
            "cell_source",
            "parent",
            "donor_type",
            "preconditioning",
            "genetic_modification",
            "brand_name",
            "market_approvals",
            "description",
            "provenance",
        ]


class ComparisonPointSerializer(CuratedSerializer):
    """A stem cell vs secretome comparison point."""

    url = detail_url("evidence-api:comparison-point-detail")

    class Meta:
        model = ComparisonPoint
        fields = [
            "url",
            "id",
            "slug",
            "aspect",
            "side",
            "ordinal",
            "text",
            "provenance",
        ]
