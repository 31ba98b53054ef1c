"""A download's rows from `values_list()`: no model instance per row, no manager per cell.

Model instances were most of the time of a download even with the cells compiled
(export_columns.py): `Model.__init__`, a related manager and a cloned queryset per
prefetched relation and row, `get_FOO_display` rebuilding its choices dict for every
cell. Here one chunk of `CHUNK_SIZE` rows is one `values_list()` query, and each related
set is one more query per chunk:

- a column over concrete fields (`therapy__modality`, an annotation such as
  `trial_count`) reads its value from the row (joined); a field with choices shows its
  label, as django-tables2 does with `get_FOO_display`;
- a column whose value is a related object (`therapy`, `therapy__cell_source`) gets it
  from one `in_bulk` of the chunk's missing keys (kept for the rest of the download),
  and shows `str()` of it;
- a many-to-many column (`ManyColumn`) reads the chunk's links in one query and the
  linked records (first seen) in one more, in the order of the list's `Prefetch`;
- a method of the table that takes the record (`value_trial`, `value_modality`) is
  called with a light instance of the model (its concrete fields, made without
  `__init__`) whose select_related objects are filled from the same `in_bulk` caches;
- `value_reference_numbers` (a prefetched relation) has an equivalent here that reads the
  chunk's reference numbers in one query (`_OVERRIDES`).

Anything else (a column type or a method this module does not know) makes
`table_value_rows` return None, and the download takes the exact instance path. The
cells are the same values as django-tables2's (tests/web/test_export_streaming.py
compares every list, on the test world and on the curated dataset); a record method that
reads another prefetched relation would query per row, which the query-count tests of the
downloads (same count at two sizes) would show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from operator import itemgetter
from typing import Any

import django_tables2 as tables
from django.db import connections, models
from django.db.models.base import ModelState
from django.db.models.query import QuerySet, prefetch_related_objects
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django_tables2.utils import Accessor, signature

from evidence.base.querysets import field_path
from evidence.base.tables import ManyColumn, ProvenanceTable

_KNOWN_ARGUMENTS = {"value", "record"}
# Fields a light record leaves deferred: parsing them for every row costs more than
# the rest of the row, and no table method reads them (Django would load one on access).
_DEFERRED_FIELDS = (models.DateTimeField, models.JSONField)


def _text(value):
    """force_str(value, strings_only=True), with the common case first."""
    return value if type(value) is str else force_str(value, strings_only=True)


def _reference_numbers(plan: _Plan, name: str):
    """`ProvenanceTable.value_reference_numbers`: the sorted numbers of the cited
    references, joined by a space."""
    field = plan.model._meta.get_field("cited_references")
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()

    def load(ids: list) -> dict:
        numbers: dict = {}
        rows = _linked(through, source, ids).values_list(
            f"{source}_id", f"{target}__number"
        )
        for owner, number in rows:
            numbers.setdefault(owner, []).append(number)
        return {
            key: " ".join(str(n) for n in sorted(value))
            for key, value in numbers.items()
        }

    key = plan.add_chunk_loader(load)
    pk = plan.key("pk")
    return lambda row, chunk: chunk[key].get(row[pk], "")


def _flags(plan: _Plan, name: str):
    """`ProvenanceTable.value_flags`: the flags joined by " | "."""
    index = plan.key("flags")
    return lambda row, chunk: " | ".join(str(flag) for flag in row[index])


def _verification_status(plan: _Plan, name: str):
    """`ProvenanceTable.value_verification_status`: the stored value (not the label)."""
    index = plan.key("verification_status")
    return lambda row, chunk: _text(row[index])


def _as_plain_column(plan: _Plan, name: str):
    """A `value_<name>` that gives the label of the column's own accessor (such as
    `TherapyColumnsTable.value_modality`, `record.therapy.get_modality_display()` over
    `therapy__modality`): the plain column."""
    return _plan_column(plan, name, method=False)


_OVERRIDES = {
    ProvenanceTable.value_reference_numbers: _reference_numbers,
    ProvenanceTable.value_flags: _flags,
    ProvenanceTable.value_verification_status: _verification_status,
}


def _override(fn):
    function = getattr(fn, "__func__", None)
    if function is None:
        return None
    if getattr(function, "gives_accessor_label", False):  # tables.gives_accessor_label
        return _as_plain_column
    return _OVERRIDES.get(function)


def _batches(iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _display(field) -> Callable[[Any], Any]:
    """`Model._get_FIELD_display` for `field`: its choices dict made once, each label
    remembered."""
    choices = dict(make_hashable(field.flatchoices))
    labels: dict = {}

    def display(value):
        try:
            return labels[value]
        except KeyError:
            pass
        except TypeError:  # an unhashable value
            return force_str(
                choices.get(make_hashable(value), value), strings_only=True
            )
        label = labels[value] = force_str(
            choices.get(make_hashable(value), value), strings_only=True
        )
        return label

    return display


class _Plan:
    """The query and the per-row functions of one table's download."""

    def __init__(self, table, queryset: QuerySet):
        self.table = table
        self.queryset = queryset
        self.model = queryset.model
        self.keys: list[str] = []
        self.chunk_loaders: list[Callable[[list], Any]] = []
        self.objects: dict = {}  # model -> {pk: instance}, kept for the download
        self.light = False
        self.fetch: dict = {}  # model -> (select_related paths, row indices of keys)
        self.chunk_ids: list = []  # the keys of the chunk being read
        self._grouped: dict = {}  # field name -> its links of the chunk being read
        self._linked: dict = {}  # field name -> function giving them

    def new_chunk(self, ids: list) -> None:
        self.chunk_ids = ids
        self._grouped.clear()

    def linked_records(self, field) -> Callable[[], dict] | None:
        """A function giving, for the chunk being read, each record's linked records
        of the forward many-to-many `field` ({key: [record, ...]}, in the order of the
        list's `Prefetch`): one query of the chunk's links, made once per chunk however
        many columns and titles read it, and one of the linked records not seen before
        in the download. None when the order is not plain fields."""
        if field.name in self._linked:
            return self._linked[field.name]
        found = _m2m_links(self.queryset, field)
        grouped_links = None
        if found is not None:
            ordered, links_of = found
            objects: dict = {}  # pk -> linked record, kept for the download
            name = field.name

            def grouped_links() -> dict:
                grouped = self._grouped.get(name)
                if grouped is not None:
                    return grouped
                links = links_of(self.chunk_ids)
                missing = {pk for _, pk in links if pk not in objects}
                if missing:
                    objects.update(
                        (item.pk, item) for item in ordered.filter(pk__in=missing)
                    )
                grouped = self._grouped[name] = {}
                for owner, pk in links:
                    grouped.setdefault(owner, []).append(objects[pk])
                return grouped

            grouped_links.ordered = ordered  # type: ignore[attr-defined]
        self._linked[field.name] = grouped_links
        return grouped_links

    def key(self, name: str) -> int:
        if name not in self.keys:
            self.keys.append(name)
        return self.keys.index(name)

    def add_chunk_loader(self, load: Callable[[list], Any]) -> int:
        self.chunk_loaders.append(load)
        return len(self.chunk_loaders) - 1

    def related(
        self, model, related_paths: list[str], index: int
    ) -> Callable[[Any], Any]:
        """A function of a key of `model` (at `index` in the row) giving its instance,
        read by `in_bulk` of the chunk's missing keys (`fetch_missing`)."""
        cache = self.objects.setdefault(model, {})
        paths, indices = self.fetch.setdefault(model, (set(), set()))
        paths.update(path for path in related_paths if path)
        indices.add(index)
        return lambda pk: None if pk is None else cache[pk]


