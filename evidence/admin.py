"""Admin for the shared vocabulary: publications, references, conditions, cell sources,
therapies and comparison points."""

from django.contrib import admin

from evidence.base.admin import CuratedAdmin, ProvenanceAdmin, VocabularyAdmin
from evidence.dataset.admin import CuratedImportExportMixin
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)
from evidence.resources import PublicationResource


@admin.register(Publication)
class PublicationAdmin(CuratedImportExportMixin, CuratedAdmin):
    resource_classes = [PublicationResource]
    list_display = ("slug", "doi", "year", "journal", "kind")
    list_filter = ("kind", "year")
    search_fields = ("slug", "doi", "title", "authors", "journal")
    readonly_fields = ("created", "updated")


@admin.register(ReviewReference)
class ReviewReferenceAdmin(CuratedAdmin):
    list_display = ("__str__", "review", "number", "publication")
    list_filter = ("review",)
    list_select_related = ("review", "publication")
    search_fields = ("citation_as_printed", "=number", "publication__doi")
    autocomplete_fields = ("review", "publication")
    ordering = ("review__slug", "number")


@admin.register(Condition)
class ConditionAdmin(VocabularyAdmin):
    list_display = ("name", "slug", "category")
    list_filter = ("category",)


@admin.register(CellSource)
class CellSourceAdmin(VocabularyAdmin):
    list_display = ("name", "slug", "tissue", "cell_type", "potency", "species")
    list_filter = ("potency", "species")
    search_fields = ("name", "slug", "tissue", "cell_type")


@admin.register(Therapy)
class TherapyAdmin(ProvenanceAdmin):
    list_display = (
        "name",
        "modality",
        "cell_source",
        "parent",
        "donor_type",
        "locator",
    )
    list_filter = ("modality", "donor_type")
    list_select_related = ("cell_source", "parent", "source_review")
    search_fields = ("name", "slug", "brand_name", "description")
    autocomplete_fields = (
        *ProvenanceAdmin.autocomplete_fields,
        "cell_source",
        "parent",
    )


@admin.register(ComparisonPoint)
class ComparisonPointAdmin(ProvenanceAdmin):
    list_display = ("__str__", "aspect", "side", "ordinal", "locator")
    list_filter = ("aspect", "side")
    list_select_related = ("source_review",)
    search_fields = ("text", "slug")
