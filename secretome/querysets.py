"""Query vocabulary of the secretome app."""

from __future__ import annotations

from django.db import models
from django.db.models import Prefetch

from evidence.base.querysets import CuratedQuerySet, related_count


class ComponentQuerySet(models.QuerySet):
    def with_list_related(self) -> ComponentQuerySet:
        return self.annotate(finding_count=related_count(self.model, "findings"))


class FindingQuerySet(CuratedQuerySet):
    def with_list_related(self) -> FindingQuerySet:
        from evidence.models import Condition
        from trials.models import ModelSystem

        return (
            self.with_provenance()
            .select_related("component", "effect", "cell_source")
            .prefetch_related(
                Prefetch("conditions", queryset=Condition.objects.order_by("name")),
                Prefetch(
                    "model_systems", queryset=ModelSystem.objects.order_by("slug")
                ),
            )
        )

    def with_title_related(self) -> FindingQuerySet:
        """What `display_title` reads: component, effect, conditions, model systems."""
        from evidence.models import Condition
        from trials.models import ModelSystem

        return self.select_related(
            "component", "effect", "source_review"
        ).prefetch_related(
            Prefetch("conditions", queryset=Condition.objects.order_by("name")),
            Prefetch("model_systems", queryset=ModelSystem.objects.order_by("slug")),
        )


class ModificationQuerySet(CuratedQuerySet):
    def with_list_related(self) -> ModificationQuerySet:
        from evidence.models import Condition

        return (
            self.with_provenance()
            .select_related("component", "cell_source")
            .prefetch_related(
                Prefetch("conditions", queryset=Condition.objects.order_by("name"))
            )
        )

    def with_title_related(self) -> ModificationQuerySet:
        """What `display_title` reads: component, cell source, conditions."""
        from evidence.models import Condition

        return self.select_related(
            "component", "cell_source", "source_review"
        ).prefetch_related(
            Prefetch("conditions", queryset=Condition.objects.order_by("name"))
        )
