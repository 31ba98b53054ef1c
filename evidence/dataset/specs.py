"""How each entity of the curated dataset maps between records and models.

An `EntitySpec` is the single description of one entity's record format (see
fixtures/FORMAT.md): the YAML loader and exporter, the curators' CSV/JSON import and export
(the admin's and `import_records`/`export_records`, evidence/dataset/resources.py), the
release CSVs and the report all read it. Each app declares the specs of its entities in its
own `dataset.py` and registers them with its entities (`registry.Entity(spec=...)`);
`specs()` gives them in load order, derived from their relations. A flat record (one CSV row, one JSON object) has one column per YAML field,
with the provenance block's keys as columns of their own (`EntitySpec.columns`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from evidence import registry
from evidence.base.csvsafe import neutralise_formula
from evidence.models import Publication, ReviewReference

PROVENANCE_KEYS = (
    "review",
    "locator",
    "refs",
    "primary_doi",
    "verification",
    "confirmed_by",
    "flags",
)


def _identity(value: Any) -> Any:
    return value


def underscore_to_hyphen(value: str) -> str:
    return value.replace("_", "-")


def hyphen_to_underscore(value: str) -> str:
    return value.replace("-", "_")


def _to_date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _from_date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class Relation:
    """A YAML field naming related records by their natural key."""

    model_field: str
    model: type[models.Model]
    lookup: str = "slug"
    to_db: Callable[[Any], Any] = _identity
    to_yaml: Callable[[Any], Any] = _identity


@dataclass(frozen=True)
class Converter:
    """A scalar YAML field whose stored form differs from its written form."""

    to_db: Callable[[Any], Any]
    to_yaml: Callable[[Any], Any]


@dataclass(frozen=True)
class EntitySpec:
    """The YAML shape of one entity."""

    name: str
    model: type[models.Model]
    fields: tuple[str, ...]
    key: tuple[str, ...] = ("slug",)
    foreign_keys: dict[str, Relation] = field(default_factory=dict)
    many_to_many: dict[str, Relation] = field(default_factory=dict)
    converters: dict[str, Converter] = field(default_factory=dict)
    provenance: bool = True
    # Re-derives computed fields; persist=False only sets them on the instance.
    refresh: Callable[..., None] | None = None

    @property
    def yaml_fields(self) -> tuple[str, ...]:
        names = [*self.fields, *self.foreign_keys, *self.many_to_many]
        if self.provenance:
            names.append("provenance")
        return tuple(names)

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns of a flat record (CSV row, JSON object), in order."""
        columns = []
        for name in self.fields:
            model_field = self.model._meta.get_field(name)
            kind = "list" if isinstance(model_field, models.JSONField) else "value"
            columns.append(
                Column(name, name, kind, converter=self.converters.get(name))
            )
        for name, relation in self.foreign_keys.items():
            columns.append(Column(name, relation.model_field, "fk", relation=relation))
        for name, relation in self.many_to_many.items():
            columns.append(Column(name, relation.model_field, "m2m", relation=relation))
        if self.provenance:
            columns.extend(PROVENANCE_COLUMNS)
        return tuple(columns)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def flatten(self, record: dict[str, Any]) -> dict[str, Any]:
        """A YAML record (provenance as a block) as a flat record (provenance columns)."""
        flat = {name: record.get(name) for name in self.yaml_fields}
        block = flat.pop("provenance", None) or {}
        if self.provenance:
            flat.update({key: block.get(key) for key in PROVENANCE_KEYS})
        return flat


# The separator of list cells in CSV: natural keys (slugs, reference numbers) can never
# contain "; ", free text (flags, synonyms, aliases) can contain anything but a line break.
KEY_LIST_SEPARATOR = "; "
TEXT_LIST_SEPARATOR = "\n"


