"""Text search shared by every FilterSet's `q`: indexed where the tables are large.

The meaning is the same everywhere: a row matches when one of the FilterSet's
`search_fields` contains the text (case-insensitive), or, on PostgreSQL, when its
`vector_fields` match it as a full-text query (English stemming, websearch syntax).

How it is answered depends on the table and the database:

- the large tables listed in `INDEXED_SEARCH` have an index over their own text fields,
  made by trials/migrations/0005_search_indexes.py: on SQLite an FTS5 table with the
  trigram tokenizer (substring matching, kept in step by triggers), on PostgreSQL a
  pg_trgm GIN index over the upper-cased concatenated fields and a GIN index over the
  full-text vector. A search of three characters or more uses them;
- text of related records (`therapy__name`, `conditions__name`) is matched in the small
  related table first, then joined by key;
- everything else is a plain `icontains` scan.

Each part is a sub-query on primary keys, so joins never duplicate rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import ManyToManyField, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Upper

MAX_QUERY_LENGTH = 200
# Trigram indexes cannot answer a search shorter than one trigram.
MIN_INDEXED_LENGTH = 3
SEARCH_CONFIG = "english"

# Model label -> the text fields its search index covers. The migration that builds the
# indexes holds a copy of these lists: change both together.
INDEXED_SEARCH: dict[str, tuple[str, ...]] = {
    "trials.ClinicalTrial": (
        "nct_id",
        "slug",
        "design_as_printed",
        "condition_as_printed",
        "outcome_as_printed",
    ),
    "trials.Study": (
        "slug",
        "title",
        "authors_as_printed",
        "condition_as_printed",
        "findings",
        "cell_as_printed",
    ),
}


def fts_table(db_table: str) -> str:
    """The SQLite FTS5 table that indexes `db_table`."""
    return f"{db_table}_fts"


def search_document(fields: Sequence[str]) -> Upper:
    """The upper-cased text of `fields`, one per line (PostgreSQL trigram index)."""
    parts: list = []
    for field in fields:
        if parts:
            parts.append(Value("\n"))
        parts.append(field)
    return Upper(Concat(*parts, output_field=TextField()))


def search_vector(fields: Sequence[str]) -> SearchVector:
    """The full-text vector of `fields` (PostgreSQL GIN index)."""
    return SearchVector(*fields, config=SEARCH_CONFIG)


def _indexed_fields(model, local: Sequence[str]) -> tuple[str, ...] | None:
    indexed = INDEXED_SEARCH.get(model._meta.label)
    if indexed and sorted(indexed) == sorted(local):
        return indexed
    return None


def _local_matches(model, fields: Sequence[str], text: str) -> QuerySet | RawSQL:
    """The primary keys of the rows of `model` whose `fields` contain `text`."""
    manager = model._default_manager
    indexed = _indexed_fields(model, fields)
    if indexed and len(text) >= MIN_INDEXED_LENGTH:
        if connection.vendor == "sqlite":
            table = connection.ops.quote_name(fts_table(model._meta.db_table))
            # A quoted FTS5 string: with the trigram tokenizer, a substring match.
            phrase = '"' + text.replace('"', '""') + '"'
            return RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [phrase])
        if connection.vendor == "postgresql":
            return (
                manager.annotate(_document=search_document(indexed))
                .filter(_document__contains=text.upper())
                .values("pk")
            )
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    return manager.filter(condition).values("pk")


def _related_matches(model, field: str, text: str) -> QuerySet:
    relation, rest = field.split("__", 1)
    model_field = model._meta.get_field(relation)
    related_model = model_field.related_model
    if related_model is None:
        raise ValueError(f"{model.__name__}.{relation} is not a relation: {field}")
    matching = related_model._default_manager.filter(
        **{f"{rest}__icontains": text}
    ).values("pk")
    if isinstance(model_field, ManyToManyField):
        # Straight from the link table: no row of `model` is read.
        # `through` is typed optional; Django sets it when the models are loaded.
        through = model_field.remote_field.through
        return through._default_manager.filter(  # type: ignore[union-attr]
            **{f"{model_field.m2m_reverse_field_name()}__in": matching}
        ).values(model_field.m2m_field_name())
    return model._default_manager.filter(**{f"{relation}__in": matching}).values("pk")


def text_search(
    queryset: QuerySet,
    text: str,
    *,
    fields: Sequence[str],
    vector_fields: Sequence[str] = (),
) -> QuerySet:
    """Rows whose `fields` contain `text`, or (PostgreSQL) whose `vector_fields` match it."""
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    model = queryset.model
    local = [field for field in fields if "__" not in field]
    related = [field for field in fields if "__" in field]
    parts: list[QuerySet | RawSQL] = []
    if local:
        parts.append(_local_matches(model, local, text))
    parts.extend(_related_matches(model, field, text) for field in related)
    if connection.vendor == "postgresql" and vector_fields:
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        parts.append(
            model._default_manager.annotate(_search=search_vector(vector_fields))
            .filter(_search=query)
            .values("pk")
        )
    condition = Q()
    for part in parts:
        condition |= Q(pk__in=part)
    return queryset.filter(condition)
