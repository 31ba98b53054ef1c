"""Admin building blocks shared by every app: provenance fieldset, history, flags."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

PROVENANCE_FIELDS = (
    "source_review",
    "locator",
    "cited_references",
    "primary_publication",
    "verification_status",
    "verified_by",
    "verified_at",
    "confirmed_by",
    "flags",
)


class FlaggedFilter(admin.SimpleListFilter):
    """Records with uncertain values, for the curators' work queue."""

    title = "flags"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return (("yes", "Flagged"), ("no", "Not flagged"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(flags=[])
        if self.value() == "no":
            return queryset.filter(flags=[])
        return queryset


class VocabularyAdmin(SimpleHistoryAdmin):
    """Admin for a slugged vocabulary term."""

    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class ProvenanceAdmin(SimpleHistoryAdmin):
    """Admin for a curated record: provenance shown in its own fieldset."""

    provenance_list_filters = (
        "source_review",
        "verification_status",
        FlaggedFilter,
    )
    autocomplete_fields = ("source_review", "primary_publication", "cited_references")
    raw_id_fields = ("verified_by",)
    readonly_fields = ("created", "updated")
    list_per_page = 100

    def get_list_filter(self, request):
        return (*self.list_filter, *self.provenance_list_filters)

    def get_fieldsets(self, request, obj=None):
        fields = [
            f
            for f in self.get_fields(request, obj)
            if f not in PROVENANCE_FIELDS and f not in ("created", "updated")
        ]
        return (
            (None, {"fields": fields}),
            ("Provenance", {"fields": PROVENANCE_FIELDS}),
            ("Record", {"fields": ("created", "updated"), "classes": ("collapse",)}),
        )