@dataclass(frozen=True)
class Column:
    """One column of a flat record and the model attribute it reads and writes.

    kind: "value" (a scalar field), "list" (a JSON list of strings), "fk" (a related
    record by natural key), "m2m" (related records by natural key), "refs" (the review's
    reference numbers, resolved against the record's review).
    """

    name: str
    attribute: str
    kind: str
    relation: Relation | None = None
    converter: Converter | None = None

    @property
    def separator(self) -> str:
        return TEXT_LIST_SEPARATOR if self.kind == "list" else KEY_LIST_SEPARATOR

    @property
    def is_many(self) -> bool:
        return self.kind in ("m2m", "refs")

    def split(self, value: Any) -> list:
        """The items of a list cell: a JSON list, or a CSV cell split at its separator.

        Slug lists accept ";" or line breaks between items; text lists line breaks only.
        Items are stripped of surrounding blanks; empty items are dropped.
        """
        if value is None or value == "":
            return []
        if isinstance(value, (list, tuple)):
            items = list(value)
        elif isinstance(value, str):
            text = value if self.kind == "list" else value.replace(";", "\n")
            items = text.splitlines()
        else:
            items = [value]
        result = []
        for item in items:
            if isinstance(item, (dict, list, tuple)):
                raise ValueError("a list item must be text or a number, not a list")
            text = str(item).strip() if item is not None else ""
            if text:
                result.append(text)
        return result

    def text(self, value: Any) -> str:
        """A flat record's value as text: "" for null, list items joined."""
        if value is None:
            return ""
        if isinstance(value, (list, tuple)):
            return self.separator.join(str(item) for item in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def cell(self, value: Any) -> str:
        """A flat record's value as a CSV cell: its text, formula-neutralised."""
        return neutralise_formula(self.text(value))


def empty_value(model: type[models.Model], attribute: str) -> Any:
    """What an empty cell (or null, or a missing YAML key) stores in a field.

    NULL where the field allows it (a trial without an NCT id, a publication without a
    DOI: never ""), else the field's default, else "" for text and [] for lists.
    """
    model_field = model._meta.get_field(attribute)
    if model_field.many_to_many:
        return []
    if not isinstance(model_field, models.Field):
        return None  # a reverse relation: nothing of it is stored in this row
    if model_field.null:
        return None
    if model_field.has_default():
        return model_field.get_default()
    if isinstance(model_field, (models.CharField, models.TextField)):
        return ""
    return None


# The provenance block's keys as flat columns, in PROVENANCE_KEYS order.
PROVENANCE_COLUMNS: tuple[Column, ...] = (
    Column(
        "review", "source_review", "fk", relation=Relation("source_review", Publication)
    ),
    Column("locator", "locator", "value"),
    Column("refs", "cited_references", "refs"),
    Column(
        "primary_doi",
        "primary_publication",
        "fk",
        relation=Relation("primary_publication", Publication, lookup="doi"),
    ),
    Column("verification", "verification_status", "value"),
    Column("confirmed_by", "confirmed_by", "value"),
    Column("flags", "flags", "list"),
)
assert tuple(c.name for c in PROVENANCE_COLUMNS) == PROVENANCE_KEYS


DATE = Converter(_to_date, _from_date)


def _to_bool(value: Any) -> bool | None:
    """A yes/no cell: YAML's true/false, or the CSV text written for it ("true");
    None when empty (the field's default then applies)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"{value!r} is not true or false")


BOOLEAN = Converter(_to_bool, _identity)


def _dependencies(spec: EntitySpec) -> set[type[models.Model]]:
    """The models whose records `spec`'s records point at (itself excluded)."""
    relations = (*spec.foreign_keys.values(), *spec.many_to_many.values())
    needed = {relation.model for relation in relations}
    if spec.provenance:
        needed |= {Publication, ReviewReference}
    needed.discard(spec.model)
    return needed


def _load_order(unordered: list[EntitySpec]) -> tuple[EntitySpec, ...]:
    """Each spec after the specs it points at; ties keep the registration order."""
    by_model = {spec.model: spec for spec in unordered}
    waiting = {
        spec.name: {by_model[m].name for m in _dependencies(spec) if m in by_model}
        for spec in unordered
    }
    ordered: list[EntitySpec] = []
    placed: set[str] = set()
    while len(ordered) < len(unordered):
        ready = [
            s for s in unordered if s.name not in placed and waiting[s.name] <= placed
        ]
        if not ready:
            cycle = sorted(set(waiting) - placed)
            raise ValueError(f"dataset specs point at each other in a cycle: {cycle}")
        ordered.append(ready[0])
        placed.add(ready[0].name)
    return tuple(ordered)


_ORDER: dict[tuple[str, ...], tuple[EntitySpec, ...]] = {}


def specs() -> tuple[EntitySpec, ...]:
    """The registered entities' specs, in load order (referenced records first)."""
    registered = [e.spec for e in registry.registration_order() if e.spec is not None]
    key = tuple(spec.name for spec in registered)
    if key not in _ORDER:
        _ORDER.clear()
        _ORDER[key] = _load_order(registered)
    return _ORDER[key]


def spec_names() -> tuple[str, ...]:
    return tuple(spec.name for spec in specs())


def spec_named(name: str) -> EntitySpec:
    """The spec of the entity `name` ("trials"); KeyError when none is registered."""
    spec = registry.entity(name).spec
    if spec is None:
        raise KeyError(name)
    return spec


def spec_for(model: type[models.Model]) -> EntitySpec | None:
    """The spec of `model`'s entity (None when it is not a dataset entity)."""
    entity = registry.for_model(model)
    return entity.spec if entity is not None else None
