"""The site search's ranked results of every kind (`/search/`, `/api/search/`): the
matches of a query as index entry ids (an id carries its entity and record,
evidence.base.search_index.entry_id), ranked by names, and the shown records of every
kind read in one query (`read_records`), their titles' names in one more.

The matching is the lists' `q` (evidence.base.search_index.match_condition): every
word in the record's own text or in a related record's names.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    F,
    FloatField,
    ForeignKey,
    Func,
    IntegerField,
    JSONField,
    ManyToManyField,
    Model,
    Prefetch,
    QuerySet,
    TextField,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import Col
from django.db.models.functions import Collate, JSONArray
from django.db.models.query import ModelIterable
from django.db.models.sql import Query
from django.utils import timezone

from evidence.base.models import SearchEntry
from evidence.base.prefetch import prefetch_names
from evidence.base.search_fts import FTS_TABLE
from evidence.base.search_index import (
    ENTITY_SHIFT,
    MIN_INDEXED_LENGTH,
    OBJECT_MASK,
    SEPARATOR,
    _contains,
    _entity_for,
    _related_pks,
    entity_code,
    query_words,
    related_fields,
)


@dataclass
class Ranked:
    total: int
    records: list = field(default_factory=list)


def rank(names: str, compact: str) -> int:
    """0: a name or alias equal to the query; 1: starting with it; 2: containing it;
    3: text only."""
    if f"{SEPARATOR}{compact}{SEPARATOR}" in names:
        return 0
    if f"{SEPARATOR}{compact}" in names:
        return 1
    if compact in names:
        return 2
    return 3


def _matching_ids(column: str, word: str) -> set[int]:
    """Ids of the index entries whose `column` ("text" or "names") contains `word`,
    of every entity at once.

    Ids only: an entry's id says its entity and record (`entry_id`), so no row of the
    index is read for the matches of a common word, only the trigram index.
    """
    if connection.vendor == "sqlite" and len(word) >= MIN_INDEXED_LENGTH:
        table = connection.ops.quote_name(FTS_TABLE)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH %s",
                [f'{{{column}}} : "{word}"'],
            )
            return {row[0] for row in cursor.fetchall()}
    return set(
        SearchEntry.objects.filter(**{f"{column}__contains": word}).values_list(
            "pk", flat=True
        )
    )


def _pks(queryset: QuerySet) -> list[int]:
    """The primary keys of `queryset`, fetched as plain rows (tens of thousands)."""
    sql, params = queryset.values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _text_ids_among(word: str, among: set[int]) -> set[int]:
    """PostgreSQL: the ids of `among` whose text contains `word`, looked up by key.

    A common word ("stem": 19k of 120k entries) is read by a sequential scan of the
    whole index (140 ms at 100k trials); the matches of a query's other words are
    usually far fewer, and checking those rows costs a few ms.
    """
    table = connection.ops.quote_name(SearchEntry._meta.db_table)
    with connection.cursor() as cursor:
        # The words are [a-z0-9] only: nothing to escape in the pattern.
        cursor.execute(
            f'SELECT "id" FROM {table} WHERE "text" LIKE %s AND "id" = ANY(%s)',
            [f"%{word}%", sorted(among)],
        )
        return {row[0] for row in cursor.fetchall()}


# Below this many matches of the words before, PostgreSQL checks a word's text on
# those rows only (`_text_ids_among`).
FEW_AMONG = 20000


def _word_ids(
    entities: Sequence,
    word: str,
    naming_ids: set[int] | None = None,
    among: set[int] | None = None,
) -> set[int]:
    """Entry ids (of any entity) matching one word: in their own text, or, for an
    entity whose search follows a relation, through a related record's names (all
    the relations in one UNION ALL query). `naming_ids`: the entries whose names
    contain the word, when the caller has read them. `among`: the ids the result will
    be intersected with (the matches of the query's other words); own-text matches
    outside it may be left out."""
    if (
        among is not None
        and connection.vendor == "postgresql"
        and len(among) <= FEW_AMONG
    ):
        ids = _text_ids_among(word, among)
    else:
        ids = _matching_ids("text", word)
    if naming_ids is None:
        naming_ids = _matching_ids("names", word)
    naming = {eid >> ENTITY_SHIFT for eid in naming_ids}
    branches = []
    for entity in entities:
        for path in related_fields(entity.filterset):
            target = entity.model._meta.get_field(path.split("__", 1)[0])
            related = _entity_for(target.related_model)
            if related is not None and entity_code(related.name) not in naming:
                continue  # no related record names the word: no query
            base = entity_code(entity.name) << ENTITY_SHIFT
            # The keys straight from the link table or the foreign key's index.
            pks = _related_pks(entity.model, path, word)
            (column,) = pks.query.values_select
            branches.append(
                pks.annotate(_base=Value(base, output_field=BigIntegerField()))
                .values_list("_base", column)
                .order_by()
            )
    if branches:
        first, *rest = branches
        query = first.union(*rest, all=True) if rest else first
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids.update(base | pk for base, pk in cursor.fetchall())
    return ids


def _ordered_names():
    """`names` in byte order on both databases (PostgreSQL sorts by its collation)."""
    if connection.vendor == "postgresql":
        return Collate(F("names"), "C")
    return F("names")


# Up to this many entries of one entity naming the query are ranked in Python.
FEW = 2000


def _best_named(name: str, compact: str, matched: set[int], limit: int) -> list[int]:
    """The first `limit` matched entries of entity `name` whose names contain the
    query (ranks 0-2), best first: ranked and ordered in SQL, read a page at a time
    (a word in every slug, "study", is in 20k names)."""
    by_rank = Case(
        When(names__contains=f"{SEPARATOR}{compact}{SEPARATOR}", then=Value(0)),
        When(names__contains=f"{SEPARATOR}{compact}", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    entries = (
        SearchEntry.objects.filter(_contains("names", compact), entity=name)
        .annotate(rank=by_rank)
        .order_by("rank", _ordered_names(), "pk")
        .values_list("pk", flat=True)
    )
    found: list[int] = []
    page = max(2 * limit, 50)
    start = 0
    while len(found) < limit:
        chunk = list(entries[start : start + page])
        found += [eid for eid in chunk if eid in matched]
        if len(chunk) < page:
            break
        start += page
    return found[:limit]


def ranked_everything(
    entities: Sequence, text: str, *, limit: int
) -> dict[str, Ranked]:
    """The matching records of each entity, best first: the true count and the first
    `limit`. The same matches as `search_queryset` (every word in the record's text or
    in a related record's names). Ranked by `rank`, then by the record's names (byte
    order), then by id; the text-only matches (rank 3) by id. Both databases order
    alike.

    The matches travel as entry ids only (one trigram-index read per word; an id
    carries its entity and record): the count is the size of a set, the names are
    read, ranked in SQL, for the entries whose names contain the query, and the
    shown records of every kind in one query (`read_records`). Reading every
    match's row took 1-2 s for a common word at 100k trials.
    """
    words = query_words(text)
    entities = [e for e in entities if e.filterset is not None]
    if not words or not entities:
        return {}
    compact = "".join(words)
    # The entries naming the whole query; for a one-word query also the word's.
    named = _matching_ids("names", compact)
    matched: set[int] = set()
    # The longest (rarest) word first: the others' text is then checked on its
    # matches only (PostgreSQL, `_text_ids_among`).
    for index, word in enumerate(sorted(words, key=len, reverse=True)):
        ids = _word_ids(
            entities,
            word,
            named if word == compact else None,
            among=matched if index else None,
        )
        matched = ids if index == 0 else matched & ids
        if not matched:
            return {}
    per_entity: dict[int, list[int]] = {}
    for eid in matched:
        per_entity.setdefault(eid >> ENTITY_SHIFT, []).append(eid)
    naming: dict[int, int] = {}
    for eid in named:
        naming[eid >> ENTITY_SHIFT] = naming.get(eid >> ENTITY_SHIFT, 0) + 1
    # The entities with few named matches: their names read in one query, ranked here.
    few = [e.name for e in entities if 0 < naming.get(entity_code(e.name), 0) <= FEW]
    ranked_few: dict[int, list] = {}
    if few:
        for eid, names in SearchEntry.objects.filter(
            _contains("names", compact), entity__in=few
        ).values_list("pk", "names"):
            if eid in matched:
                ranked_few.setdefault(eid >> ENTITY_SHIFT, []).append(
                    (rank(names, compact), names, eid)
                )
    found: dict[str, Ranked] = {}
    wanted: list[tuple[str, QuerySet, list[int]]] = []
    names_of: dict[str, list[tuple[str, str]]] = {}
    for entity in entities:
        code = entity_code(entity.name)
        ids = per_entity.get(code)
        if not ids:
            continue
        order = []
        if naming.get(code, 0) > FEW:
            order = _best_named(entity.name, compact, matched, limit)
        elif code in ranked_few:
            order = [eid for *_, eid in sorted(ranked_few[code])[:limit]]
        if len(order) < limit:
            taken = set(order)
            smallest = heapq.nsmallest(limit + len(taken), ids)
            order += [eid for eid in smallest if eid not in taken][: limit - len(order)]
        queryset, names_of[entity.name] = _without_name_prefetches(entity.queryset())
        wanted.append((entity.name, queryset, [eid & OBJECT_MASK for eid in order]))
        found[entity.name] = Ranked(len(ids))
    # The shown records of every kind in one query; their titles' conditions and
    # model systems in one more.
    shown: list[tuple[Sequence[Model], str, str]] = []
    for name, records in read_records(wanted).items():
        found[name].records = records
        shown += [(records, field, ordering) for field, ordering in names_of[name]]
    prefetch_names(shown)
    return found


def _without_name_prefetches(queryset: QuerySet) -> tuple[QuerySet, list]:
    """`queryset` without its prefetches of vocabulary names (a many-to-many field
    to records with a slug and a name, in ascending order of one field), and those
    (field name, ordering) pairs, for `prefetch_names` to read for every kind at
    once."""
    kept, names = [], []
    for lookup in queryset._prefetch_related_lookups:
        is_prefetch = isinstance(lookup, Prefetch)
        through = lookup.prefetch_through if is_prefetch else lookup
        name_only = "__" not in through and not (is_prefetch and lookup.to_attr)
        model_field = _forward_field(queryset.model, through) if name_only else None
        ordering = None
        if model_field is not None:
            related = model_field.related_model
            order_by = (
                (
                    lookup.queryset.query.order_by
                    if is_prefetch and lookup.queryset is not None
                    else ()
                )
                or related._meta.ordering
                or ("pk",)
            )
            fields = {f.name for f in related._meta.concrete_fields}
            first = order_by[0] if len(order_by) == 1 else None
            if isinstance(first, str) and {"slug", "name"} <= fields:
                if first in {"slug", "name", "pk", "id"}:
                    ordering = first
        if ordering is None:
            kept.append(lookup)
        else:
            names.append((through, ordering))
    if not names:
        return queryset, []
    return queryset.prefetch_related(None).prefetch_related(*kept), names


def _forward_field(model: type[Model], name: str):
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a reverse relation's accessor name, or no field
        return None
    if isinstance(model_field, ManyToManyField):
        return model_field
    return None


#
# The shown records of several kinds in one query
#

# The most values in one JSON array: PostgreSQL's functions take at most 100
# arguments, SQLite's (by default) at least 127.
ARRAY_CHUNK = 40
# SQLite writes a float into JSON with 15 significant digits; printf's alternate form
# with 20 reads back to the same float (checked on 140k random doubles).
SQLITE_FLOAT_FORMAT = "%!.20g"


class _ExactFloat(Func):
    """A float column as text that reads back to the same float, on SQLite; the column
    itself elsewhere (PostgreSQL's JSON writes the shortest exact digits)."""

    template = "%(expressions)s"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"CASE WHEN {sql} IS NULL THEN NULL ELSE printf(%s, {sql}) END",
            [*params, SQLITE_FLOAT_FORMAT, *params],
        )


# The fields whose values JSON carries and `_from_json` rebuilds as Django reads them
# (a foreign key: by its target's field); a model with another is read by `in_bulk`.
_JSON_FIELDS = (
    IntegerField,  # with the automatic keys
    CharField,  # with slugs, e-mail addresses and URLs
    TextField,
    BooleanField,
    FloatField,
    DateTimeField,
    JSONField,
)


class _Array(JSONArray):
    """Django's JSONArray without its check of the database's JSON support: on SQLite
    that probe is three queries on a connection's first use (SQLite has had its JSON
    functions built in since 3.38; Django's JSONField needs them anyway)."""

    def as_sql(
        self,
        compiler,
        connection,
        function=None,
        template=None,
        arg_joiner=None,
        **extra_context,
    ):
        return Func.as_sql(
            self, compiler, connection, function, template, arg_joiner, **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        # Columns only, whose types PostgreSQL knows: none of Django's casts (one a
        # value, 80 a row).
        return Func.as_sql(
            self, compiler, connection, function="JSONB_BUILD_ARRAY", **extra_context
        )


@dataclass
class _Node:
    """One model read by a record's query: the record's own (`field` None) or one
    reached by `select_related` through `field`, a forward relation of the node
    `parent`; its columns' path prefix."""

    model: type[Model]
    prefix: str
    field: ForeignKey | None = None
    parent: int = -1


def _nodes(queryset: QuerySet) -> list[_Node] | None:
    """The models a queryset's rows carry (the record's and its `select_related`
    ones), or None when the one-query read cannot rebuild them alike: annotations,
    extra columns, deferred fields, reverse or implicit `select_related`, or a field
    JSON does not carry exactly."""
    query = queryset.query
    if (
        query.annotations
        or query.extra
        or query.deferred_loading != (frozenset(), True)
        or query.select_related is True
        or query.is_sliced
        or query.combinator
        or query.distinct
        or queryset._iterable_class is not ModelIterable
        or queryset._known_related_objects
    ):
        return None
    nodes = [_Node(queryset.model, "")]

    def walk(tree: dict, parent: int) -> bool:
        for name, below in tree.items():
            model_field = nodes[parent].model._meta.get_field(name)
            if not isinstance(model_field, ForeignKey):  # a reverse one-to-one
                return False
            prefix = f"{nodes[parent].prefix}{name}__"
            related = cast(type[Model], model_field.related_model)
            nodes.append(_Node(related, prefix, model_field, parent))
            if not walk(below, len(nodes) - 1):
                return False
        return True

    if query.select_related and not walk(query.select_related, 0):
        return None
    for node in nodes:
        for model_field in node.model._meta.concrete_fields:
            if isinstance(model_field, ForeignKey):
                model_field = model_field.target_field
            if not isinstance(model_field, _JSON_FIELDS):
                return None
    return nodes


def _alias(query: Query, node: _Node) -> str | None:
    """The table alias of `node` in `query`, joined as `select_related` joins it (an
    inner join, or a left outer one through a nullable key); None for a model with
    parents (its columns are in several tables)."""
    opts = node.model._meta
    if opts.parents:
        return None
    if node.field is None:
        return query.get_initial_alias()
    # A column of the model's own (a key's would be read from the row before it).
    own = [f for f in opts.concrete_fields if not f.is_relation and not f.primary_key]
    if not own:
        return None
    column = query.resolve_ref(f"{node.prefix}{own[0].attname}")
    return column.alias if isinstance(column, Col) else None


def _columns(query: Query, nodes: list[_Node]) -> _Array:
    """Every column of `nodes` in one JSON array (of arrays of at most `ARRAY_CHUNK`),
    each node's table joined once."""
    columns: list[Any] = []
    for node in nodes:
        alias = _alias(query, node)
        for model_field in node.model._meta.concrete_fields:
            column: Any = (
                F(f"{node.prefix}{model_field.attname}")
                if alias is None
                else model_field.get_col(alias)
            )
            if isinstance(model_field, FloatField):
                column = _ExactFloat(column)
            columns.append(column)
    return _Array(
        *(
            _Array(*columns[start : start + ARRAY_CHUNK])
            for start in range(0, len(columns), ARRAY_CHUNK)
        )
    )


def _converter(model_field: Any, database: Any) -> Callable[[Any], Any] | None:
    """What turns the JSON of a field's column (not null) into the value Django's read
    of the column gives, or None when the JSON value is that already (text, integers,
    a JSON column's value on PostgreSQL)."""
    if isinstance(model_field, ForeignKey):
        model_field = model_field.target_field
    if isinstance(model_field, JSONField):
        # SQLite's JSON carries a JSON column's text (decoded as JSONField does);
        # PostgreSQL's the value itself.
        if database.vendor == "sqlite":
            return partial(json.loads, cls=model_field.decoder)
        return None
    if isinstance(model_field, BooleanField):
        return bool  # SQLite's 0 and 1
    if isinstance(model_field, FloatField):
        return float  # SQLite's text (`_ExactFloat`); PostgreSQL's JSON writes 2.0 as 2
    if isinstance(model_field, DateTimeField):
        return partial(_datetime, model_field, database)
    return None  # integers, text


def _datetime(model_field: DateTimeField, database: Any, text: str) -> Any:
    value = model_field.to_python(text)
    if settings.USE_TZ:
        if timezone.is_naive(value):  # SQLite's text, in the connection's zone
            return timezone.make_aware(value, database.timezone)
        return value.astimezone(database.timezone)
    return value


@dataclass
class _Layout:
    """How one node's values sit in a row's JSON, and how to read them."""

    node: _Node
    start: int
    attnames: list[str]
    converters: list[Callable[[Any], Any] | None]
    pk_index: int


def _layouts(nodes: list[_Node], db: str) -> list[_Layout]:
    database = connections[db]
    layouts, start = [], 0
    for node in nodes:
        fields = node.model._meta.concrete_fields
        layouts.append(
            _Layout(
                node,
                start,
                [f.attname for f in fields],
                [_converter(f, database) for f in fields],
                fields.index(node.model._meta.pk),
            )
        )
        start += len(fields)
    return layouts


def _rebuild(layouts: list[_Layout], values: list, db: str) -> Model | None:
    """The record of one row, with its `select_related` records cached as Django's
    read would (None for an empty relation)."""
    built: list[Model | None] = []
    for layout in layouts:
        node = layout.node
        row = values[layout.start : layout.start + len(layout.attnames)]
        parent = built[node.parent] if node.parent >= 0 else None
        if row[layout.pk_index] is None or (node.parent >= 0 and parent is None):
            instance = None
        else:
            instance = node.model.from_db(
                db,
                layout.attnames,
                [
                    value if convert is None or value is None else convert(value)
                    for convert, value in zip(layout.converters, row, strict=True)
                ],
            )
        built.append(instance)
        if node.field is not None and parent is not None:
            node.field.set_cached_value(parent, instance)
            if instance is not None and node.field.unique:  # a one-to-one
                node.field.remote_field.set_cached_value(instance, parent)
    return built[0]


def read_records(
    wanted: Sequence[tuple[str, QuerySet, Sequence[int]]],
) -> dict[str, list[Model]]:
    """For each (name, queryset, primary keys): the queryset's records of those keys,
    in their order (a key it does not hold is left out), as `in_bulk` reads them with
    the queryset's `select_related` records, in one query for all of them.

    Each kind's rows have another shape, so each branch of one UNION ALL carries its
    columns as one JSON array, rebuilt into model instances here (Django's `from_db`
    after each field's `to_python`). A queryset's prefetches run after it, a query
    each (the site search passes its querysets without the names' prefetches, read
    for every kind at once by `prefetch_names`). A queryset the JSON cannot rebuild
    alike (`_nodes`) is read apart, by `in_bulk`: a query of its own.
    """
    found: dict[str, list[Model]] = {}
    plans: list[tuple[str, Sequence[int], list[_Node]]] = []
    branches = []
    for name, queryset, pks in wanted:
        if not pks:
            found[name] = []
            continue
        nodes = _nodes(queryset)
        if nodes is None:
            by_pk = queryset.in_bulk(pks)
            found[name] = [by_pk[pk] for pk in pks if pk in by_pk]
            continue
        branch = queryset.filter(pk__in=pks).prefetch_related(None)
        branches.append(
            branch.annotate(
                _part=Value(len(plans), output_field=IntegerField()),
                _row=_columns(branch.query, nodes),
            )
            .values_list("_part", "_row")
            .order_by()
        )
        plans.append((name, pks, nodes))
    if branches:
        first, *rest = branches
        rows = first.union(*rest, all=True) if rest else first
        db = rows.db
        layouts = [_layouts(nodes, db) for _, _, nodes in plans]
        by_part: dict[int, dict] = {}
        for part, chunks in rows:
            record = _rebuild(layouts[part], [v for c in chunks for v in c], db)
            if record is not None:
                by_part.setdefault(part, {})[record.pk] = record
        for part, (name, pks, _) in enumerate(plans):
            by_pk = by_part.get(part, {})
            found[name] = [by_pk[pk] for pk in pks if pk in by_pk]
    lookups = {name: queryset._prefetch_related_lookups for name, queryset, _ in wanted}
    for name, _, _ in plans:
        if lookups[name] and found[name]:
            prefetch_related_objects(found[name], *lookups[name])
    return found
