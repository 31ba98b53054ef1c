"""Query vocabulary of the shared models: what list views, the API and the admin reuse."""

from __future__ import annotations

from django.db import models
from django.db.models import Count, Prefetch


class CuratedQuerySet(models.QuerySet):
    """Queries common to every record that carries provenance."""

    def with_provenance(self) -> CuratedQuerySet:
        from evidence.models import ReviewReference

        return self.select_related(
            "source_review", "primary_publication"
        ).prefetch_related(
            Prefetch(
                "cited_references",
                queryset=ReviewReference.objects.select_related("review").order_by(
                    "number"
                ),
            )
        )

    def flagged(self) -> CuratedQuerySet:
        return self.exclude(flags=[])

    def with_list_related(self) -> CuratedQuerySet:
        return self.with_provenance()


class PublicationQuerySet(models.QuerySet):
    def reviews(self) -> PublicationQuerySet:
        return self.filter(kind="review")

    def with_list_related(self) -> PublicationQuerySet:
        return self


class ConditionQuerySet(models.QuerySet):
    def with_list_related(self) -> ConditionQuerySet:
        return self

    def with_counts(self) -> ConditionQuerySet:
        return self.annotate(
            trial_count=Count("trials", distinct=True),
            study_count=Count("studies", distinct=True),
        )


class CellSourceQuerySet(models.QuerySet):
    def with_list_related(self) -> CellSourceQuerySet:
        return self

    def with_counts(self) -> CellSourceQuerySet:
        return self.annotate(therapy_count=Count("therapies", distinct=True))


class TherapyQuerySet(CuratedQuerySet):
    def with_list_related(self) -> TherapyQuerySet:
        return self.with_provenance().select_related("cell_source", "parent")

    def cell_based(self) -> TherapyQuerySet:
        return self.filter(modality="cells")

    def cell_free(self) -> TherapyQuerySet:
        return self.exclude(modality="cells")
