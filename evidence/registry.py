"""The entity registry: each app registers its entities in `AppConfig.ready()`.

Pages and selectors across apps (home counts, per-review counts, the site search, the
navigation) iterate the registry instead of importing every app by name, so adding an
entity touches its own app: register it in its app's `ready()` and it appears on the
home page, in the per-review table, in the search and in the navigation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet


@dataclass(frozen=True)
class Entity:
    """One kind of record, as the pages across apps see it."""

    # The dataset name, as in evidence.dataset SPECS: "trials", "conditions".
    name: str
    model: type[models.Model]
    # Plural label for headings and counts: "Clinical trials".
    label: str
    # Position in the home counts, the search results and the navigation.
    order: int
    # URL name of its HTML list ("" when it has none of its own).
    list_url: str = ""
    # URL name the home count links to, when it is not the entity's own list.
    count_url: str = ""
    # The FilterSet shared by its HTML list and API (its search_fields and
    # vector_fields define the site search over this entity).
    filterset: type | None = None
    # The queryset the site search reads (related rows its result lines show).
    search_queryset: Callable[[], QuerySet] | None = None
    # Counted on the home page.
    home_count: bool = True
    # Column label in the per-review table ("" when it is not a curated extraction).
    review_label: str = ""
    # Label in the site navigation ("" when it has no entry).
    nav_label: str = ""

    @property
    def searchable(self) -> bool:
        return self.filterset is not None and self.search_queryset is not None

    def queryset(self) -> QuerySet:
        if self.search_queryset is not None:
            return self.search_queryset()
        return self.model._default_manager.all()


_ENTITIES: dict[str, Entity] = {}


def register(*entities: Entity) -> None:
    """Add entities; registering a name twice with another model is an error."""
    for entity in entities:
        known = _ENTITIES.get(entity.name)
        if known is not None and known.model is not entity.model:
            raise ValueError(
                f"entity {entity.name!r} is already registered for {known.model}"
            )
        _ENTITIES[entity.name] = entity


def unregister(name: str) -> None:
    """Remove an entity (tests that register a throwaway entity clean up with it)."""
    _ENTITIES.pop(name, None)


def entities() -> list[Entity]:
    """Every registered entity, in display order."""
    return sorted(_ENTITIES.values(), key=lambda e: (e.order, e.name))


def entity(name: str) -> Entity:
    return _ENTITIES[name]


def for_model(model: type[models.Model]) -> Entity | None:
    for candidate in _ENTITIES.values():
        if candidate.model is model:
            return candidate
    return None


def nav_entries() -> list[dict[str, Any]]:
    """The site navigation's entries: {"label", "url_name"} in display order."""
    return [
        {"label": e.nav_label, "url_name": e.list_url}
        for e in entities()
        if e.nav_label and e.list_url
    ]
