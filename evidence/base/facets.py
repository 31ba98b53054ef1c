"""Facet counts of the filtered lists, and the citations behind a set of rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import django_filters as filters
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, QuerySet
from django.http import QueryDict
from django_filters.utils import label_for_filter

from evidence.base import counts
from evidence.base.querysets import field_path
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
# The SQL types of the facet statement's columns (SQLite and PostgreSQL).
_TEXT = "text"
_INTEGER = "bigint"


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


class _FacetStatement:
    """The grouped counts of every facet as one UNION ALL statement of rows
    (facet, value, label, count, related key).

    Each facet groups by the raw column (a facet over a relation: by the related
    record's key, its value and label coming from the choices' extra rows); the text
    casts that the UNION needs are applied outside the grouping, so that the database
    groups on the column's index instead of sorting cast text (at 100k trials a
    facet went from 50-300 ms to 5-100 ms on SQLite). A facet over one many-to-many
    relation counts its link table's rows.
    """

    def __init__(self, using: str):
        self.using = using
        self.connection = connections[using]
        self.parts: list[tuple[str, list]] = []
        self.key_sets: list[tuple[str, list]] = []  # WITH k0(id) AS (...), ...

    def key_set(self, rows: QuerySet) -> str:
        """The name of a common table expression (one column, `id`) of `rows`' keys."""
        name = f"_k{len(self.key_sets)}"
        try:
            sql, params = (
                rows.order_by()
                .values_list("pk")
                .query.get_compiler(self.using)
                .as_sql()
            )
        except EmptyResultSet:  # a filter that can match nothing (`.none()`)
            table = self.connection.ops.quote_name(rows.model._meta.db_table)
            sql = f"SELECT {self.column_of(rows.model)} FROM {table} WHERE 1 = 0"
            params = []
        self.key_sets.append((f"{name}(id) AS ({sql})", list(params)))
        return name

    def column_of(self, model, field_name: str | None = None) -> str:
        """The quoted `table.column` of `model`'s field (its key by default)."""
        quote = self.connection.ops.quote_name
        field = (
            model._meta.pk if field_name is None else model._meta.get_field(field_name)
        )
        return f"{quote(model._meta.db_table)}.{quote(field.column)}"

    def _wrap(self, facet: str, queryset: QuerySet, columns: str) -> None:
        inner, params = queryset.query.get_compiler(using=self.using).as_sql()
        self.parts.append((f"SELECT %s, {columns} FROM ({inner}) _g", [facet, *params]))

    def _col(self, name: str) -> str:
        return f"_g.{self.connection.ops.quote_name(name)}"

    def add_value_counts(self, facet: str, rows: QuerySet, path: str) -> None:
        grouped = (
            rows.order_by()
            .values(_v=F(path))
            .annotate(_n=Count("pk", distinct=_needs_distinct(rows.model, path)))
            .values_list("_v", "_n")
        )
        self._wrap(
            facet,
            grouped,
            f"CAST({self._col('_v')} AS {_TEXT}), '', {self._col('_n')}, "
            f"CAST(NULL AS {_INTEGER})",
        )

    def add_relation_counts(
        self, facet: str, rows: QuerySet, keys: str | None, path: str
    ) -> None:
        model = rows.model
        field = _field_at(model, path)
        if (
            field is not None
            and "__" not in path
            and field.many_to_many
            and not field.auto_created
            and field.remote_field.through._meta.auto_created
        ):
            # The link table alone: each (row, choice) pair is one of its rows.
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            links = through._default_manager.all()
            if keys is not None:
                column = self.column_of(through, source)
                links = links.extra(where=[f"{column} IN (SELECT id FROM {keys})"])
            grouped = (
                links.order_by()
                .values(_v=F(f"{target}_id"))
                .annotate(_n=Count("pk"))
                .values_list("_v", "_n")
            )
        else:
            grouped = (
                rows.order_by()
                .values(_v=F(path))
                .annotate(_n=Count("pk", distinct=_needs_distinct(model, path)))
                .values_list("_v", "_n")
            )
        self._wrap(
            facet,
            grouped,
            f"CAST(NULL AS {_TEXT}), '', {self._col('_n')}, {self._col('_v')}",
        )

    def add_choices(
        self,
        facet: str,
        choices: QuerySet,
        key: str,
        label_field: str,
        number_field: str | None = None,
    ) -> None:
        numbered = {"_m": F(number_field)} if number_field else {}
        rows = choices.values(
            _k=F(key), _l=F(label_field), **numbered, _p=F("pk")
        ).values_list("_k", "_l", *numbered, "_p")
        number = self._col("_m") if number_field else "0"
        self._wrap(
            f"{facet}{_LABEL_ROWS}",
            rows,
            f"CAST({self._col('_k')} AS {_TEXT}), CAST({self._col('_l')} AS {_TEXT}), "
            f"{number}, {self._col('_p')}",
        )

    def rows(self) -> list[tuple]:
        if not self.parts:
            return []
        sql = " UNION ALL ".join(part for part, _ in self.parts)
        params = [param for _, part_params in self.parts for param in part_params]
        if self.key_sets:
            sql = f"WITH {', '.join(cte for cte, _ in self.key_sets)} {sql}"
            params = [p for _, cte_params in self.key_sets for p in cte_params] + params
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def _field_at(model, path: str):
    """The model field at the end of `path`, or None."""
    fields = field_path(model, path.split("__"))
    return fields[-1] if fields else None


