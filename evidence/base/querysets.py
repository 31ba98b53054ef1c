"""Query vocabulary of every curated record (provenance), shared by all apps."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce


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

    def flagged(self) -> Self:
        return self.exclude(flags=[])

    def with_list_related(self) -> Self:
        return self.with_provenance()
