"""Admin for trials, studies and trial counts."""

from django.contrib import admin

from evidence.base.admin import ProvenanceAdmin, VocabularyAdmin
from evidence.dataset.admin import CuratedImportExportMixin
from trials.models import (
    ClinicalTrial,
    ModelSystem,
    OutcomeClass,
    Study,
    TrialCountSnapshot,
)
from trials.resources import StudyResource, TrialResource


@admin.register(OutcomeClass)
class OutcomeClassAdmin(VocabularyAdmin):
    pass


@admin.register(ModelSystem)
class ModelSystemAdmin(VocabularyAdmin):
    pass


@admin.register(ClinicalTrial)
class ClinicalTrialAdmin(CuratedImportExportMixin, ProvenanceAdmin):
    resource_classes = [TrialResource]
    list_display = (
        "__str__",
        "phase",
        "status",
        "therapy",
        "condition_as_printed",
        "route",
        "evidence_level",
        "locator",
    )
    list_filter = ("phase", "status", "route", "evidence_level", "therapy__modality")
    list_select_related = ("therapy", "source_review")
    search_fields = ("nct_id", "slug", "design_as_printed", "condition_as_printed")
    autocomplete_fields = (
        *ProvenanceAdmin.autocomplete_fields,
        "therapy",
        "conditions",
        "outcome_classes",
    )
    readonly_fields = (*ProvenanceAdmin.readonly_fields, "evidence_level_derived")

    def get_queryset(self, request):
        # The list's title (`__str__`) reads the conditions: prefetched, not per row.
        return super().get_queryset(request).prefetch_related("conditions")


@admin.register(Study)
class StudyAdmin(CuratedImportExportMixin, ProvenanceAdmin):
    resource_classes = [StudyResource]
    list_display = ("__str__", "stage", "year", "therapy", "evidence_level", "locator")
    list_filter = ("stage", "year", "evidence_level", "model_systems")
    list_select_related = ("therapy", "publication", "source_review")
    search_fields = ("title", "slug", "authors_as_printed", "findings")
    autocomplete_fields = (
        *ProvenanceAdmin.autocomplete_fields,
        "therapy",
        "conditions",
        "model_systems",
        "publication",
    )
    readonly_fields = (*ProvenanceAdmin.readonly_fields, "evidence_level_derived")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("conditions", "model_systems")
        )


@admin.register(TrialCountSnapshot)
class TrialCountSnapshotAdmin(ProvenanceAdmin):
    list_display = ("series", "phase", "count", "as_of_year", "accessed")
    list_filter = ("series", "phase")
    list_select_related = ("source_review",)
    search_fields = ("slug", "series")