def _needs_distinct(model, path: str) -> bool:
    """Whether grouping `model`'s rows by `path` can count a row twice in one group:
    unless the path crosses at most one many-valued relation and that one is a
    many-to-many with Django's own link table (one link per pair), it can (a
    component with three findings of one effect is joined three times)."""
    fields = field_path(model, path.split("__"))
    if fields is None:
        return True
    many = [field for field in fields if field.many_to_many or field.one_to_many]
    if not many:
        return False
    if len(many) > 1:
        return True
    (field,) = many
    if not field.many_to_many:
        return True
    through = (field.remote_field if field.auto_created else field).remote_field
    return not through.through._meta.auto_created


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
    statement = _FacetStatement(model._default_manager.db)
    # The rows each facet counts over; facets whose own filter is not applied share one.
    rows_by_filters: dict[frozenset, tuple[QuerySet, str | None]] = {}

    def rows_without(name: str) -> tuple[QuerySet, str | None]:
        """What facet `name` groups: the rows the other filters select, as the keys
        of a common table expression of the statement (worked out once however many
        facets read it: a search's key set was computed again for every facet), and
        every row whose key is among them (a filter over a many-to-many relation
        joins a row once per link; and SQLite reads a filtered 100k-row table faster
        through such a key set than through a column's index); with no other filter,
        all rows. Returns (rows, the expression's name or None)."""
        key = frozenset(cleaned) - {name}
        if key not in rows_by_filters:
            rows = model._default_manager.all()
            for other in sorted(key):
                rows = applied.filters[other].filter(rows, cleaned[other])
            keys = None
            if key:
                keys = statement.key_set(rows)
                rows = model._default_manager.extra(
                    where=[f"{statement.column_of(model)} IN (SELECT id FROM {keys})"]
                )
            rows_by_filters[key] = (rows, keys)
        return rows_by_filters[key]

    label_queries: dict[str, QuerySet] = {}
    relation_facets = set()
    key_facets = set()  # choices counted by their key's value, not their record
    for name in names:
        spec = base_filters[name]
        if isinstance(spec, filters.ModelMultipleChoiceFilter):
            relation_facets.add(name)
            key = spec.extra.get("to_field_name") or "pk"
            label_model = spec.queryset.model
            choices = spec.queryset.all().order_by()
            # The choices' keys and labels ride in the same statement, as extra rows.
            if _labelled_by_name(label_model):
                statement.add_choices(name, choices, key, "name")
            elif label_model in LABEL_FIELDS:
                statement.add_choices(name, choices, key, *LABEL_FIELDS[label_model])
            else:
                # A fresh copy: the class-level queryset would keep its first results.
                label_queries[name] = spec.queryset.all()
            target = _field_at(model, spec.field_name)
            if target is not None and target.is_relation:
                statement.add_relation_counts(
                    name, *rows_without(name), spec.field_name
                )
            else:  # a path to the choices' key column itself: counted by its value
                relation_facets.discard(name)
                key_facets.add(name)
                statement.add_value_counts(name, rows_without(name)[0], spec.field_name)
        else:
            statement.add_value_counts(name, rows_without(name)[0], spec.field_name)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    found_labels: dict[str, dict[str, str]] = defaultdict(dict)
    by_key: dict[str, dict[int, int]] = defaultdict(dict)  # facet -> related pk -> n
    choices_of: dict[str, dict] = defaultdict(dict)  # facet -> pk -> (value, label)
    for facet, value, label, n, pk in statement.rows():
        if facet.endswith(_LABEL_ROWS):
            name = facet[: -len(_LABEL_ROWS)]
            label_model = base_filters[name].queryset.model
            if label_model in LABEL_FIELDS:
                text_field, number_field = LABEL_FIELDS[label_model]
                key = base_filters[name].extra.get("to_field_name") or "pk"
                record = label_model(**{text_field: label, number_field: n, key: value})
                label = str(record)
            choices_of[name][pk] = (value, label)
        elif facet in relation_facets:
            if pk is not None:
                by_key[facet][pk] = n
        elif value is not None:
            counts[facet][value] = n
    for name, queryset in label_queries.items():
        key = base_filters[name].extra.get("to_field_name") or "pk"
        choices_of[name] = {
            obj.pk: (str(getattr(obj, key)), str(obj)) for obj in queryset
        }
    for name in key_facets:
        for value, label in choices_of[name].values():
            found_labels[name][value] = label
    for name, numbers in by_key.items():
        for pk, n in numbers.items():
            if pk in choices_of[name]:
                value, label = choices_of[name][pk]
                counts[name][value] = n
                found_labels[name][value] = label
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
