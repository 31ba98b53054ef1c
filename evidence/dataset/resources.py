"""Import/export resources (django-import-export) of every curated entity.

One resource per dataset spec (evidence/dataset/specs.py), with the spec's columns: the same
columns, values and empty-value rules as the fixtures YAML (provenance keys as columns of
their own) and the release CSVs. See fixtures/FORMAT.md, "Flat records".

- Rows are keyed by natural keys (`EntitySpec.key`), so a re-import updates records
  instead of duplicating them. A file without its key column, with unknown columns or with
  a key twice is refused before any row is read.
- Every imported row is written through `evidence.base.writes.record_save` (channel "import",
  the file name as reason, the acting user): validated, derived fields re-derived, version
  bumped, history recorded. An unchanged row (every column, relations and provenance
  included) is skipped: no write, no history row.
- `import_data` always runs in one transaction and rolls it back when any row is invalid
  or fails, in the admin's confirm step as on the command line: all rows or none.
- Exports are `RecordDataset`s: JSON (and YAML) carry the native values (null, numbers,
  lists); CSV and the spreadsheet formats carry one text cell per value, every cell
  formula-neutralised (evidence/base/csvsafe.py), which the import reverses for those formats.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import models
from import_export import fields, resources, widgets

from evidence.base.csvsafe import restore_formula
from evidence.base.models import FINITE_LIMIT, is_storable_number
from evidence.base.writes import record_save
from evidence.dataset.specs import Column, EntitySpec, empty_value, spec_named, specs
from evidence.models import ReviewReference

IMPORT_CHANNEL = "import"
# Formats whose files carry native values; every other format is a grid of text cells.
NATIVE_FORMATS = ("json", "yaml")


class ImportRefused(Exception):
    """The file as a whole cannot be imported (columns, duplicate keys)."""


def record_format(file_name: str | None) -> str | None:
    """'json', 'csv', ... from a file name (None when there is none)."""
    if not file_name:
        return None
    suffix = PurePath(str(file_name)).suffix.lower().lstrip(".")
    return "yaml" if suffix == "yml" else suffix or None


class RecordDataset(tablib.Dataset):
    """Flat records of one entity, with native values; knows how to write each format."""

    def __init__(self, *args, spec: EntitySpec, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec

    def cells(self) -> tablib.Dataset:
        """The same rows as formula-neutralised text cells (CSV, spreadsheets)."""
        by_name = {column.name: column for column in self.spec.columns}
        columns = [by_name[name] for name in self.headers]
        grid = tablib.Dataset(headers=self.headers)
        for row in self:
            grid.append([c.cell(v) for c, v in zip(columns, row, strict=True)])
        return grid

    def export(self, format, **kwargs):
        if format == "json":
            import json

            return (
                json.dumps(self.dict, ensure_ascii=False, indent=2, default=str) + "\n"
            )
        if format in NATIVE_FORMATS:
            return super().export(format, **kwargs)
        return self.cells().export(format, **kwargs)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


class ColumnWidget(widgets.Widget):
    """One column of a flat record: reads a cell or JSON value, renders a native one."""

    def __init__(self, spec: EntitySpec, column: Column):
        super().__init__()
        self.spec = spec
        self.column = column
        self.model_field = spec.model._meta.get_field(column.attribute)

    # Import -------------------------------------------------------------------------
    def clean(self, value, row=None, cache=None, **kwargs):
        column = self.column
        if column.kind == "value":
            return self.clean_value(value)
        if column.kind == "list":
            items = column.split(value)
            if column.converter is not None:  # e.g. authors "Family, Given"
                return column.converter.to_db(items)
            return items
        if column.kind == "refs":
            numbers = []
            for item in column.split(value):
                try:
                    numbers.append(int(item))
                except ValueError as exc:
                    raise ValueError(f"{item!r} is not a reference number") from exc
            return numbers
        relation = column.relation
        if column.kind == "fk":
            if value in (None, ""):
                return None
            if isinstance(value, (list, dict)):
                raise ValueError("expected one natural key, not a list")
            return self.lookup(relation.to_db(str(value).strip()), cache)
        # m2m
        return [
            self.lookup(relation.to_db(item), cache) for item in column.split(value)
        ]

    def lookup(self, key: str, cache: dict | None = None) -> models.Model:
        """The related record with natural key `key` (cached for one import)."""
        relation = self.column.relation
        cache_key = (relation.model, relation.lookup, key)
        if cache is not None and cache_key in cache:
            return cache[cache_key]
        try:
            found = relation.model._default_manager.get(**{relation.lookup: key})
        except relation.model.DoesNotExist as exc:
            raise ValueError(
                f"no {relation.model._meta.verbose_name} with {relation.lookup} {key!r}"
            ) from exc
        if cache is not None:
            cache[cache_key] = found
        return found

    def clean_value(self, value):
        if value is None or value == "":
            return empty_value(self.spec.model, self.column.attribute)
        if isinstance(value, (list, dict)):
            raise ValueError("expected a single value, not a list")
        if self.column.converter is not None:
            try:
                value = self.column.converter.to_db(value)
            except (TypeError, ValueError) as exc:
                raise ValueError(str(exc)) from exc
        try:
            value = self.model_field.to_python(value)
        except ValidationError as exc:
            raise ValueError(_message(exc)) from exc
        if isinstance(value, float) and not is_storable_number(value):
            raise ValueError(
                f"{value!r} is not a finite number below {FINITE_LIMIT:g} "
                "(inf, nan and overflowing values are refused)"
            )
        return value

    # Export -------------------------------------------------------------------------
    def native(self, value) -> Any:
        column = self.column
        if column.kind == "value":
            if column.converter is not None:
                return column.converter.to_yaml(value)
            return value
        if column.kind == "list":
            if column.converter is not None:
                return column.converter.to_yaml(value)
            return list(value or [])
        if column.kind == "refs":
            return sorted(r.number for r in value.all()) if value is not None else []
        relation = column.relation
        if column.kind == "fk":
            if value is None:
                return None
            return relation.to_yaml(getattr(value, relation.lookup))
        if value is None:
            return []
        return sorted(
            relation.to_yaml(getattr(r, relation.lookup)) for r in value.all()
        )

    def render(self, value, obj=None, **kwargs):
        native = self.native(value)
        if kwargs.get("native"):
            return native
        # The admin's preview (an HTML table): the cell's text, not neutralised.
        return self.column.text(native)


class _NoDiff:
    """A row diff that is not computed (see RecordResource.__init__)."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


