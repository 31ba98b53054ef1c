"""The names of the many-to-many neighbours of several lists of records, in one query.

A page that lists trials and studies (and findings ...) shows each record's title,
which names its conditions, model systems or outcome classes: one prefetch per
relation and kind, five or six queries. These neighbours are vocabulary records whose
page shows only their name and link, so one UNION ALL query over the link tables
reads (owner, id, slug, name) for all of them; each record gets its related records
as Django's prefetch would store them (deferred instances: only `id`, `slug` and
`name` are read; touching another field would cost a query, which the query-budget
tests would catch).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db.models import (
    F,
    IntegerField,
    ManyToManyField,
    Model,
    Prefetch,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast

NAME_FIELDS = ("slug", "name")


def prefetch_names(lookups: Sequence[tuple[Sequence[Model], str, str]]) -> None:
    """For each (records, many-to-many field name, ordering field of the related
    records): set the field's prefetch cache of every record, in one query."""
    lookups = [(list(records), name, order) for records, name, order in lookups]
    branches = []
    for part, (records, name, order) in enumerate(lookups):
        if not records:
            continue
        model_field = records[0]._meta.get_field(name)
        # From the link table, filtered by its indexed owner column: every row read
        # is one that is shown.
        through = model_field.remote_field.through
        owner = model_field.m2m_field_name()
        target = model_field.m2m_reverse_field_name()
        branches.append(
            through._default_manager.filter(
                **{f"{owner}__in": [record.pk for record in records]}
            )
            .annotate(
                _part=Value(part, output_field=IntegerField()),
                _owner=F(f"{owner}_id"),
                _sort=Cast(F(f"{target}__{order}"), TextField()),
                _id=F(f"{target}_id"),
                **{f"_{n}": F(f"{target}__{n}") for n in NAME_FIELDS},
            )
            .values_list(
                "_part", "_owner", "_sort", "_id", *(f"_{n}" for n in NAME_FIELDS)
            )
            .order_by()
        )
    found: dict[tuple[int, int], list[Model]] = defaultdict(list)
    if branches:
        first, *rest = branches
        rows = first.union(*rest, all=True) if rest else first
        db = rows.db
        for part, owner, _, *values in rows.order_by("_part", "_owner", "_sort", "_id"):
            records, name, _ = lookups[part]
            related = records[0]._meta.get_field(name).related_model
            found[(part, owner)].append(
                related.from_db(db, ["id", *NAME_FIELDS], values)
            )
    for part, (records, name, _) in enumerate(lookups):
        for record in records:
            manager = getattr(record, name)
            queryset = manager.get_queryset()
            queryset._result_cache = found.get((part, record.pk), [])
            queryset._prefetch_done = True
            record.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


#
# A page's many-to-many relations, without a manager and a queryset per record
#


class LinkedRows(dict):
    """A record's `_prefetched_objects_cache` filled by `prefetch_links`: each
    relation's related records as a list in `rows` (what
    `evidence.base.querysets.prefetched` returns), and Django's prefetched queryset,
    made from them only when the related manager is used (`record.conditions.all()`,
    `.filter()` ...): filtered to the record, as Django's prefetch leaves it."""

    __slots__ = ("record", "rows", "_making")

    def __init__(self, record: Model):
        super().__init__()
        self.record = record
        self.rows: dict[str, list] = {}
        self._making: set[str] = set()

    def __missing__(self, name: str):
        rows = self.rows.get(name)
        if rows is None or name in self._making:
            raise KeyError(name)
        # The manager looks here first; while it is made, it finds nothing and builds
        # the record's own queryset.
        self._making.add(name)
        try:
            queryset = getattr(self.record, name).get_queryset()
        finally:
            self._making.discard(name)
        queryset._result_cache = rows
        queryset._prefetch_done = True
        self[name] = queryset
        return queryset


