"""API viewsets of the shared vocabulary, and the base every app's viewsets build on."""

from __future__ import annotations

import hashlib
import re

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.http import Http404, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView
from simple_history.utils import update_change_reason

from evidence import filtersets
from evidence.api import serializers
from evidence.api.renderers import CSVRenderer
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)

_DATABASE_ID = re.compile(r"[0-9]{1,18}")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Other records still refer to this one."
    default_code = "conflict"


def keyed_lookup(description: str):
    """Document the `key` path parameter of every detail operation."""
    parameter = OpenApiParameter(
        "key", OpenApiTypes.STR, OpenApiParameter.PATH, description=description
    )
    operations = ("retrieve", "update", "partial_update", "destroy")
    return extend_schema_view(
        **{op: extend_schema(parameters=[parameter]) for op in operations}
    )


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it."
    default_code = "precondition_failed"


def record_etag(instance) -> str:
    """A strong validator of one record: changes whenever the record is saved."""
    stamp = getattr(instance, "updated", None)
    token = f"{instance.pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha256(token.encode()).hexdigest()[:20] + '"'


@keyed_lookup("The record's slug or numeric id.")
class AtlasViewSet(viewsets.ModelViewSet):
    """List, detail and curator writes of one model.

    Detail routes take a natural key or the database id as `key`. Writes run in a
    transaction; a database error becomes a 400 and a protected delete a 409, never a 500.
    """

    lookup_url_kwarg = "key"

    def lookup_conditions(self, key: str) -> list[Q]:
        """Conditions tried in turn to find the record named by `key`."""
        conditions = [Q(slug=key)]
        if _DATABASE_ID.fullmatch(key):
            conditions.append(Q(pk=int(key)))
        return conditions

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        key = self.kwargs[self.lookup_url_kwarg]
        for condition in self.lookup_conditions(key):
            obj = queryset.filter(condition).first()
            if obj is not None:
                self.check_object_permissions(self.request, obj)
                return obj
        raise Http404(f"No {queryset.model._meta.verbose_name} matches {key!r}.")

    def after_save(self, instance) -> None:
        """Workflow run after a create or update (derived fields, for instance)."""

    def change_reason(self) -> str:
        """The history's reason: channel `api`, plus the client's X-Change-Reason."""
        reason = self.request.headers.get("X-Change-Reason", "").strip()[:80]
        return f"api: {reason}" if reason else "api"

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = record_etag(instance)
        return response

    def check_if_match(self, instance) -> None:
        """Refuse a write based on a stale copy (no lost updates): 412 on a mismatch."""
        expected = self.request.headers.get("If-Match")
        if expected and expected.strip() not in ("*", record_etag(instance)):
            raise PreconditionFailed(
                "The record changed since you read it (ETag mismatch). GET it again, "
                "re-apply your change and send it with the new ETag in If-Match."
            )

    def _save(self, serializer) -> None:
        if serializer.instance is not None:
            self.check_if_match(serializer.instance)
        try:
            with transaction.atomic():
                instance = serializer.save()
                if hasattr(instance, "history"):
                    update_change_reason(instance, self.change_reason())
                self.after_save(instance)
        except IntegrityError as exc:
            raise ValidationError(
                {"non_field_errors": [f"The database refused the record: {exc}"]}
            ) from exc
        # Re-read with the list query so the response shows annotations and relations.
        serializer.instance = self.get_queryset().get(pk=instance.pk)

    def perform_create(self, serializer) -> None:
        self._save(serializer)

    def perform_update(self, serializer) -> None:
        self._save(serializer)

    def perform_destroy(self, instance) -> None:
        self.check_if_match(instance)
        instance._change_reason = self.change_reason()
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            blocking = sorted({str(obj) for obj in exc.args[1]})[:10]
            raise Conflict(
                f"Other records still refer to this one: {'; '.join(blocking)}."
            ) from exc

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON even when CSV was asked for.
        if getattr(response, "exception", False) and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


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
        return Response(self.get_serializer(publication).data)


@keyed_lookup("The reference's numeric id, or the review slug and number: foo-2021-12.")
class ReviewReferenceViewSet(AtlasViewSet):
    """Numbered entries of a review's reference list."""

    queryset = ReviewReference.objects.select_related("review", "publication")
    serializer_class = serializers.ReviewReferenceSerializer
    filterset_class = filtersets.ReviewReferenceFilterSet
    ordering_fields = ["review__slug", "number"]

    def lookup_conditions(self, key: str) -> list[Q]:
        conditions = []
        if _DATABASE_ID.fullmatch(key):
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


class ApiRootView(APIView):
    """Paracrine Atlas API: every resource, the schema and the interactive docs."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    # Resource path -> URL name of its list, given by evidence/api/urls.py.
    resources: dict[str, str] = {}

    @extend_schema(exclude=True)
    def get(self, request, format=None):
        links = {
            path: reverse(name, request=request)
            for path, name in self.resources.items()
        }
        links["schema"] = reverse("api-schema", request=request)
        links["docs"] = reverse("api-docs", request=request)
        return Response(links)


def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """An unknown path under /api/."""
    return JsonResponse({"detail": "Not found."}, status=404)
