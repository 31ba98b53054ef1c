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

from django.db.models import F, IntegerField, Model, TextField, Value
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
