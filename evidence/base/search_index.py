"""The normalised search over the registry's entities: one definition per entity, the
index (SearchEntry rows, written when a record is saved) and the matching and ranking
that the site search, the API search and every list's `q` share.

An entity's search definition is its FilterSet's: `name_fields` (name, aliases and
identifiers: ranked first) and `search_fields` (every field searched; a field through a
relation, "therapy__name", matches the related record's names). Text is normalised by
evidence.base.normalise at index time and at query time, in Python, so both databases
compare the same strings with the same plain LIKE: a record matches when every word of
the query is part of one of its words (in any order, in any of its fields).

Ranking, within a kind: the query's compact key equal to a name or alias (0), a name or
alias starting with it (1), a name or alias containing it (2), text only (3); then by
the record's first name.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    IntegerField,
    ManyToManyField,
    Model,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save

from evidence.base import normalise
from evidence.base.models import SearchEntry
from evidence.base.search_fts import FTS_TABLE, bulk_writes

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
# A trigram index cannot answer a word shorter than one trigram.
MIN_INDEXED_LENGTH = 3
SEPARATOR = "|"


#
# The definition of one entity's search
#


def _entity_for(model: type[Model]):
    from evidence import registry

    entity = registry.for_model(model)
    if entity is None or entity.filterset is None:
        return None
    return entity


def _values(instance: Model, name: str) -> list[str]:
    value = getattr(instance, name, None)
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item not in (None, "")]
    return [str(value)]


def local_fields(filterset) -> tuple[str, ...]:
    return tuple(f for f in filterset.search_fields if "__" not in f)


def related_fields(filterset) -> tuple[str, ...]:
    return tuple(f for f in filterset.search_fields if "__" in f)


def name_fields(filterset) -> tuple[str, ...]:
    return tuple(getattr(filterset, "name_fields", ()) or ("slug",))


def entry_values(instance: Model, filterset) -> dict[str, str]:
    """The `names` and `text` of `instance`'s index entry."""
    names: list[str] = []
    for name in name_fields(filterset):
        for value in _values(instance, name):
            compact = normalise.key(value)
            if compact and compact not in names:
                names.append(compact)
    texts = [
        value
        for name in dict.fromkeys((*name_fields(filterset), *local_fields(filterset)))
        for value in _values(instance, name)
    ]
    return {
        "names": SEPARATOR + SEPARATOR.join(names) + SEPARATOR if names else "",
        "text": normalise.document(*texts),
    }


# An entry's id is its entity's code and its record's id: (code << 40) | object_id.
ENTITY_SHIFT = 40
OBJECT_MASK = (1 << ENTITY_SHIFT) - 1


def entity_code(name: str) -> int:
    """A stable 20-bit number of an entity name (its CRC-32's low bits)."""
    return zlib.crc32(name.encode()) & 0xFFFFF


def entry_id(entity_name: str, object_id: int) -> int:
    if not 0 < object_id <= OBJECT_MASK:
        raise ValueError(f"object id {object_id} out of the index's range")
    return (entity_code(entity_name) << ENTITY_SHIFT) | object_id


def index_record(instance: Model) -> None:
    entity = _entity_for(type(instance))
    if entity is None:
        return
    SearchEntry.objects.update_or_create(
        pk=entry_id(entity.name, instance.pk),
        defaults={
            "entity": entity.name,
            "object_id": instance.pk,
            **entry_values(instance, entity.filterset),
        },
    )


def unindex_record(instance: Model) -> None:
    entity = _entity_for(type(instance))
    if entity is not None:
        SearchEntry.objects.filter(entity=entity.name, object_id=instance.pk).delete()


def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index_record(instance)


def _deleted(sender, instance, **kwargs):
    unindex_record(instance)


def connect_signals() -> None:
    post_save.connect(_saved, dispatch_uid="atlas-search-index-save")
    post_delete.connect(_deleted, dispatch_uid="atlas-search-index-delete")


def rebuild(entities: Iterable | None = None, *, batch_size: int = 5000) -> int:
    """Write the index entries of every record of `entities` (all by default) again.

    In bulk: one DELETE per entity, the records read as plain values, the entries
    written with multi-row INSERTs (no model instances, no signals). 120k records
    index in about 20 s on SQLite, most of it the trigram index itself.
    """
    from evidence import registry

    chosen = [e for e in (entities or registry.entities()) if e.filterset is not None]
    with bulk_writes():
        return sum(_rebuild_entity(entity, batch_size) for entity in chosen)


