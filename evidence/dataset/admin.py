"""Admin import and export of curated records: roles, public columns, all-or-nothing.

See the `evidence.admin_base` docstring for the rules (import needs add and change
permission; export only public columns; the confirm step writes all rows or none;
forged confirm fields are a 400).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.signals import post_import

from evidence.dataset.specs import PROVENANCE_KEYS, spec_for

# The value the API and the release CSVs publish as `verification`, under the column
# name the curator CSVs have used.
_PUBLIC_ALIASES = {"verification_status"}


def public_columns(model) -> set[str] | None:
    """The columns of `model` that anyone may read (None: the model has no dataset spec)."""
    spec = spec_for(model)
    if spec is None:
        return None
    names = {*spec.fields, *spec.foreign_keys, *spec.many_to_many}
    if spec.provenance:
        names |= {*PROVENANCE_KEYS, *_PUBLIC_ALIASES}
    return names


class ImportRefused(Exception):
    """A confirm POST that cannot be processed: answered 400 with the message."""


class CuratedImportExportMixin(ImportExportMixin):
    """Import and export for a curated admin, with the permissions and the all-or-nothing
    confirm step described in this module's docstring."""

    import_refused_template = "admin/import_export/import_refused.html"

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def exports_only_public_columns(self, request) -> bool:
        public = public_columns(self.model)
        if public is None:
            return False
        for resource_class in self.get_export_resource_classes(request):
            resource = resource_class(**self.get_export_resource_kwargs(request))
            if not set(resource.get_export_headers()) <= public:
                return False
        return True

    def has_export_permission(self, request):
        if not self.has_view_or_change_permission(request):
            return False
        return self.has_change_permission(request) or self.exports_only_public_columns(
            request
        )

    def _refuse(self, request, message: str, reasons=(), status: int = 400):
        context = {
            **self.admin_site.each_context(request),
            "title": "Import refused",
            "opts": self.model._meta,
            "message": message,
            "reasons": list(reasons),
            "import_url": reverse(
                "admin:{}_{}_import".format(*self.get_model_info()),
                current_app=self.admin_site.name,
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, [self.import_refused_template], context, status=status
        )

    def _confirmed_dataset(self, request, confirm_form):
        """The dataset, format and resource class a confirm form names, or ImportRefused."""
        if not confirm_form.is_valid():
            missing = ", ".join(sorted(confirm_form.errors))
            raise ImportRefused(f"The confirmation is incomplete ({missing}).")
        formats = self.get_import_formats()
        raw_format = confirm_form.cleaned_data["format"]
        try:
            index = int(raw_format)
            if not 0 <= index < len(formats):
                raise ValueError(raw_format)
        except ValueError:
            raise ImportRefused(f"Unknown file format {raw_format!r}.") from None
        raw_resource = confirm_form.cleaned_data.get("resource") or "0"
        resources = self.get_import_resource_classes(request)
        try:
            resource_index = int(raw_resource)
            if not 0 <= resource_index < len(resources):
                raise ValueError(raw_resource)
        except ValueError:
            raise ImportRefused(f"Unknown import resource {raw_resource!r}.") from None
        input_format = formats[index](encoding=self.from_encoding)
        encoding = None if input_format.is_binary() else self.from_encoding
        tmp_storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            encoding=encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        try:
            data = tmp_storage.read()
        except (OSError, ValueError):
            data = None
        if data is None:
            raise ImportRefused(
                "The previewed file is no longer available (or never was): upload it "
                "again."
            )
        try:
            dataset = input_format.create_dataset(data)
        except Exception as exc:  # the format's parser: any error means unreadable
            raise ImportRefused(
                f"The file cannot be read as {input_format.get_title()} "
                f"({type(exc).__name__})."
            ) from None
        return dataset, tmp_storage, resources[resource_index]

    @staticmethod
    def _refusal_reasons(result) -> list[str]:
        reasons = [f"{error.error}" for error in result.base_errors]
        for line, errors in result.row_errors():
            for error in errors:
                reasons.append(f"Row {line}: {error.error}")
        for row in result.invalid_rows:
            for field, field_messages in row.error_dict.items():
                where = "" if field == "__all__" else f"{field}: "
                reasons.append(f"Row {row.number}: {where}{'; '.join(field_messages)}")
        return reasons

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirm step: the whole file again, in one transaction, all or nothing."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        try:
            dataset, tmp_storage, resource_class = self._confirmed_dataset(
                request, confirm_form
            )
        except ImportRefused as exc:
            return self._refuse(request, str(exc))
        resource = resource_class(
            **self.get_import_resource_kwargs(request, form=confirm_form, **kwargs)
        )
        with transaction.atomic(using=router.db_for_write(self.model)):
            result = resource.import_data(
                dataset,
                dry_run=False,
                raise_errors=False,
                use_transactions=True,
                rollback_on_validation_errors=True,
                file_name=confirm_form.cleaned_data.get("original_file_name"),
                user=request.user,
                retain_instance_in_row_result=True,
            )
            refused = result.has_errors() or result.has_validation_errors()
            if refused:
                transaction.set_rollback(True)
            else:
                self.generate_log_entries(result, request)
        tmp_storage.remove()
        if refused:
            return self._refuse(
                request,
                "Nothing was imported: the file is refused whole because of the rows "
                "below (a record may have changed since the preview). Fix the file or "
                "the records and import it again.",
                self._refusal_reasons(result),
                status=409,
            )
        self.add_success_message(result, request)
        post_import.send(sender=None, model=self.model)
        return HttpResponseRedirect(
            reverse(
                "admin:{}_{}_changelist".format(*self.get_model_info()),
                current_app=self.admin_site.name,
            )
        )
