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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import ManyToManyField, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save

from evidence.base import normalise
from evidence.base.models import SearchEntry

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


def index_record(instance: Model) -> None:
    entity = _entity_for(type(instance))
    if entity is None:
        return
    SearchEntry.objects.update_or_create(
        entity=entity.name,
        object_id=instance.pk,
        defaults=entry_values(instance, entity.filterset),
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


def rebuild(entities: Iterable | None = None, *, batch_size: int = 2000) -> int:
    """Write the index entries of every record of `entities` (all by default) again."""
    from evidence import registry

    chosen = [e for e in (entities or registry.entities()) if e.filterset is not None]
    written = 0
    for entity in chosen:
        SearchEntry.objects.filter(entity=entity.name).delete()
        fields = {"pk", *name_fields(entity.filterset), *local_fields(entity.filterset)}
        concrete = {f.attname for f in entity.model._meta.concrete_fields}
        rows = entity.model._default_manager.only(*(fields & concrete)).order_by("pk")
        batch: list[SearchEntry] = []
        for instance in rows.iterator(chunk_size=batch_size):
            batch.append(
                SearchEntry(
                    entity=entity.name,
                    object_id=instance.pk,
                    **entry_values(instance, entity.filterset),
                )
            )
            if len(batch) >= batch_size:
                SearchEntry.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        SearchEntry.objects.bulk_create(batch)
        written += len(batch)
    return written


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
        table = connection.ops.quote_name(f"{SearchEntry._meta.db_table}_fts")
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


def _related_matches(model: type[Model], path: str, word: str) -> Q:
    relation, rest = path.split("__", 1)
    model_field = model._meta.get_field(relation)
    related_model = model_field.related_model
    related = _entity_for(related_model)
    if related is not None:
        matching = _entries(related.name, "names", word)
    else:
        matching = related_model._default_manager.filter(
            **{f"{rest}__icontains": word}
        ).values("pk")
    if isinstance(model_field, ManyToManyField):
        through = model_field.remote_field.through
        return Q(
            pk__in=through._default_manager.filter(
                **{f"{model_field.m2m_reverse_field_name()}__in": matching}
            ).values(model_field.m2m_field_name())
        )
    return Q(**{f"{relation}__in": matching})


def match_condition(entity, words: Sequence[str]) -> Q:
    """Every word in the record's own text or in the names of a related record."""
    condition = Q()
    for word in words:
        either = Q(pk__in=_entries(entity.name, "text", word))
        for path in related_fields(entity.filterset):
            either |= _related_matches(entity.model, path, word)
        condition &= either
    return condition


def is_indexed(model: type[Model]) -> bool:
    return _entity_for(model) is not None


def search_queryset(queryset: QuerySet, text: str) -> QuerySet:
    """`queryset`'s rows that match `text` (the lists' and the API's `q`)."""
    words = query_words(text)
    if not words:
        return queryset
    entity = _entity_for(queryset.model)
    return queryset.filter(match_condition(entity, words))


#
# Ranked results of every kind
#


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


def _word_matches(word: str) -> tuple[dict, dict, dict]:
    """For one word, over every entity at once: the records whose text contains it,
    those whose names contain it (by entity), and the names read on the way."""
    in_text: dict[str, set] = defaultdict(set)
    in_names: dict[str, set] = defaultdict(set)
    names_of: dict[tuple[str, int], str] = {}
    for name, pk, names in SearchEntry.objects.filter(
        _contains("text", word)
    ).values_list("entity", "object_id", "names"):
        in_text[name].add(pk)
        names_of[(name, pk)] = names
    for name, pk in SearchEntry.objects.filter(_contains("names", word)).values_list(
        "entity", "object_id"
    ):
        in_names[name].add(pk)
    return in_text, in_names, names_of


def _related_ids(model: type[Model], path: str, word: str, in_names: dict) -> set:
    """Primary keys of `model` whose related record (through `path`) names `word`."""
    relation = path.split("__", 1)[0]
    related = _entity_for(model._meta.get_field(relation).related_model)
    if related is not None and not in_names.get(related.name):
        return set()  # no query: no related record names the word
    return set(
        model._default_manager.filter(_related_matches(model, path, word)).values_list(
            "pk", flat=True
        )
    )


def ranked_everything(
    entities: Sequence, text: str, *, limit: int
) -> dict[str, Ranked]:
    """The matching records of each entity, best first: the true count and the first
    `limit`. The same matches as `search_queryset` (every word in the record's text or
    in a related record's names); read once per word for all entities, ranked in Python
    so both databases order alike."""
    words = query_words(text)
    if not words:
        return {}
    compact = "".join(words)
    per_word = [(word, *_word_matches(word)) for word in words]
    names_of: dict[tuple[str, int], str] = {}
    for *_, names in per_word:
        names_of.update(names)
    found: dict[str, Ranked] = {}
    for entity in entities:
        matched: set | None = None
        for word, in_text, in_names, _ in per_word:
            ids = set(in_text.get(entity.name, ()))
            for path in related_fields(entity.filterset):
                ids |= _related_ids(entity.model, path, word, in_names)
            matched = ids if matched is None else matched & ids
            if not matched:
                break
        if not matched:
            continue
        missing = [pk for pk in matched if (entity.name, pk) not in names_of]
        for start in range(0, len(missing), 5000):
            for pk, names in SearchEntry.objects.filter(
                entity=entity.name, object_id__in=missing[start : start + 5000]
            ).values_list("object_id", "names"):
                names_of[(entity.name, pk)] = names
        order = sorted(
            matched,
            key=lambda pk: (
                rank(names_of.get((entity.name, pk), ""), compact),
                names_of.get((entity.name, pk), ""),
                pk,
            ),
        )[:limit]
        by_id = entity.queryset().in_bulk(order)
        found[entity.name] = Ranked(
            len(matched), [by_id[pk] for pk in order if pk in by_id]
        )
    return found
