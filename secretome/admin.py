"""Admin for secretome components, effects, findings, preconditioning and modifications."""

from django.contrib import admin

from evidence.base.admin import ProvenanceAdmin, VocabularyAdmin
from evidence.dataset.admin import CuratedImportExportMixin
from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)
from secretome.resources import ComponentResource


@admin.register(Component)
class ComponentAdmin(CuratedImportExportMixin, VocabularyAdmin):
    resource_classes = [ComponentResource]
    list_display = ("name", "abbreviation", "kind", "slug")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "abbreviation")


@admin.register(Effect)
class EffectAdmin(VocabularyAdmin):
    pass


@admin.register(ComponentFinding)
class ComponentFindingAdmin(ProvenanceAdmin):
    list_display = ("__str__", "component", "effect", "model_as_printed", "locator")
    list_filter = ("effect", "component__kind")
    list_select_related = ("component", "effect", "source_review")
    search_fields = ("statement", "slug", "component__name")
    autocomplete_fields = (
        *ProvenanceAdmin.autocomplete_fields,
        "component",
        "effect",
        "conditions",
        "model_systems",
        "cell_source",
    )

    def get_queryset(self, request):
        # The list's title (`__str__`) reads conditions and model systems.
        return (
            super()
            .get_queryset(request)
            .prefetch_related("conditions", "model_systems")
        )


@admin.register(Preconditioning)
class PreconditioningAdmin(ProvenanceAdmin):
    list_display = ("name", "category", "agent", "locator")
    list_filter = ("category",)
    list_select_related = ("source_review",)
    search_fields = ("name", "agent", "effect_text")
    autocomplete_fields = (*ProvenanceAdmin.autocomplete_fields, "effects")


@admin.register(GeneticModification)
class GeneticModificationAdmin(ProvenanceAdmin):
    list_display = (
        "__str__",
        "cell_source",
        "method",
        "disease_as_printed",
        "locator",
    )
    list_filter = ("method", "cell_source")
    list_select_related = ("cell_source", "component", "source_review")
    search_fields = ("factor_as_printed", "disease_as_printed", "slug")
    autocomplete_fields = (
        *ProvenanceAdmin.autocomplete_fields,
        "component",
        "cell_source",
        "conditions",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("conditions")
