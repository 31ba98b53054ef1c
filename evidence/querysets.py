"""Query vocabulary of the vocabulary app's models: what list views, the API and the admin reuse."""

from __future__ import annotations

from django.db import models
from django.db.models import Count

from evidence.base.querysets import CuratedQuerySet


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
