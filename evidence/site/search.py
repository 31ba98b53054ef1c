"""Search across every type of record, for /search/."""

from __future__ import annotations

from dataclasses import dataclass

from evidence import registry

#
# Search across every type
#


@dataclass
class SearchGroup:
    label: str
    results: list
    more: bool
    list_url: str = ""

    @property
    def total(self) -> int:
        return len(self.results)


def search_everything(*, text: str, limit: int = 20) -> list[SearchGroup]:
    """Records of every type whose name, identifiers or text match `text`.

    Uses each model's FilterSet search (PostgreSQL full text plus `icontains`), so the
    search page and the lists' `q` agree. One query per type: `limit + 1` rows are read
    to know whether there are more than `limit`.
    """
    from evidence.base.search import text_search

    groups = []
    for entity in registry.entities():
        filterset = entity.filterset
        if filterset is None or not entity.searchable:
            continue
        matches = text_search(
            entity.queryset(),
            text,
            fields=filterset.search_fields,
            vector_fields=filterset.vector_fields,
        )
        results = list(matches[: limit + 1])
        if results:
            more = len(results) > limit
            groups.append(
                SearchGroup(entity.label, results[:limit], more, entity.list_url)
            )
    return groups