def _plan_column(
    plan: _Plan, name: str, *, method: bool = True
) -> Callable[[list, dict], Any] | None:
    table = plan.table
    bound_column = table.columns[name]
    column = bound_column.column
    fn = None
    if method:
        # django-tables2's own choice (BoundColumns): value_<name>, render_<name>, or
        # the column's value.
        fn = bound_column.value
        if fn == column.value:
            fn = None
        override = _override(fn)
        if override is not None:
            return override(plan, name)
    bits = list(Accessor(bound_column.accessor).bits)
    fields = field_path(plan.model, bits) if bits != ["pk"] else []
    empty_values = column.empty_values

    if isinstance(column, ManyColumn):
        if fn is not None or type(column).value is not ManyColumn.value:
            return None
        if type(column).filter is not ManyColumn.filter:
            return None
        if not fields or len(fields) != 1 or not fields[0].many_to_many:
            return None
        if fields[0].remote_field.through._meta.auto_created is False:
            return None
        return _plan_many(plan, fields[0])

    if fn is None and type(column).value is tables.Column.value:
        if type(column).render is not tables.Column.render:
            return None  # Column.value gives what a custom render makes
        call = None
        args: tuple = ()
    else:
        call = fn or column.value
        args, kwargs_name = signature(call)
        if kwargs_name or any(arg not in _KNOWN_ARGUMENTS for arg in args):
            return None

    value_of = _plan_value(plan, bits, fields)
    if value_of is None:
        return None
    wants_record = call is not None and "record" in args
    wants_value = call is not None and "value" in args
    if wants_record:
        plan.light = True

    if call is None:

        def cell(row, chunk):
            value = value_of(row)
            if value in empty_values:
                return None
            return value if type(value) is str else _text(value)

        cell.over_batch = _over_batch(value_of, empty_values)  # type: ignore[attr-defined]

    elif wants_record and not wants_value:

        def cell(row, chunk):
            if value_of(row) in empty_values:
                return None
            return _text(call(record=chunk["record"]))

    else:

        def cell(row, chunk):
            value = value_of(row)
            if value in empty_values:
                return None
            if wants_record:
                return _text(call(value=value, record=chunk["record"]))
            return _text(call(value=value))

    return cell


