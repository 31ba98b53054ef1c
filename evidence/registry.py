"""The entity registry: each app registers its entities in `AppConfig.ready()`.

Pages and selectors across apps (home counts, per-review counts, the site search, the
navigation) and the curated dataset's machinery (load, export, report, import/export
resources, releases, backups) iterate the registry instead of importing every app by
name. Adding an entity touches its own app: register it in its app's `ready()`, with its
dataset spec, and it appears on the home page, in the per-review table, in the search, in
the navigation, in the fixtures' load and export, in the curators' import/export and in
releases and backups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import QuerySet

if TYPE_CHECKING:
    from evidence.base.filtersets import SearchFilterSet
    from evidence.dataset.specs import EntitySpec


@dataclass(frozen=True)
class Entity:
    """One kind of record, as the pages across apps see it."""

    # The dataset name, as in its spec and fixtures: "trials", "conditions".
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
    filterset: type[SearchFilterSet] | None = None
    # The queryset the site search reads (related rows its result lines show).
    search_queryset: Callable[[], QuerySet] | None = None
    # Counted on the home page.
    home_count: bool = True
    # Column label in the per-review table ("" when it is not a curated extraction).
    review_label: str = ""
    # Label in the site navigation ("" when it has no entry).
    nav_label: str = ""
    # Its record format in the curated dataset (fixtures, imports, releases); None for
    # an entity that is not curated data.
    spec: EntitySpec | None = None

    @property
    def searchable(self) -> bool:
        return self.filterset is not None and self.search_queryset is not None

    def queryset(self) -> QuerySet:
        if self.search_queryset is not None:
            return self.search_queryset()
        return self.model._default_manager.all()


_ENTITIES: dict[str, Entity] = {}
_BY_MODEL: dict[type[models.Model], Entity] = {}
_SEEDS: dict[str, Callable[[], None]] = {}


def register(*entities: Entity) -> None:
    """Add entities; registering a name twice with another model is an error."""
    for entity in entities:
        known = _ENTITIES.get(entity.name)
        if known is not None and known.model is not entity.model:
            raise ValueError(
                f"entity {entity.name!r} is already registered for {known.model}"
            )
        if entity.spec is not None and (
            entity.spec.name != entity.name or entity.spec.model is not entity.model
        ):
            raise ValueError(f"entity {entity.name!r} has the spec of another entity")
        _ENTITIES[entity.name] = entity
        _BY_MODEL[entity.model] = entity


def unregister(name: str) -> None:
    """Remove an entity (tests that register a throwaway entity clean up with it)."""
    entity = _ENTITIES.pop(name, None)
    if entity is not None:
        _BY_MODEL.pop(entity.model, None)


def register_seed(name: str, seed: Callable[[], None]) -> None:
    """A function that creates fixed vocabulary rows (choices lists) the dataset's
    records point at; the loader runs every seed before it loads records."""
    _SEEDS[name] = seed


def seed_vocabularies() -> None:
    for seed in _SEEDS.values():
        seed()


def entities() -> list[Entity]:
    """Every registered entity, in display order."""
    return sorted(_ENTITIES.values(), key=lambda e: (e.order, e.name))


def registration_order() -> list[Entity]:
    """Every registered entity, in the order the apps registered them."""
    return list(_ENTITIES.values())


def entity(name: str) -> Entity:
    return _ENTITIES[name]


def for_model(model: type[models.Model]) -> Entity | None:
    return _BY_MODEL.get(model)


def app_labels() -> tuple[str, ...]:
    """The apps that hold registered entities, in registration order."""
    return tuple(dict.fromkeys(e.model._meta.app_label for e in _ENTITIES.values()))


def nav_entries() -> list[dict[str, Any]]:
    """The site navigation's entries: {"label", "url_name"} in display order."""
    return [
        {"label": e.nav_label, "url_name": e.list_url}
        for e in entities()
        if e.nav_label and e.list_url
    ]
