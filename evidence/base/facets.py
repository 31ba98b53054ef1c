"""Facet counts of the filtered lists, and the citations behind a set of rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import django_filters as filters
from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import Cast
from django.http import QueryDict
from django_filters.utils import label_for_filter

from evidence.base import counts
from evidence.models import Publication

#
# Facet counts
#


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str = ""


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)

    @property
    def selected(self) -> list[FacetOption]:
        return [option for option in self.options if option.selected]


FACET_FILTER_TYPES = (filters.MultipleChoiceFilter, filters.ModelMultipleChoiceFilter)


def filter_label(filterset_class: type[filters.FilterSet], name: str) -> str:
    """A filter's human label: its own, else derived from the model field it filters.

    Computed here rather than read from the shared filter objects, whose lazily cached
    label other code (schema generation) may already have filled with the bare name.
    """
    spec = filterset_class.base_filters[name]
    label = spec.extra.get("label") or getattr(spec, "_label", None)
    if not label or label == name:
        label = label_for_filter(
            filterset_class._meta.model, spec.field_name, spec.lookup_expr, spec.exclude
        )
    return str(label)


def filter_data_valid(
    *, filterset_class: type[filters.FilterSet], data: QueryDict
) -> QueryDict:
    """`data` without the parameters whose values the FilterSet rejects."""
    filterset = filterset_class(
        data, queryset=filterset_class._meta.model.objects.none()
    )
    cleaned = data.copy()
    if not filterset.is_valid():
        for name in filterset.errors:
            cleaned.pop(name, None)
    return cleaned


# Choices labelled by more than a name: the (text, number) fields their `__str__` reads,
# fetched with the counts so that labels cost no query of their own.
LABEL_FIELDS = {Publication: ("authors", "year")}
_LABEL_ROWS = " labels"  # a space: never part of a filter name


def _labelled_by_name(model) -> bool:
    """Whether a record's label is its `name` column (the vocabulary models, and models
    that say so with `label_is_name`)."""
    from evidence.base.models import VocabularyModel

    return model.__str__ is VocabularyModel.__str__ or getattr(
        model, "label_is_name", False
    )


def _applied_filters(
    filterset_class: type[filters.FilterSet],
    data: QueryDict,
    filterset: filters.FilterSet | None,
) -> filters.FilterSet:
    """A validated FilterSet of `data`: the view's own when it is valid, else one
    without the rejected parameters."""
    if filterset is not None and filterset.is_bound and filterset.is_valid():
        return filterset
    model = filterset_class._meta.model
    valid = filterset_class(
        filter_data_valid(filterset_class=filterset_class, data=data),
        queryset=model._default_manager.all(),
    )
    valid.is_valid()
    return valid


def facet_counts(
    *,
    filterset_class: type[filters.FilterSet],
    data: QueryDict,
    names: Sequence[str] | None = None,
    filterset: filters.FilterSet | None = None,
) -> list[Facet]:
    """Counts per choice of each multiple-choice filter of `filterset_class`.

    Each facet counts over the rows the *other* filters select (its own filter is left
    out), with one grouped query per facet; a row linked to two choices through a
    many-to-many relation counts under both. Choices with no rows are left out unless
    selected.

    The grouped queries of all facets go to the database as one UNION ALL statement,
    and the labels of vocabulary choices come with the counts, so a list page spends
    one query on its facets whatever their number. Pass the view's bound `filterset`
    to reuse its validated values instead of validating them again.
    """
    base_filters = filterset_class.base_filters
    names = list(
        names
        or [
            name
            for name, f in base_filters.items()
            if isinstance(f, FACET_FILTER_TYPES)
        ]
    )
    # Counts change only with the data: cached per filter values and data version.
    key = repr(
        (
            f"facets:{filterset_class.__module__}.{filterset_class.__qualname__}",
            names,
            sorted((k, sorted(v)) for k, v in data.lists() if k in base_filters and v),
        )
    )
    return counts.cached(
        key, lambda: _facet_counts(filterset_class, data, names, filterset)
    )


def _facet_counts(
    filterset_class: type[filters.FilterSet],
    data: QueryDict,
    names: list[str],
    filterset: filters.FilterSet | None,
) -> list[Facet]:
    model = filterset_class._meta.model
    applied = _applied_filters(filterset_class, data, filterset)
    cleaned = {
        name: value
        for name, value in applied.form.cleaned_data.items()
        if value not in (None, "", [], ())
        and not (hasattr(value, "exists") and not value)
    }
    base_filters = filterset_class.base_filters
    # The rows each facet counts over; facets whose own filter is not applied share one.
    rows_by_filters: dict[frozenset, QuerySet] = {}

    def rows_without(name: str) -> QuerySet:
        key = frozenset(cleaned) - {name}
        if key not in rows_by_filters:
            rows = model._default_manager.all()
            for other in sorted(key):
                rows = applied.filters[other].filter(rows, cleaned[other])
            rows_by_filters[key] = rows.values("pk")
        return rows_by_filters[key]

    grouped = []
    label_queries: dict[str, QuerySet] = {}
    for name in names:
        spec = base_filters[name]
        label_path = None
        if isinstance(spec, filters.ModelMultipleChoiceFilter):
            key = spec.extra.get("to_field_name") or "pk"
            path = f"{spec.field_name}__{key}"
            label_model = spec.queryset.model
            if _labelled_by_name(label_model):
                label_path = f"{spec.field_name}__name"
            elif label_model in LABEL_FIELDS:
                # The choices' label fields ride in the same statement, as extra rows.
                text_field, number_field = LABEL_FIELDS[label_model]
                grouped.append(
                    spec.queryset.all()
                    .order_by()
                    .annotate(
                        _facet=Value(f"{name}{_LABEL_ROWS}", output_field=CharField()),
                        _value=Cast(key, CharField()),
                        _label=Cast(text_field, CharField()),
                        _n=F(number_field),
                    )
                    .values_list("_facet", "_value", "_label", "_n")
                )
            else:
                # A fresh copy: the class-level queryset would keep its first results.
                label_queries[name] = spec.queryset.all()
        else:
            path = spec.field_name
        grouped.append(
            model._default_manager.filter(pk__in=rows_without(name))
            .order_by()
            .annotate(
                _facet=Value(name, output_field=CharField()),
                _value=Cast(path, CharField()),
                _label=Cast(label_path, CharField())
                if label_path
                else Value("", output_field=CharField()),
            )
            .values("_facet", "_value", "_label")
            .annotate(_n=Count("pk", distinct=True))
            .values_list("_facet", "_value", "_label", "_n")
        )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    found_labels: dict[str, dict[str, str]] = defaultdict(dict)
    if grouped:
        union = grouped[0].union(*grouped[1:], all=True) if grouped[1:] else grouped[0]
        for facet, value, label, n in union:
            if value is None:
                continue
            if facet.endswith(_LABEL_ROWS):
                name = facet[: -len(_LABEL_ROWS)]
                label_model = base_filters[name].queryset.model
                text_field, number_field = LABEL_FIELDS[label_model]
                key = base_filters[name].extra.get("to_field_name") or "pk"
                record = label_model(**{text_field: label, number_field: n, key: value})
                found_labels[name][value] = str(record)
                continue
            counts[facet][value] = n
            if label:
                found_labels[facet][value] = label
    facets = []
    for name in names:
        spec = base_filters[name]
        selected = set(data.getlist(name))
        if isinstance(spec, filters.ModelMultipleChoiceFilter):
            key = spec.extra.get("to_field_name") or "pk"
            labels = found_labels[name]
            # The chosen records are already in the validated values.
            for obj in cleaned.get(name) or ():
                labels.setdefault(str(getattr(obj, key)), str(obj))
            if name in label_queries:
                labels.update(
                    {str(getattr(obj, key)): str(obj) for obj in label_queries[name]}
                )
            values = [v for v in labels if counts[name].get(v) or v in selected]
        else:
            labels = {str(value): str(label) for value, label in spec.extra["choices"]}
            values = list(labels)
        options = [
            FacetOption(
                value, labels[value], counts[name].get(value, 0), value in selected
            )
            for value in values
            if value in labels and (counts[name].get(value) or value in selected)
        ]
        if isinstance(spec, filters.ModelMultipleChoiceFilter):
            options.sort(key=lambda option: (-option.count, option.label.lower()))
        facets.append(
            Facet(name=name, label=filter_label(filterset_class, name), options=options)
        )
    return facets


#
# Citations behind a set of rows
#

PROVENANCE_PATHS = (
    "source_review",
    "primary_publication",
    "cited_references__publication",
)


def publications_for_rows(
    *, queryset: QuerySet, paths: Sequence[str] = PROVENANCE_PATHS
) -> QuerySet[Publication]:
    """The publications that rows of `queryset` cite through `paths` (one query)."""
    ids: set[int] = set()
    pks = queryset.order_by().values("pk")
    model = queryset.model
    for path in paths:
        ids.update(
            model._default_manager.filter(pk__in=pks)
            .exclude(**{f"{path}__isnull": True})
            .values_list(path, flat=True)
            .distinct()
        )
    return Publication.objects.filter(pk__in=ids).order_by("year", "slug")