def _plan_value(plan: _Plan, bits: list[str], fields: list | None):
    """A function of a row giving the column's raw value, as django-tables2 resolves
    it (with the choices label); None when the accessor is not a chain of fields."""
    if bits == ["pk"]:
        index = plan.key("pk")
        return lambda row: row[index]
    if not fields and len(bits) == 1 and bits[0] in plan.queryset.query.annotations:
        index = plan.key(bits[0])
        return lambda row: row[index]
    if not fields:
        return None
    last = fields[-1]
    if last.many_to_many or last.one_to_many or last.one_to_one and last.auto_created:
        return None
    if any(field.many_to_many or field.one_to_many for field in fields[:-1]):
        return None
    path = "__".join(bits)
    if last.is_relation:  # the related object itself: str() of it
        first = fields[0]
        if not all(f.many_to_one or f.one_to_one for f in fields):
            return None
        if not all(f.target_field.primary_key for f in fields):
            return None
        # One in_bulk of the first related model, the rest by its select_related:
        # `therapy` and `therapy__cell_source` share the chunk's query of therapies.
        rest = bits[1:]
        index = plan.key(first.attname)
        instance = plan.related(
            first.related_model, ["__".join(rest)] if rest else [], index
        )

        def related_object(row):
            value = instance(row[index])
            for bit in rest:
                if value is None:
                    return None
                value = getattr(value, bit)
            return value

        related_object.key_index = index  # type: ignore[attr-defined]
        return related_object
    index = plan.key(path)
    if getattr(last, "choices", None):
        display = _display(last)
        return _getter(index, display)
    return _getter(index)


def _getter(index: int, display: Callable | None = None) -> Callable[[Any], Any]:
    """A row's value at `index` (its label, with `display`); the function carries both,
    so that a plain column reads a whole chunk in one comprehension (`_over_batch`)."""
    if display is None:

        def value_of(row):
            return row[index]

    else:

        def value_of(row):
            return display(row[index])

    value_of.index = index  # type: ignore[attr-defined]
    value_of.display = display  # type: ignore[attr-defined]
    return value_of


def _over_batch(value_of, empty_values) -> Callable[[list], list] | None:
    """A plain column's cells of a whole chunk, without a function call per cell (the
    calls were a third of a 100k-row download's time): what `cell` gives for each row.
    A related record's text is made once per key (the records are kept for the
    download, so a key always names the same text)."""
    text = _text

    def cell_of(value):
        if value in empty_values:
            return None
        return value if type(value) is str else text(value)

    key_index = getattr(value_of, "key_index", None)
    if key_index is not None:
        texts: dict = {}

        def related_values(batch: list) -> list:
            values = []
            for row in batch:
                key = row[key_index]
                try:
                    values.append(texts[key])
                except KeyError:
                    value = texts[key] = cell_of(value_of(row))
                    values.append(value)
            return values

        return related_values
    index = getattr(value_of, "index", None)
    if index is None:
        return None
    display = value_of.display

    def values(batch: list) -> list:
        raw = [row[index] for row in batch]
        if display is not None:
            raw = [display(value) for value in raw]
        return [
            None
            if value in empty_values
            else value
            if type(value) is str
            else text(value)
            for value in raw
        ]

    return values


def _linked(through, source: str, ids: list):
    """`through` rows whose `source` is one of `ids`. The ids are the integer keys the
    chunk's own query returned, written into the SQL as numbers: Django's `__in` would
    prepare each of the 2,000 parameters, a tenth of a download's time."""
    manager = through._default_manager
    if ids and all(type(pk) is int for pk in ids):
        column = through._meta.get_field(source).column
        ops = connections[manager.db].ops
        table = ops.quote_name(through._meta.db_table)
        numbers = ",".join(map(str, ids))
        return manager.extra(where=[f"{table}.{ops.quote_name(column)} IN ({numbers})"])
    return manager.filter(**{f"{source}__in": ids})