def _rebuild_entity(entity, batch_size: int) -> int:
    written = 0
    # No signals to send for an index entry: a plain DELETE.
    SearchEntry.objects.filter(entity=entity.name)._raw_delete(SearchEntry.objects.db)
    fields = {*name_fields(entity.filterset), *local_fields(entity.filterset)}
    concrete = {f.attname for f in entity.model._meta.concrete_fields}
    columns = ["pk", *sorted(fields & concrete)]
    rows = (
        entity.model._default_manager.order_by("pk")
        .values_list(*columns)
        .iterator(chunk_size=batch_size)
    )
    batch: list[tuple] = []
    for row in rows:
        record = SimpleNamespace(**dict(zip(columns, row, strict=True)))
        values = entry_values(record, entity.filterset)
        batch.append(
            (
                entry_id(entity.name, record.pk),
                entity.name,
                record.pk,
                values["names"],
                values["text"],
            )
        )
        if len(batch) >= batch_size:
            written += _insert_entries(batch)
            batch = []
    written += _insert_entries(batch)
    return written


def _insert_entries(rows: list[tuple]) -> int:
    if not rows:
        return 0
    quote = connection.ops.quote_name
    columns = ", ".join(map(quote, ("id", "entity", "object_id", "names", "text")))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(SearchEntry._meta.db_table)} ({columns}) "
            "VALUES (%s, %s, %s, %s, %s)",
            rows,
        )
    return len(rows)


def ensure_built(*, using: str = "default", **kwargs) -> None:
    """After `migrate`: build an empty index over existing records.

    A database migrated from before the index existed (or written without signals) has
    records and no entries; the search would find nothing until the index is built.
    Connected to post_migrate (evidence/apps.py); a fresh database has no records, so
    this costs one query per entity.
    """
    from evidence import registry

    if using != "default" or SearchEntry.objects.exists():
        return
    if any(
        e.model._default_manager.exists()
        for e in registry.entities()
        if e.filterset is not None
    ):
        rebuild()


#
# Matching
#


def query_words(text: str) -> list[str]:
    """The words a query is matched with; an identifier counts as its bare value."""
    text = " ".join(str(text).split())[:MAX_QUERY_LENGTH]
    found = normalise.identifier(text)
    if found is not None:
        text = found.value
    return normalise.words(text)[:MAX_WORDS]


def _contains(column: str, word: str) -> Q:
    """Index entries whose `column` ("text" or "names") contains `word`.

    The same LIKE on both databases; on SQLite a word of three characters or more is
    answered by the FTS5 trigram table (evidence/migrations/0007), whose quoted string
    is a substring match: the same rows as the LIKE.
    """
    if connection.vendor == "sqlite" and len(word) >= MIN_INDEXED_LENGTH:
        table = connection.ops.quote_name(FTS_TABLE)
        # The words are [a-z0-9] only: nothing to quote inside the FTS5 string.
        return Q(
            pk__in=RawSQL(
                f"SELECT rowid FROM {table} WHERE {table} MATCH %s",
                [f'{{{column}}} : "{word}"'],
            )
        )
    return Q(**{f"{column}__contains": word})


def _entries(entity_name: str, column: str, word: str) -> QuerySet:
    return SearchEntry.objects.filter(
        _contains(column, word), entity=entity_name
    ).values("object_id")


def _fts_object_ids(entity_name: str, column: str, word: str) -> RawSQL | None:
    """SQLite: the record ids of `entity_name` whose entry's `column` contains `word`,
    straight from the FTS5 table, or None when the word is too short for it.

    An entry's id holds its entity's code and its record's id (`entry_id`): the
    entity's entries are a range of FTS rowids, and the record id is the rowid minus
    the range's base. No entry row is read; looking up each match's entry (to check
    its entity and read its record id) was 24 ms of a common word's 43 at 100k trials.
    """
    if connection.vendor != "sqlite" or len(word) < MIN_INDEXED_LENGTH:
        return None
    base = entity_code(entity_name) << ENTITY_SHIFT
    table = connection.ops.quote_name(FTS_TABLE)
    # The words are [a-z0-9] only: nothing to quote inside the FTS5 string.
    return RawSQL(
        f"SELECT rowid - %s FROM {table} WHERE {table} MATCH %s "
        "AND rowid BETWEEN %s AND %s",
        [base, f'{{{column}}} : "{word}"', base + 1, base + OBJECT_MASK],
    )


