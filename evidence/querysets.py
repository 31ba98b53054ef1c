"""Query vocabulary of the vocabulary app's models: what list views, the API and the admin reuse."""

from __future__ import annotations

from django.db import models

from evidence.base.querysets import CuratedQuerySet, related_count


class PublicationQuerySet(models.QuerySet):
    def reviews(self) -> PublicationQuerySet:
        return self.filter(kind="review")

    def with_list_related(self) -> PublicationQuerySet:
        return self


class ConditionQuerySet(models.QuerySet):
    def with_list_related(self) -> ConditionQuerySet:
        return self

    def with_counts(self) -> ConditionQuerySet:
        # One correlated count per column from the link tables' indexes, not a join
        # of trials times studies (evidence/base/querysets.py, related_count).
        return self.annotate(
            trial_count=related_count(self.model, "trials"),
            study_count=related_count(self.model, "studies"),
        )


class CellSourceQuerySet(models.QuerySet):
    def with_list_related(self) -> CellSourceQuerySet:
        return self

    def with_counts(self) -> CellSourceQuerySet:
        return self.annotate(therapy_count=related_count(self.model, "therapies"))


class TherapyQuerySet(CuratedQuerySet):
    def with_list_related(self) -> TherapyQuerySet:
        return self.with_provenance().select_related("cell_source", "parent")

    def with_counts(self) -> TherapyQuerySet:
        return self.annotate(
            trial_count=related_count(self.model, "trials"),
            study_count=related_count(self.model, "studies"),
        )

    def cell_based(self) -> TherapyQuerySet:
        return self.filter(modality="cells")

    def cell_free(self) -> TherapyQuerySet:
        return self.exclude(modality="cells")
