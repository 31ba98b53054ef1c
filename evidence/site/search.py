"""Search across every type of record, for /search/ and /api/search/."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model

from evidence import registry
from evidence.base import normalise, search_index

#
# Search across every type
#


@dataclass
class SearchGroup:
    name: str
    label: str
    results: list
    # Every matching record of this kind, not only those shown.
    total: int
    list_url: str = ""

    @property
    def more(self) -> bool:
        return self.total > len(self.results)


def search_everything(*, text: str, limit: int = 20) -> list[SearchGroup]:
    """Records of every type that match `text`, ranked, with the true count per type.

    The matching is every list's `q` (evidence.base.search_index): normalised words,
    all of them, in any order and any searched field; the best `limit` of each type.
    """
    groups = []
    entities = [e for e in registry.entities() if e.searchable]
    ranked = search_index.ranked_everything(entities, text, limit=limit)
    for entity in entities:
        found = ranked.get(entity.name)
        if found is not None:
            groups.append(
                SearchGroup(
                    entity.name,
                    entity.label,
                    found.records,
                    found.total,
                    entity.list_url,
                )
            )
    return groups


def identified_record(text: str) -> Model | None:
    """The one record `text` identifies (an NCT id, a DOI or a PMID in any form)."""
    from evidence.models import Publication

    found = normalise.identifier(text)
    if found is None:
        return None
    if found.kind == "nct":
        for entity in registry.entities():
            if any(f.name == "nct_id" for f in entity.model._meta.concrete_fields):
                rows = list(
                    entity.model._default_manager.filter(nct_id__iexact=found.value)[:2]
                )
                if len(rows) == 1:
                    return rows[0]
        return None
    publications = Publication.objects.all()
    if found.kind == "doi":
        publications = publications.filter(doi__iexact=found.value)
    else:
        publications = publications.filter(pmid=int(found.value))
    rows = list(publications[:2])
    return rows[0] if len(rows) == 1 else None


#
# Did you mean
#

# How close a typed name must be to a known one (difflib's ratio; 1 is equal).
SUGGESTION_CUTOFF = 0.8


def suggestions(text: str, *, limit: int = 3) -> list[str]:
    """Names of vocabulary records close to `text`, for a query that found nothing.

    Compared in Python on the normalised keys of names and aliases (difflib), so both
    databases suggest the same. Only entities with a `name` among their name fields
    (components, conditions, therapies, cell sources, effects, preconditioning) are
    read: small tables.
    """
    import difflib

    from evidence.base.models import SearchEntry

    typed = "".join(search_index.query_words(text))
    if len(typed) < 4:
        return []
    vocabulary = {
        e.name: e
        for e in registry.entities()
        if e.searchable and "name" in search_index.name_fields(e.filterset)
    }
    owners: dict[str, tuple[str, int]] = {}
    for entity_name, object_id, names in SearchEntry.objects.filter(
        entity__in=vocabulary
    ).values_list("entity", "object_id", "names"):
        for key in names.strip(search_index.SEPARATOR).split(search_index.SEPARATOR):
            if key:
                owners.setdefault(key, (entity_name, object_id))
    found: list[str] = []
    for key in difflib.get_close_matches(
        typed, sorted(owners), n=limit * 3, cutoff=SUGGESTION_CUTOFF
    ):
        entity_name, object_id = owners[key]
        record = (
            vocabulary[entity_name].model._default_manager.filter(pk=object_id).first()
        )
        label = str(record) if record is not None else ""
        if label and label not in found:
            found.append(label)
        if len(found) == limit:
            break
    return found
