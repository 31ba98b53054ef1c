"""Query vocabulary of trials and studies."""

from __future__ import annotations

from django.db.models import Prefetch

from evidence.base.querysets import CuratedQuerySet


class TrialQuerySet(CuratedQuerySet):
    def with_list_related(self) -> TrialQuerySet:
        from evidence.models import Condition
        from trials.models import OutcomeClass

        return (
            self.with_provenance()
            .select_related("therapy", "therapy__cell_source", "therapy__parent")
            .prefetch_related(
                Prefetch("conditions", queryset=Condition.objects.order_by("name")),
                Prefetch(
                    "outcome_classes", queryset=OutcomeClass.objects.order_by("slug")
                ),
            )
        )

    def with_title_related(self) -> TrialQuerySet:
        """What `display_title` reads: the therapy and the conditions (search results,
        the admin's list)."""
        from evidence.models import Condition

        return self.select_related("therapy", "source_review").prefetch_related(
            Prefetch("conditions", queryset=Condition.objects.order_by("name"))
        )

    def cell_based(self) -> TrialQuerySet:
        return self.filter(therapy__modality="cells")

    def cell_free(self) -> TrialQuerySet:
        return self.exclude(therapy__modality="cells")


class StudyQuerySet(CuratedQuerySet):
    def with_list_related(self) -> StudyQuerySet:
        from evidence.models import Condition
        from trials.models import ModelSystem

        return (
            self.with_provenance()
            .select_related("therapy", "therapy__cell_source", "publication")
            .prefetch_related(
                Prefetch("conditions", queryset=Condition.objects.order_by("name")),
                Prefetch(
                    "model_systems", queryset=ModelSystem.objects.order_by("slug")
                ),
            )
        )

    def with_title_related(self) -> StudyQuerySet:
        """What `display_title` reads: therapy, conditions and model systems."""
        from evidence.models import Condition
        from trials.models import ModelSystem

        return self.select_related(
            "therapy", "publication", "source_review"
        ).prefetch_related(
            Prefetch("conditions", queryset=Condition.objects.order_by("name")),
            Prefetch("model_systems", queryset=ModelSystem.objects.order_by("slug")),
        )


class TrialCountQuerySet(CuratedQuerySet):
    pass
