"""Admin building blocks shared by every app: one write path, roles, history, import.

Every curated model's admin derives from `CuratedAdmin` (through `VocabularyAdmin` or
`ProvenanceAdmin`), and every admin with import/export adds `CuratedImportExportMixin`
(`evidence.admin_import`).
Together they make each admin write go through `evidence.base.writes`:

- **Saves** (add, change) go through `record_save` with channel `admin`, the form's
  change reason and the acting user: the version is bumped, derived fields (the
  evidence level) are re-derived, after the many-to-many links too (`save_related`).
- **No lost update.** `CuratedForm` carries the `version` the curator opened
  (`opened_version`, hidden). Its `clean()` locks the row (`check_version`,
  `SELECT ... FOR UPDATE`; `BEGIN IMMEDIATE` on SQLite) inside the transaction that
  Django's `changeform_view` opens for a POST, and refuses a save when the stored
  version moved on ("changed by X at T since you opened it"). The lock is held until
  the save commits, so of two saves from one opened form exactly one wins.
- **Deletes** go through `record_delete` (history with the user).
- **History revert** (`/history/<id>/`): a GET needs view permission and shows the
  version read-only to users without change permission; a POST needs *change*
  permission (403 otherwise), runs in one transaction, with the same opened-version
  check, and saves with channel `revert` (every stored field of the old version is
  restored, the derived ones re-derived).
- **Actions** (mark verified ...) need change permission (`allowed_permissions`); a
  POST naming an action the user may not run is a 403. They save each record through
  `record_save` (channel `action`) under a row lock, so they bump the version and an
  older open form can no longer undo them; all selected records or none.
- **Import** needs the model's *add and change* permissions (`curators`, `editors`
  and superusers; not `viewers`): an import creates and changes records. The confirm
  step re-reads the whole file and writes it in one transaction, all rows or none: a
  row that became invalid after the preview refuses the whole file, with the reasons.
  Forged confirm fields (unknown file, format or resource) are a 400 with a message.
- **Export** needs the model's view permission, and only while every exported column
  is a public one (the columns of the dataset specification, `evidence.dataset`, which
  the public API and the release CSVs show to anyone). Should a resource ever export
  another column (an internal note, the verifier's account), export then needs change
  permission: read-only staff must not get more than the public sees.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import router, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.html import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from evidence.base import writes
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


def stale_message(exc: writes.StaleRecord) -> str:
    by = f" by {exc.who}" if exc.who else ""
    at = f" at {exc.when}" if exc.when else ""
    return (
        f"This record was changed{by}{at} since you opened it. Your edit was not "
        "applied: reload the page, re-apply it and save again."
    )


class CuratedForm(forms.ModelForm):
    """Admin form of a curated record: the reason for the change (kept in history) and
    the version the curator opened (a save on top of a later save is refused)."""

    change_reason = forms.CharField(
        required=False,
        max_length=90,
        help_text="Why this change? Kept in the record's history with your name.",
    )
    opened_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # The stored row's version, not the instance's: the history view edits an
            # old version of the record, and reverting it is a change to the current one.
            self.fields["opened_version"].initial = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )

    def clean(self):
        cleaned = super().clean()
        self._keep_sub_second_times(cleaned)
        if self.instance.pk is None:
            return cleaned
        opened = cleaned.get("opened_version")
        if opened is None:
            raise forms.ValidationError(
                "The form does not say which version of the record you opened: reload "
                "the page, re-apply your edit and save again.",
                code="stale",
            )
        try:
            # Locks the row until the admin's transaction ends (the save commits).
            writes.check_version(type(self.instance), self.instance.pk, opened)
        except writes.StaleRecord as exc:
            raise forms.ValidationError(stale_message(exc), code="stale") from None
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        # The whole record, not only the form's fields: `record_save` validates every
        # field, and a value the form does not show (kept from a reverted version, say)
        # must be a form error here rather than a server error at the save.
        try:
            self.instance.full_clean(validate_unique=False)
        except ValidationError as exc:
            for field, field_messages in writes.validation_messages(exc).items():
                where = "" if field == "non_field_errors" else f"{field}: "
                self.add_error(None, f"{where}{'; '.join(field_messages)}")

    def _keep_sub_second_times(self, cleaned) -> None:
        """The admin shows times to the second: a time sent back unchanged keeps its
        stored microseconds (a save or a revert must not alter what was not edited)."""
        for name, field in self.fields.items():
            if not isinstance(field, forms.DateTimeField | forms.SplitDateTimeField):
                continue
            stored, sent = getattr(self.instance, name, None), cleaned.get(name)
            if stored and sent and stored.replace(microsecond=0) == sent:
                cleaned[name] = stored


class CuratedAdmin(SimpleHistoryAdmin):
    """Admin of a curated record: every write goes through `evidence.base.writes`."""

    form = CuratedForm

    # -- saves ---------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        channel = getattr(request, "_atlas_write_channel", "admin")
        reason = (form.cleaned_data.get("change_reason") or "").strip()
        if not reason:
            reason = getattr(request, "_atlas_write_reason", "")
        writes.record_save(
            obj,
            channel=channel,
            reason=reason,
            user=request.user,
            expected_version=form.cleaned_data.get("opened_version")
            if change
            else None,
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Derivations that read many-to-many links (a study's model systems).
        writes.refresh_derived(form.instance)

    def delete_model(self, request, obj):
        writes.record_delete(obj, channel="admin", user=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                writes.record_delete(obj, channel="admin", user=request.user)

    # -- actions -------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        name = request.POST.get("action") if request.method == "POST" else None
        if name and name not in self.get_actions(request):
            known = {action[1] for action in self._get_base_actions()}
            if name in known:
                raise PermissionDenied
        return super().changelist_view(request, extra_context)

    # -- history -------------------------------------------------------------------

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One historical version of the record; its POST reverts the record to it.

        Replaces simple-history's view, which let anyone with view permission save the
        form: GET needs view (read-only) or change permission, POST change permission.
        """
        request.current_app = self.admin_site.name
        current = self.get_object(request, unquote(object_id))
        if current is None:
            raise Http404
        manager = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        try:
            historical = manager.get(
                **{self.model._meta.pk.attname: current.pk, "history_id": version_id}
            )
        except (ObjectDoesNotExist, ValueError, ValidationError):
            raise Http404 from None
        can_change = self.has_change_permission(request, current)
        if not (can_change or self.has_view_permission(request, current)):
            raise PermissionDenied
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            with transaction.atomic(using=router.db_for_write(self.model)):
                return self._history_form(
                    request, historical, can_change, extra_context
                )
        return self._history_form(request, historical, can_change, extra_context)

    def _history_form(self, request, historical, can_change, extra_context):
        opts = self.model._meta
        obj = historical.instance
        obj._state.adding = False
        fieldsets = self.get_fieldsets(request, obj)
        form_class = self.get_form(
            request, obj, change=True, fields=flatten_fieldsets(fieldsets)
        )
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, instance=obj)
            if form.is_valid():
                new_object = self.save_form(request, form, change=True)
                request._atlas_write_channel = "revert"
                request._atlas_write_reason = (
                    f"to the version of {historical.history_date:%Y-%m-%d %H:%M:%S}"
                )
                self.save_model(request, new_object, form, change=True)
                self.save_related(request, form, [], change=True)
                self.log_change(
                    request,
                    new_object,
                    self.construct_change_message(request, form, []),
                )
                return self.response_change(request, new_object)
        else:
            form = form_class(instance=obj)
        if can_change:
            readonly = self.get_readonly_fields(request, obj)
        else:
            readonly = flatten_fieldsets(fieldsets)
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),
            self.get_prepopulated_fields(request, obj) if can_change else {},
            readonly,
            model_admin=self,
        )
        prefix = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}"
        context = {
            **self.admin_site.each_context(request),
            "title": (
                f"Revert {force_str(obj)}" if can_change else f"View {force_str(obj)}"
            ),
            "adminform": admin_form,
            "object_id": obj.pk,
            "original": obj,
            "is_popup": False,
            "media": mark_safe(self.media + admin_form.media),
            "errors": helpers.AdminErrorList(form, []),
            "app_label": opts.app_label,
            "original_opts": opts,
            "changelist_url": reverse(f"{prefix}_changelist"),
            "change_url": reverse(f"{prefix}_change", args=(obj.pk,)),
            "history_url": reverse(f"{prefix}_history", args=(obj.pk,)),
            "change_history": False,
            "revert_disabled": not can_change,
            "add": False,
            "change": True,
            "has_add_permission": self.has_add_permission(request),
            "has_view_permission": True,
            "has_change_permission": can_change,
            "has_delete_permission": self.has_delete_permission(request, obj),
            "has_editable_inline_admin_formsets": False,
            "has_file_field": True,
            "has_absolute_url": False,
            "form_url": "",
            "opts": historical._meta,
            "content_type_id": self.content_type_model_cls.objects.get_for_model(
                self.model
            ).id,
            "save_as": False,
            "save_on_top": self.save_on_top,
            "root_path": getattr(self.admin_site, "root_path", None),
            **(extra_context or {}),
        }
        return self.render_history_view(
            request, self.object_history_form_template, context
        )