def _m2m_links(queryset: QuerySet, field) -> tuple[QuerySet, Callable] | None:
    """The linked records of a forward many-to-many `field` of `queryset`'s records,
    in the order of the list's `Prefetch` (or the related model's default order):
    (that ordered queryset, a function of a chunk's ids giving the (owner, linked pk)
    pairs in that order, from one query). None when the order is not plain fields."""
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    ordered = field.related_model._default_manager.all()
    lookups: Any = getattr(queryset, "_prefetch_related_lookups", ())
    for lookup in lookups:
        if (
            getattr(lookup, "prefetch_to", lookup) == field.name
            and getattr(lookup, "queryset", None) is not None
        ):
            ordered = lookup.queryset
    ordering = list(ordered.query.order_by) or list(ordered.model._meta.ordering or [])
    if not all(isinstance(term, str) for term in ordering):
        return None
    # The links sorted by the linked records' order, in the database (as the prefetch).
    link_order = [
        f"-{target}__{term[1:]}" if term.startswith("-") else f"{target}__{term}"
        for term in ordering
    ]

    def links(ids: list) -> list[tuple]:
        return list(
            _linked(through, source, ids)
            .order_by(*link_order)
            .values_list(f"{source}_id", f"{target}_id")
        )

    return ordered, links


def _plan_many(plan: _Plan, field) -> Callable[[list, dict], Any] | None:
    """A `ManyColumn`: the linked records' names, in the order of the list's
    `Prefetch` (or the related model's default order), joined by "; "."""
    linked = plan.linked_records(field)
    if linked is None:
        return None
    names: dict = {}  # pk -> str of the linked record, for the download

    def text(record) -> str:
        try:
            return names[record.pk]
        except KeyError:
            name = names[record.pk] = str(record)
            return name

    def load(ids: list) -> dict:
        return {
            owner: "; ".join(map(text, records)) for owner, records in linked().items()
        }

    key = plan.add_chunk_loader(load)
    pk_index = plan.key("pk")
    return lambda row, chunk: chunk[key].get(row[pk_index])


def _nested_paths(tree: dict, prefix: str = "") -> list[str]:
    paths = []
    for name, deeper in tree.items():
        paths.append(prefix + name)
        paths.extend(_nested_paths(deeper, prefix + name + "__"))
    return paths


def _select_related_fields(model, tree) -> list[tuple[Any, list[str]]]:
    """(foreign key, nested select_related paths) of a queryset's select_related."""
    return [
        (model._meta.get_field(name), _nested_paths(nested))
        for name, nested in (tree or {}).items()
    ]


