"""Admin building blocks shared by every app: provenance fieldset, history, flags."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from evidence.choices import VerificationStatus

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


class CuratedForm(forms.ModelForm):
    """Admin form of a curated record, with the reason for the change (kept in history)."""

    change_reason = forms.CharField(
        required=False,
        max_length=90,
        help_text="Why this change? Kept in the record's history with your name.",
    )
    # When the curator opened the record: a save on top of someone else's later save
    # is refused instead of silently overwriting it (no lost updates).
    opened_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The stored row's version, not the instance's: the history view edits an
            # old version of the record, and reverting it is a change to the current one.
            stored = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("updated", flat=True)
                .first()
            )
            if stored is not None:
                self.fields["opened_version"].initial = stored.isoformat()

    def clean(self):
        cleaned = super().clean()
        opened = self.data.get(self.add_prefix("opened_version")) or ""
        if self.instance.pk and opened:
            model = type(self.instance)
            current = model._default_manager.filter(pk=self.instance.pk).first()
            if current is not None and current.updated.isoformat() != opened:
                latest = (
                    current.history.first() if hasattr(current, "history") else None
                )
                who = getattr(getattr(latest, "history_user", None), "username", None)
                by = f" by {who}" if who else ""
                when = current.updated.strftime("%Y-%m-%d %H:%M:%S")
                raise forms.ValidationError(
                    f"This record was changed{by} at {when} since you opened it. Your "
                    "edit was not applied: reload the page, re-apply it and save again.",
                    code="stale",
                )
        return cleaned


def _set_verification(status: str, label: str):
    def action(modeladmin, request, queryset):
        now = timezone.now()
        count = 0
        for record in queryset:
            record.verification_status = status
            record.verified_by = request.user
            record.verified_at = now
            record._change_reason = f"admin: verification set to {label}"
            record.save(
                update_fields=["verification_status", "verified_by", "verified_at"]
            )
            count += 1
        modeladmin.message_user(
            request, f"{count} record(s) marked {label}.", messages.SUCCESS
        )

    action.__name__ = f"mark_{status}"
    action.short_description = f"Mark selected as {label}"
    action.allowed_permissions = ("change",)
    return action


class ProvenanceAdmin(SimpleHistoryAdmin):
    """Admin for a curated record: provenance shown in its own fieldset."""

    form = CuratedForm
    actions = [
        _set_verification(value, label.lower())
        for value, label in VerificationStatus.choices
    ]

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
        special = {
            *PROVENANCE_FIELDS,
            "created",
            "updated",
            "change_reason",
            "opened_version",
        }
        fields = [f for f in self.get_fields(request, obj) if f not in special]
        return (
            (None, {"fields": fields}),
            ("Provenance", {"fields": PROVENANCE_FIELDS}),
            ("Change", {"fields": ("change_reason", "opened_version")}),
            ("Record", {"fields": ("created", "updated"), "classes": ("collapse",)}),
        )

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("change_reason", "").strip()
        obj._change_reason = f"admin: {reason}" if reason else "admin"
        super().save_model(request, obj, form, change)