class VocabularyAdmin(CuratedAdmin):
    """Admin for a slugged vocabulary term."""

    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


def _set_verification(status: str, label: str):
    def action(modeladmin, request, queryset):
        model = queryset.model
        now = timezone.now()
        pks = list(queryset.values_list("pk", flat=True))
        record = None
        try:
            with transaction.atomic(using=router.db_for_write(model)):
                for pk in pks:
                    # Read under the row lock: the save writes every field, and a copy
                    # read before the lock could undo a save committed in between.
                    record = model._default_manager.select_for_update().get(pk=pk)
                    record.verification_status = status
                    record.verified_by = request.user
                    record.verified_at = now
                    writes.record_save(
                        record,
                        channel="action",
                        reason=f"verification set to {label}",
                        user=request.user,
                        expected_version=record.version,
                    )
        except ValidationError as exc:
            modeladmin.message_user(
                request,
                f"Nothing was marked: {record} is not valid "
                f"({'; '.join(exc.messages)}).",
                messages.ERROR,
            )
            return
        modeladmin.message_user(
            request, f"{len(pks)} record(s) marked {label}.", messages.SUCCESS
        )

    action.__name__ = f"mark_{status}"
    action.short_description = f"Mark selected as {label}"
    action.allowed_permissions = ("change",)
    return action


class ProvenanceAdmin(CuratedAdmin):
    """Admin for a curated record: provenance shown in its own fieldset."""

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
