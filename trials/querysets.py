"""Query vocabulary of trials and studies."""

from __future__ import annotations

from django.db.models import Prefetch

from evidence.base.querysets import PROVENANCE_BRIEF, CuratedQuerySet

# The fields of the joined therapy and publication that the API's brief forms show
# (evidence/base/api/serializers.py).
THERAPY_BRIEF = ("slug", "name", "modality")
PUBLICATION_BRIEF = ("slug", "doi", "title", "year")


class TrialQuerySet(CuratedQuerySet):
    def _with_links(self, *, brief: bool = False) -> TrialQuerySet:
        """Provenance, and the conditions and outcome classes every trial shows."""
        return self.with_vocabulary(
            brief=brief, conditions="name", outcome_classes="slug"
        )

    def with_list_related(self) -> TrialQuerySet:
        return self._with_links().select_related(
            "therapy", "therapy__cell_source", "therapy__parent"
        )

    def with_api_related(self) -> TrialQuerySet:
        """What the API's trials show: `with_list_related` without the therapy's cell
        source and parent (the table's columns), the joined records' brief fields only."""
        return (
            self._with_links(brief=True)
            .select_related("therapy")
            .reading_only(**PROVENANCE_BRIEF, therapy=THERAPY_BRIEF)
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
    def _with_links(self, *, brief: bool = False) -> StudyQuerySet:
        """Provenance, and the conditions and model systems every study shows."""
        return self.with_vocabulary(
            brief=brief, conditions="name", model_systems="slug"
        )

    def with_list_related(self) -> StudyQuerySet:
        return self._with_links().select_related(
            "therapy", "therapy__cell_source", "publication"
        )

    def with_api_related(self) -> StudyQuerySet:
        """What the API's studies show: `with_list_related` without the therapy's cell
        source, the joined records' brief fields only."""
        return (
            self._with_links(brief=True)
            .select_related("therapy", "publication")
            .reading_only(
                **PROVENANCE_BRIEF, therapy=THERAPY_BRIEF, publication=PUBLICATION_BRIEF
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