def _link_lookup(model: type[Model], lookup) -> tuple | None:
    """(name, many-to-many field, ordering of the related records, their foreign keys
    read along, the attnames read) when `lookup` is a plain forward many-to-many
    prefetch (`"conditions"`, or a `Prefetch` of it whose queryset only orders by
    fields and either selects related records one foreign key away or reads some
    fields with `only()` / `defer()`), else None."""
    is_prefetch = isinstance(lookup, Prefetch)
    name = lookup.prefetch_to if is_prefetch else lookup
    if "__" in name or (is_prefetch and lookup.to_attr):
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not isinstance(field, ManyToManyField):
        return None
    related = field.related_model
    queryset = lookup.queryset if is_prefetch else None
    if queryset is not None:
        query = queryset.query
        joined = query.select_related
        if isinstance(joined, dict) and all(not deeper for deeper in joined.values()):
            joined = list(joined)
        else:
            joined = [] if joined is False else None
        if (
            queryset.model is not related
            or joined is None
            or query.where
            or query.annotations
            or query.extra
            or query.distinct
            or query.is_sliced
            or queryset._prefetch_related_lookups
        ):
            return None
        ordering = list(query.order_by) or list(related._meta.ordering)
        loaded = _loaded_fields(related, query)
        if loaded is None:
            return None
    else:
        ordering, joined = list(related._meta.ordering), []
        loaded = related._meta.concrete_fields
    local = {f.name for f in related._meta.concrete_fields} | {"pk"}
    if not all(isinstance(o, str) and o.lstrip("-") in local for o in ordering):
        return None
    keys = []
    for key_name in joined:
        try:
            key = related._meta.get_field(key_name)
        except FieldDoesNotExist:
            return None
        if not (key.many_to_one or key.one_to_one) or not key.concrete:
            return None
        keys.append(key)
    attnames = [f.attname for f in loaded]
    # Django refuses a deferred key that select_related traverses; so does this path.
    if any(key.attname not in attnames for key in keys):
        return None
    return name, field, ordering, keys, attnames


def _loaded_fields(model: type[Model], query) -> list | None:
    """The concrete fields a queryset with `only()` / `defer()` reads (Django's own
    select mask: its key always), or None when it restricts a related record's fields."""
    try:
        mask = query.get_select_mask()
    except (FieldDoesNotExist, FieldError):
        return None
    fields = model._meta.concrete_fields
    if not mask:
        return list(fields)
    if any(mask.values()):
        return None
    return [f for f in fields if f in mask]


def split_links(queryset: QuerySet) -> tuple[QuerySet, list]:
    """`queryset` without its plain many-to-many prefetches, and those, for
    `prefetch_links` to read for the records of a page."""
    links, kept = [], []
    for lookup in queryset._prefetch_related_lookups:
        found = _link_lookup(queryset.model, lookup)
        if found is None:
            kept.append(lookup)
        else:
            links.append(found)
    if not links:
        return queryset, []
    return queryset.prefetch_related(None).prefetch_related(*kept), links


def prefetch_links(records: Sequence[Model], links: Sequence) -> None:
    """The related records of each of `links` (from `split_links`) for `records`: one
    query per relation, over its link table joined to the related table, as Django's
    prefetch reads them (every field, or those of the prefetch's `only()`, as deferred
    instances; in the prefetch's order, the related key last).

    Django's prefetch builds a related manager and a filtered queryset for every record
    and relation: a third of an API page of 50 trials. Here each record gets its lists
    (`LinkedRows`), and the querysets only if something asks the manager."""
    records = [record for record in records if record.pk is not None]
    if not records or not links:
        return
    caches = {}
    for record in records:
        cache = record.__dict__.get("_prefetched_objects_cache")
        if not isinstance(cache, LinkedRows):
            cache = LinkedRows(record)
            cache.update(record.__dict__.get("_prefetched_objects_cache") or {})
            record.__dict__["_prefetched_objects_cache"] = cache
        caches[record.pk] = cache
    db = records[0]._state.db
    for name, field, ordering, keys, attnames in links:
        related = field.related_model
        through = field.remote_field.through
        owner = field.m2m_field_name()
        target = field.m2m_reverse_field_name()
        columns = [f"{owner}_id", *(f"{target}__{a}" for a in attnames)]
        # Each selected foreign key's record: its fields after the related record's.
        joined = []
        for key in keys:
            key_attnames = [f.attname for f in key.related_model._meta.concrete_fields]
            start = len(columns)
            columns += [f"{target}__{key.name}__{a}" for a in key_attnames]
            joined.append((key, key_attnames, start, start + len(key_attnames)))
        order = [
            ("-" if item.startswith("-") else "") + f"{target}__{item.lstrip('-')}"
            for item in ordering
        ] + [f"{target}__pk"]
        rows = (
            through._base_manager.using(db)
            .filter(**{f"{owner}__in": list(caches)})
            .order_by(*order)
            .values_list(*columns)
        )
        grouped: dict = {pk: [] for pk in caches}
        width = 1 + len(attnames)
        for row in rows:
            instance = related.from_db(db, attnames, row[1:width])
            for key, key_attnames, start, end in joined:
                values = row[start:end]
                # A null key: no record (values_list gives None for every field).
                instance._state.fields_cache[key.name] = (
                    None
                    if getattr(instance, key.attname) is None
                    else key.related_model.from_db(db, key_attnames, values)
                )
            grouped[row[0]].append(instance)
        for pk, cache in caches.items():
            cache.rows[name] = grouped[pk]
