"""API viewsets of the vocabulary app (the base they build on: evidence.base.api)."""

from __future__ import annotations

import re

from django.db.models import Q
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework.decorators import action
from rest_framework.response import Response

from evidence import filtersets
from evidence.api import serializers
from evidence.base.api.viewsets import DATABASE_ID, AtlasViewSet, keyed_lookup
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)


class PublicationViewSet(AtlasViewSet):
    """Reviews, primary papers and registry records, by slug, id or DOI."""

    queryset = Publication.objects.with_list_related()
    serializer_class = serializers.PublicationSerializer
    filterset_class = filtersets.PublicationFilterSet
    ordering_fields = ["slug", "doi", "year", "title", "journal", "kind"]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "doi",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The DOI, e.g. 10.1155/2021/2616807 (case-insensitive).",
            )
        ],
        responses=serializers.PublicationSerializer,
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"doi/(?P<doi>.+)",
        url_name="by-doi",
        filter_backends=[],
        pagination_class=None,
    )
    def by_doi(self, request, doi: str):
        """A publication by its DOI."""
        publication = self.get_queryset().filter(doi__iexact=doi).first()
        if publication is None:
            raise Http404(f"No publication has the DOI {doi!r}.")
        return Response(self.representation(publication))


@keyed_lookup("The reference's numeric id, or the review slug and number: foo-2021-12.")
class ReviewReferenceViewSet(AtlasViewSet):
    """Numbered entries of a review's reference list."""

    queryset = ReviewReference.objects.select_related("review", "publication")
    serializer_class = serializers.ReviewReferenceSerializer
    filterset_class = filtersets.ReviewReferenceFilterSet
    ordering_fields = ["review__slug", "number"]

    def lookup_conditions(self, key: str) -> list[Q]:
        conditions = []
        if DATABASE_ID.fullmatch(key):
            conditions.append(Q(pk=int(key)))
        review, _, number = key.rpartition("-")
        if review and re.fullmatch(r"[0-9]{1,5}", number):
            conditions.append(Q(review__slug=review, number=int(number)))
        return conditions


class ConditionViewSet(AtlasViewSet):
    """Diseases and indications."""

    queryset = Condition.objects.with_list_related()
    serializer_class = serializers.ConditionSerializer
    filterset_class = filtersets.ConditionFilterSet
    ordering_fields = ["slug", "name", "category"]


class CellSourceViewSet(AtlasViewSet):
    """Tissues of origin and cell types of cell products."""

    queryset = CellSource.objects.with_list_related()
    serializer_class = serializers.CellSourceSerializer
    filterset_class = filtersets.CellSourceFilterSet
    ordering_fields = ["slug", "name", "tissue", "cell_type", "potency", "species"]


class TherapyViewSet(AtlasViewSet):
    """Products: living cells or cell-free derivatives, with their lineage."""

    queryset = Therapy.objects.with_list_related()
    serializer_class = serializers.TherapySerializer
    filterset_class = filtersets.TherapyFilterSet
    ordering_fields = ["slug", "name", "modality", "donor_type", "cell_source__name"]


class ComparisonPointViewSet(AtlasViewSet):
    """Stem cell vs secretome comparison points (Foo 2021, Table 4)."""

    queryset = ComparisonPoint.objects.with_list_related()
    serializer_class = serializers.ComparisonPointSerializer
    filterset_class = filtersets.ComparisonPointFilterSet
    ordering_fields = ["slug", "aspect", "side", "ordinal"]
