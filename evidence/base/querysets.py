"""Query vocabulary of every curated record (provenance), shared by all apps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable


def prefetched(record, cache_name: str):
    """The rows of `record`'s prefetched relation `cache_name`, straight from Django's
    prefetch cache, or None when it was not prefetched: the related manager that
    `record.<relation>` builds costs more than reading the rows (a 100k-row download
    titles every row; an API list serializes every link)."""
    cache = record.__dict__.get("_prefetched_objects_cache")
    if cache is None:
        return None
    rows = getattr(cache, "rows", None)  # evidence.base.prefetch.LinkedRows
    if rows is not None and cache_name in rows:
        return rows[cache_name]
    try:
        return cache[cache_name]
    except KeyError:
        return None


def field_path(model, bits) -> list | None:
    """The model fields along the lookup `bits` ("therapy", "cell_source"), or None
    when a bit is not a field."""
    fields = []
    for bit in bits:
        if model is None:
            return None
        try:
            field = model._meta.get_field(bit)
        except Exception:
            return None
        fields.append(field)
        model = field.related_model if field.is_relation else None
    return fields


def related_count(model: type[models.Model], relation: str) -> Coalesce:
    """The number of rows linked to each row of `model` through `relation`, as a
    correlated sub-query on the link column (a reverse foreign key or either side of a
    many-to-many), for `annotate()`.

    `Count(relation, distinct=True)` joins the related table into the list's query; two
    such counts multiply (every trial of a therapy times every study) and the whole
    product is grouped before the first row comes out: minutes at 100k trials. The
    sub-query counts one row's links from the index of the link column, and orders like
    any annotation (`order_by("trial_count")`). It counts every linked row, as the join
    did: no manager filters apply.
    """
    # Any: which attributes exist depends on the kind of relation, checked below.
    field: Any = model._meta.get_field(relation)
    if field.many_to_many:
        if field.auto_created:  # the reverse side: `Condition.trials`
            m2m, column = field.field, field.field.m2m_reverse_field_name()
        else:  # the forward side: `ClinicalTrial.conditions`
            m2m, column = field, field.m2m_field_name()
        links = m2m.remote_field.through._base_manager
    elif field.one_to_many:  # a reverse foreign key: `Therapy.trials`
        links, column = field.related_model._base_manager, field.field.name
    else:
        raise ValueError(f"{model.__name__}.{relation} is not a to-many relation")
    counted = (
        links.filter(**{column: OuterRef("pk")})
        .order_by()
        .values(column)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(
        Subquery(counted, output_field=IntegerField()),
        Value(0),
        output_field=IntegerField(),
    )


# The fields the API's brief forms show (evidence/base/api/serializers.py): of the
# provenance's review and primary publication, and of linked vocabulary records.
PROVENANCE_BRIEF = {"source_review": ("slug",), "primary_publication": ("doi",)}
VOCABULARY_BRIEF = ("slug", "name")


class CuratedQuerySet(models.QuerySet):
    """Queries common to every record that carries provenance."""

    def with_provenance(self) -> Self:
        from evidence.models import ReviewReference

        return self.select_related(
            "source_review", "primary_publication"
        ).prefetch_related(
            Prefetch(
                "cited_references",
                queryset=ReviewReference.objects.select_related("review").order_by(
                    "number"
                ),
            )
        )

    def with_vocabulary(self, *, brief: bool = False, **orders: str) -> Self:
        """Provenance, and each named many-to-many relation's vocabulary records in the
        order given (`conditions="name"`); with `brief`, only the slug and name that
        their brief forms show (evidence/base/prefetch.py reads them so)."""
        lookups = []
        for relation, order in orders.items():
            related = self.model._meta.get_field(relation).related_model
            queryset = related._default_manager.order_by(order)
            if brief:
                queryset = queryset.only(*VOCABULARY_BRIEF)
            lookups.append(Prefetch(relation, queryset=queryset))
        return self.with_provenance().prefetch_related(*lookups)

    def reading_only(self, **kept: Sequence[str]) -> Self:
        """Each named `select_related` record read with the listed fields only (and its
        key): what a brief form shows (`therapy=("slug", "name")`). The joined rows'
        other columns (descriptions, citations, dates) are not selected; a field left
        out still loads when touched, at a query per record, which the API's query
        budget tests would show."""
        deferred = []
        for relation, names in kept.items():
            related = self.model._meta.get_field(relation).related_model
            deferred += [
                f"{relation}__{field.name}"
                for field in related._meta.concrete_fields
                if not field.primary_key and field.name not in names
            ]
        return self.defer(*deferred)

    def flagged(self) -> Self:
        return self.exclude(flags=[])

    def with_list_related(self) -> Self:
        return self.with_provenance()


class _LatePageRows(models.QuerySet):
    """Slicing reads the page's ids first, then only those rows with their joins.

    `queryset[a:b]` becomes: the rows whose id is among the ids of `queryset`'s rows
    `a` to `b` (one `values("pk")` sub-query, which keeps the filters and the
    ordering), with `queryset`'s joins (`select_related`), prefetches and ordering.
    One query still, but the database sorts narrow rows (the id and the sort keys)
    instead of every matching row with every joined column: at 100k trials a `q`
    matching 11k trials sorted 11k rows of 2 kB on PostgreSQL for a page of 50.
    Querysets with annotations, DISTINCT or a set operation slice as usual.
    """

    def __getitem__(self, key):
        query = self.query
        if (
            not isinstance(key, slice)
            or key.stop is None
            or self._result_cache is not None
            or self._iterable_class is not ModelIterable
            or query.is_sliced
            or query.annotations
            or query.distinct
            or query.combinator
        ):
            return super().__getitem__(key)
        ids = self.values("pk")[key]
        rows = self.model._default_manager.all()
        rows.query.select_related = query.select_related
        rows.query.deferred_loading = query.deferred_loading
        rows._prefetch_related_lookups = self._prefetch_related_lookups  # type: ignore[attr-defined]
        rows = rows.filter(pk__in=ids)
        if query.order_by:
            rows = rows.order_by(*query.order_by)
        elif not query.default_ordering:
            rows = rows.order_by()
        return rows


_LATE_PAGE_CLASSES: dict[type, type] = {}


def late_page_rows(queryset: models.QuerySet) -> models.QuerySet:
    """`queryset`, whose pages read their rows after their ids (`_LatePageRows`)."""
    cls = type(queryset)
    if issubclass(cls, _LatePageRows):
        return queryset
    late = _LATE_PAGE_CLASSES.get(cls)
    if late is None:
        late = type(f"LatePage{cls.__name__}", (_LatePageRows, cls), {})
        _LATE_PAGE_CLASSES[cls] = late
    clone = queryset._chain()  # type: ignore[attr-defined]
    clone.__class__ = late
    return clone