def _comparable(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


class RecordResource(resources.ModelResource):
    """The flat records of one dataset spec (see the module docstring)."""

    spec: EntitySpec

    class Meta:
        abstract = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False  # record_save validates (full_clean) each row
        use_transactions = True
        use_bulk = False

    def __init__(self, *, html_diff: bool = True, **kwargs):
        """html_diff=False: no per-field diff of each row (the admin preview shows it;
        the command line does not need it, and it is half the time of a row)."""
        super().__init__(**kwargs)
        self.html_diff = html_diff
        self._lookups: dict = {}

    def get_diff_class(self):
        return super().get_diff_class() if self.html_diff else _NoDiff

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Always one transaction, rolled back on any bad row (the admin's confirm step
        included). kwargs: `file_name` (the history's reason; its suffix says whether
        the cells are CSV text), `record_format` (overrides the suffix), `user`."""
        self._lookups = {}  # related records by natural key, for this import only
        kwargs.pop("use_transactions", None)
        kwargs.pop("rollback_on_validation_errors", None)
        if not dataset.headers and not len(dataset):
            # An empty list of records (JSON `[]`): nothing to import.
            result = self.get_result_class()()
            result.diff_headers = self.get_diff_headers()
            return result
        try:
            self.prepare_dataset(dataset, **kwargs)
        except ImportRefused as exc:
            if raise_errors:
                raise
            result = self.get_result_class()()
            result.diff_headers = self.get_diff_headers()
            result.total_rows = len(dataset)
            for line in str(exc).splitlines():
                result.append_base_error(
                    self.get_error_result_class()(ImportRefused(line))
                )
            return result
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def prepare_dataset(self, dataset, **kwargs) -> None:
        """Check the columns and keys; undo the CSV formula neutralisation (once)."""
        spec = self.spec
        headers = [str(h) if h is not None else "" for h in (dataset.headers or [])]
        problems = []
        duplicates = sorted({h for h in headers if headers.count(h) > 1})
        if duplicates:
            problems.append(f"column(s) given twice: {', '.join(duplicates)}")
        missing = [k for k in spec.key if k not in headers]
        if missing:
            problems.append(
                f"the file has no {', '.join(repr(k) for k in missing)} column: "
                f"every {spec.name} row needs its key ({', '.join(spec.key)})"
            )
        unknown = [h for h in headers if h not in spec.column_names]
        if unknown:
            problems.append(
                f"unknown column(s): {', '.join(repr(h) for h in unknown)}; the columns "
                f"of {spec.name} are: {', '.join(spec.column_names)}"
            )
        if problems:
            raise ImportRefused("\n".join(problems))

        fmt = kwargs.get("record_format") or record_format(kwargs.get("file_name"))
        if (
            fmt is not None
            and fmt not in NATIVE_FORMATS
            and not getattr(dataset, "_formulas_restored", False)
        ):
            rows = [tuple(restore_formula(v) for v in row) for row in dataset]
            dataset.wipe()
            dataset.headers = headers
            dataset.extend(rows)
            dataset._formulas_restored = True

        seen: dict[tuple, int] = {}
        clashes: dict[tuple, list[int]] = {}
        empty = []
        positions = [headers.index(k) for k in spec.key]
        for number, row in enumerate(dataset, 1):
            key = tuple(
                "" if row[i] is None else str(row[i]).strip() for i in positions
            )
            if any(part == "" for part in key):
                empty.append(number)
                continue
            if key in seen:
                clashes.setdefault(key, [seen[key]]).append(number)
            else:
                seen[key] = number
        if empty:
            problems.append(
                f"row(s) {', '.join(map(str, empty))}: the key "
                f"({', '.join(spec.key)}) is empty"
            )
        for key, numbers in clashes.items():
            problems.append(
                f"duplicate key {' / '.join(key)} in rows "
                f"{', '.join(map(str, numbers))}: each record may appear once"
            )
        if problems:
            raise ImportRefused("\n".join(problems))

    def get_queryset(self):
        spec = self.spec
        related = [r.model_field for r in spec.foreign_keys.values()]
        if spec.provenance:
            related += ["source_review", "primary_publication"]
        return spec.model._default_manager.select_related(*related)

    def filter_export(self, queryset, **kwargs):
        spec = self.spec
        prefetch = [r.model_field for r in spec.many_to_many.values()]
        if spec.provenance:
            prefetch.append("cited_references")
        order = [
            f"{spec.foreign_keys[k].model_field}__slug" if k in spec.foreign_keys else k
            for k in spec.key
        ]
        related = [r.model_field for r in spec.foreign_keys.values()]
        if spec.provenance:
            related += ["source_review", "primary_publication"]
        return (
            queryset.select_related(*related)
            .prefetch_related(*prefetch)
            .order_by(*order)
        )

    def export_field(self, field, instance, **kwargs):
        return field.export(instance, native=True)

    def export(self, queryset=None, **kwargs):
        kwargs.pop("force_native_type", None)
        data = super().export(queryset, **kwargs)
        return RecordDataset(*data, headers=data.headers, spec=self.spec)

    # Import hooks -------------------------------------------------------------------
    def import_instance(self, instance, row, **kwargs):
        """Set every column present in the row; relations wait for record_save."""
        errors: dict[str, list[str]] = {}
        many: dict[str, list[models.Model]] = {}
        refs = None
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            column = field.widget.column
            try:
                value = field.widget.clean(
                    row[field.column_name], row=row, cache=self._lookups
                )
            except ValueError as exc:
                errors.setdefault(column.attribute, []).append(f"{column.name}: {exc}")
                continue
            if column.kind == "refs":
                refs = value
            elif column.kind == "m2m":
                many[column.attribute] = value
            else:
                setattr(instance, column.attribute, value)
        if refs is not None:
            review_id = getattr(instance, "source_review_id", None)
            found = {
                r.number: r
                for r in ReviewReference.objects.filter(
                    review_id=review_id, number__in=refs
                )
            }
            missing = [n for n in refs if n not in found]
            if missing:
                errors.setdefault("cited_references", []).append(
                    "refs: reference(s) "
                    + ", ".join(f"[{n}]" for n in missing)
                    + " not in the review's reference list"
                )
            else:
                many["cited_references"] = [found[n] for n in refs]
        instance._import_many = many
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged: every column of the row equals the stored record."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        many = getattr(instance, "_import_many", {})
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            attribute = field.widget.column.attribute
            if field.widget.column.is_many:
                if attribute not in many:
                    return False
                stored = set(getattr(original, attribute).values_list("pk", flat=True))
                if {obj.pk for obj in many[attribute]} != stored:
                    return False
            elif _comparable(getattr(instance, attribute, None)) != _comparable(
                getattr(original, attribute, None)
            ):
                return False
        return True

    def save_instance(self, instance, is_create, row, **kwargs):
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return
        file_name = kwargs.get("file_name")
        record_save(
            instance,
            channel=IMPORT_CHANNEL,
            reason=PurePath(str(file_name)).name if file_name else "",
            user=kwargs.get("user"),
            many_to_many=getattr(instance, "_import_many", None),
        )

    def save_m2m(self, instance, row, **kwargs):
        """Done by record_save, in the same transaction as the record."""

    @classmethod
    def column_of(cls, attribute: str) -> str:
        """The column name of a model attribute, for error messages."""
        for column in cls.spec.columns:
            if column.attribute == attribute:
                return column.name
        return attribute


def _class_name(spec: EntitySpec) -> str:
    """The class name: "TrialResource" for ClinicalTrial, "StudyResource" for Study."""
    return spec.model.__name__.removeprefix("Clinical") + "Resource"


_CLASSES: dict[str, type[RecordResource]] = {}


def resource_for(spec: EntitySpec) -> type[RecordResource]:
    """The one resource class of `spec`'s entity (made on first use, then shared)."""
    known = _CLASSES.get(spec.name)
    if known is not None and known.spec is spec:
        return known
    attrs: dict[str, Any] = {
        column.name: fields.Field(
            attribute=column.attribute,
            column_name=column.name,
            widget=ColumnWidget(spec, column),
        )
        for column in spec.columns
    }
    attrs["spec"] = spec
    attrs["__module__"] = __name__
    attrs["Meta"] = type(
        "Meta",
        (RecordResource.Meta,),
        {
            "abstract": False,
            "model": spec.model,
            "fields": spec.column_names,
            "export_order": spec.column_names,
            "import_id_fields": spec.key,
        },
    )
    resource = type(_class_name(spec), (RecordResource,), attrs)
    _CLASSES[spec.name] = resource
    return resource


def resource_named(name: str) -> type[RecordResource]:
    """The resource of the registered entity `name`; KeyError when there is none."""
    return resource_for(spec_named(name))


def resources_by_name() -> dict[str, type[RecordResource]]:
    """Every registered entity's resource, by entity name, in load order."""
    return {spec.name: resource_for(spec) for spec in specs()}