def table_value_rows(
    table, names: list[str], *, chunk_size: int
) -> Iterator[list] | None:
    """The export values of `names` for every record of `table`, as
    `evidence.base.exports.table_rows` gives them; None when this table is not one
    this module can read from `values_list()` (the caller takes the instance path)."""
    queryset = table.data.data
    if not isinstance(queryset, QuerySet) or getattr(queryset, "_fields", None):
        return None
    if not isinstance(queryset.query.select_related, (dict, bool)):
        return None
    plan = _Plan(table, queryset)
    cells = []
    for name in names:
        cell = _plan_column(plan, name)
        if cell is None:
            return None
        cells.append(cell)
    model: Any = plan.model
    light_fields = []
    fk_fills = []
    if plan.light:
        if queryset.query.select_related is True:
            return None
        for field in model._meta.concrete_fields:
            if isinstance(field, _DEFERRED_FIELDS) and not field.primary_key:
                continue  # loaded by Django on first access (a query), if ever
            light_fields.append((field.attname, plan.key(field.attname)))
        # The list's select_related objects that the columns read anyway (one query
        # per chunk); another one a table method reads is loaded by Django on access.
        for field, paths in _select_related_fields(
            model, queryset.query.select_related
        ):
            if field.related_model not in plan.objects:
                continue
            index = plan.key(field.attname)
            instance = plan.related(field.related_model, paths, index)
            fk_fills.append((field.cache_name, index, instance))
    pk_index = plan.key("pk")
    keys = list(plan.keys)
    rows = (
        queryset.prefetch_related(None)
        .values_list(*keys)
        .iterator(chunk_size=chunk_size)
    )
    db = queryset.db
    fast_prefetches, other_lookups = _prefetchers(
        plan, list(queryset._prefetch_related_lookups)
    )

    def fetch_missing(batch) -> None:
        for related_model, (paths, indices) in plan.fetch.items():
            cache = plan.objects[related_model]
            wanted = {row[index] for row in batch for index in indices}
            wanted.discard(None)
            missing = [pk for pk in wanted if pk not in cache]
            if missing:
                related = related_model._base_manager.all()
                if paths:  # select_related() without paths would follow every key
                    related = related.select_related(*sorted(paths))
                cache.update(related.in_bulk(missing))

    light_names = [attname for attname, _ in light_fields]
    indices = [index for _, index in light_fields]
    light_values = (
        itemgetter(*indices)
        if len(indices) > 1
        else (lambda row: tuple(row[index] for index in indices))
    )

    def light(row):
        record = model.__new__(model)
        record.__dict__.update(zip(light_names, light_values(row), strict=True))
        state = record._state = ModelState()
        state.adding = False
        state.db = db
        for cache_name, index, instance in fk_fills:
            state.fields_cache[cache_name] = instance(row[index])
        return record

    over_batch = [getattr(cell, "over_batch", None) for cell in cells]

    def per_row(cell, batch: list, records: list | None, chunk: dict) -> list:
        if records is None:
            return [cell(row, chunk) for row in batch]
        values = []
        for row, record in zip(batch, records, strict=True):
            chunk["record"] = record
            values.append(cell(row, chunk))
        return values

    def generate() -> Iterator[list]:
        for batch in _batches(rows, chunk_size):
            ids = [row[pk_index] for row in batch]
            plan.new_chunk(ids)
            fetch_missing(batch)
            chunk: dict = {
                index: load(ids) for index, load in enumerate(plan.chunk_loaders)
            }
            records = None
            if plan.light:
                # The table's methods read the record (a title reads its conditions):
                # the list's own prefetches, once per chunk over its records.
                records = [light(row) for row in batch]
                for record in records:
                    cache = _ChunkPrefetched(fast_prefetches)
                    cache.pk = record.pk
                    record.__dict__["_prefetched_objects_cache"] = cache
                if other_lookups:
                    prefetch_related_objects(records, *other_lookups)
            # Column by column over the chunk, then row by row out.
            columns = [
                over(batch)
                if over is not None
                else per_row(cell, batch, records, chunk)
                for cell, over in zip(cells, over_batch, strict=True)
            ]
            for values in zip(*columns, strict=True):
                yield list(values)

    return generate()


def _prefetchers(plan: _Plan, lookups: list) -> tuple[dict, list]:
    """The list's prefetches for the light records of a chunk: each plain forward
    many-to-many one (`"conditions"`, or a `Prefetch` of it with an ordered queryset)
    as `{name: (plan.linked_records(field), an unevaluated queryset's attributes)}`,
    read only if a table method reads the relation (`_ChunkPrefetched`); the others
    (nested, `to_attr`, reverse relations), left to Django's `prefetch_related_objects`.

    Django's prefetch builds a related manager and a cloned queryset for every record
    and relation: three quarters of a 100k-row download's time went there.
    """
    fast: dict = {}
    other: list = []
    model = plan.model
    for lookup in lookups:
        name = lookup if isinstance(lookup, str) else lookup.prefetch_to
        field = None
        if "__" not in name and not getattr(lookup, "to_attr", None):
            try:
                field = model._meta.get_field(name)
            except Exception:
                field = None
        if (
            field is None
            or not field.many_to_many
            or field.auto_created
            or field.remote_field.through._meta.auto_created is False
        ):
            other.append(lookup)
            continue
        linked = plan.linked_records(field)
        if linked is None:
            other.append(lookup)
            continue
        fast[name] = (linked, linked.ordered.all().__dict__)
    return fast, other


class _ChunkPrefetched(dict):
    """A light record's `_prefetched_objects_cache`: each fast-prefetched relation's
    finished queryset, as Django's prefetch leaves it (`record.conditions.all()`
    returns it without a query), made when first read: most relations of a list are
    never read by its table's methods. Made by copying the attributes of one
    unevaluated queryset, not by cloning its query."""

    __slots__ = ("pk", "sources")

    def __init__(self, sources: dict):
        super().__init__()
        self.sources = sources

    def __missing__(self, name):
        source = self.sources.get(name)
        if source is None:
            raise KeyError(name)
        linked, template = source
        done = QuerySet.__new__(QuerySet)
        done.__dict__ = template.copy()
        done._result_cache = linked().get(self.pk, [])
        done._prefetch_done = True
        self[name] = done
        return done