def _related_pks(model: type[Model], path: str, word: str) -> QuerySet:
    """The primary keys of `model`'s rows whose related record (through `path`) is
    named by `word`: one column, from the link table for a many-to-many relation."""
    relation, rest = path.split("__", 1)
    model_field = model._meta.get_field(relation)
    related_model = model_field.related_model
    related = _entity_for(related_model)
    matching: Any
    if related is not None:
        matching = _named_ids(related.name, word)
    else:
        matching = related_model._default_manager.filter(
            **{f"{rest}__icontains": word}
        ).values("pk")
    if isinstance(model_field, ManyToManyField):
        through = model_field.remote_field.through
        return through._default_manager.filter(
            **{f"{model_field.m2m_reverse_field_name()}__in": matching}
        ).values(model_field.m2m_field_name())
    return model._default_manager.filter(**{f"{relation}__in": matching}).values("pk")


def _related_matches(model: type[Model], path: str, word: str) -> Q:
    return Q(pk__in=_related_pks(model, path, word))


def match_condition(entity, words: Sequence[str]) -> Q:
    """Every word in the record's own text or in the names of a related record.

    Per word one `pk IN (... UNION ALL ...)`: an OR of several `IN` sub-queries made
    PostgreSQL scan the whole table for every word (1.5 s for the facets of
    `/trials/?q=keloid` at 100k trials); the union's few keys are looked up by index.
    """
    condition = Q()
    for word in words:
        related = [
            _related_pks(entity.model, path, word).order_by()
            for path in related_fields(entity.filterset)
        ]
        own = _fts_object_ids(entity.name, "text", word)
        if own is not None:
            # SQLite: the record ids straight from the FTS table, then the related
            # branches, in one UNION ALL.
            sqls, params = [own.sql], [*own.params]
            for part in related:
                sql, part_params = part.query.sql_with_params()
                sqls.append(sql)
                params += part_params
            condition &= Q(pk__in=RawSQL(" UNION ALL ".join(sqls), params))
            continue
        first, *rest = [_entries(entity.name, "text", word).order_by(), *related]
        condition &= Q(pk__in=first.union(*rest, all=True) if rest else first)
    return condition


def _named_ids(entity_name: str, part: str) -> RawSQL | QuerySet:
    """The record ids of `entity_name` whose entry's names contain `part`."""
    found = _fts_object_ids(entity_name, "names", part)
    if found is not None:
        return found
    return _entries(entity_name, "names", part).order_by()


def relevance(entity, words: Sequence[str]) -> Case:
    """The rank of a matching record, as the site search ranks (search_ranking.rank):
    0 when a name, alias or identifier is the query, 1 when one starts with it, 2 when
    one contains it, 3 when only the text matches.

    One `id IN (...)` per rank, each the entity's names read from the index once (a
    few rows: the trigram index on PostgreSQL, the FTS5 table on SQLite), so a list
    orders its matches by rank and takes its page in the same query.
    """
    compact = "".join(words)
    parts = (f"{SEPARATOR}{compact}{SEPARATOR}", f"{SEPARATOR}{compact}", compact)
    return Case(
        *(
            When(Q(pk__in=_named_ids(entity.name, part)), then=Value(rank))
            for rank, part in enumerate(parts)
        ),
        default=Value(len(parts)),
        output_field=IntegerField(),
    )


def is_indexed(model: type[Model]) -> bool:
    return _entity_for(model) is not None


def search_queryset(queryset: QuerySet, text: str) -> QuerySet:
    """`queryset`'s rows that match `text` (the lists' and the API's `q`), best first:
    by `relevance`, then in the queryset's own order (which an explicit `ordering` or
    `sort` replaces)."""
    words = query_words(text)
    if not words:
        return queryset
    entity = _entity_for(queryset.model)
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    return queryset.filter(match_condition(entity, words)).order_by(
        relevance(entity, words).asc(), *ordering
    )


#
# Ranked results of every kind: evidence/base/search_ranking.py
#


def ranked_everything(entities: Sequence, text: str, *, limit: int) -> dict:
    """The matching records of each entity, best first, with the true count
    (`evidence.base.search_ranking.ranked_everything`)."""
    from evidence.base import search_ranking

    return search_ranking.ranked_everything(entities, text, limit=limit)
