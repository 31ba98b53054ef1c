"""How each entity of the curated dataset maps between records and models.

The specs here are the single description of the record format (see fixtures/FORMAT.md):
the YAML loader and exporter, the curators' CSV/JSON import and export (the admin's and
`import_records`/`export_records`, evidence/resources.py), the release CSVs and the report
all read them. A flat record (one CSV row, one JSON object) has one column per YAML field,
with the provenance block's keys as columns of their own (`EntitySpec.columns`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from evidence.csvsafe import neutralise_formula
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)
from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)
from trials.models import (
    ClinicalTrial,
    ModelSystem,
    OutcomeClass,
    Study,
    TrialCountSnapshot,
)

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


def _underscore_to_hyphen(value: str) -> str:
    return value.replace("_", "-")


def _hyphen_to_underscore(value: str) -> str:
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
    if model_field.null:
        return None
    if model_field.has_default():
        return model_field.get_default()
    if isinstance(model_field, (models.CharField, models.TextField)):
        return ""
    return None


def _refresh_trial(trial: models.Model, *, persist: bool = True) -> None:
    from trials.services import trial_refresh_evidence_level

    trial_refresh_evidence_level(trial=trial, persist=persist)


def _refresh_study(study: models.Model, *, persist: bool = True) -> None:
    from trials.services import study_refresh_evidence_level

    study_refresh_evidence_level(study=study, persist=persist)


_CONDITIONS = Relation("conditions", Condition)
_OUTCOMES = Relation(
    "outcome_classes",
    OutcomeClass,
    to_db=_underscore_to_hyphen,
    to_yaml=_hyphen_to_underscore,
)
_MODEL_SYSTEMS = Relation("model_systems", ModelSystem)
_DATE = Converter(_to_date, _from_date)

SPECS: tuple[EntitySpec, ...] = (
    EntitySpec(
        "publications",
        Publication,
        (
            "slug",
            "doi",
            "pmid",
            "title",
            "authors",
            "journal",
            "year",
            "volume_pages",
            "kind",
            "citation_as_printed",
        ),
        provenance=False,
    ),
    EntitySpec(
        "review_references",
        ReviewReference,
        ("number", "citation_as_printed"),
        key=("review", "number"),
        foreign_keys={
            "review": Relation("review", Publication),
            "publication": Relation("publication", Publication),
        },
        provenance=False,
    ),
    EntitySpec(
        "conditions",
        Condition,
        ("slug", "name", "category", "synonyms"),
        provenance=False,
    ),
    EntitySpec(
        "cell_sources",
        CellSource,
        ("slug", "name", "tissue", "cell_type", "potency", "species"),
        provenance=False,
    ),
    EntitySpec(
        "components",
        Component,
        ("slug", "name", "abbreviation", "kind", "aliases"),
        provenance=False,
    ),
    EntitySpec("effects", Effect, ("slug", "name", "description"), provenance=False),
    EntitySpec(
        "therapies",
        Therapy,
        (
            "slug",
            "name",
            "modality",
            "donor_type",
            "preconditioning",
            "genetic_modification",
            "brand_name",
            "market_approvals",
            "description",
        ),
        foreign_keys={
            "cell_source": Relation("cell_source", CellSource),
            "parent": Relation("parent", Therapy),
        },
    ),
    EntitySpec(
        "comparison_points",
        ComparisonPoint,
        ("slug", "aspect", "side", "ordinal", "text"),
    ),
    EntitySpec(
        "trials",
        ClinicalTrial,
        (
            "slug",
            "nct_id",
            "design_as_printed",
            "phase",
            "phase_as_printed",
            "status",
            "stem_cell_type_as_printed",
            "condition_as_printed",
            "donor_type",
            "dose_as_printed",
            "dose_low",
            "dose_high",
            "dose_unit",
            "dose_basis",
            "route",
            "route_as_printed",
            "outcome_as_printed",
            "evidence_level_override",
            "evidence_level_reason",
        ),
        foreign_keys={"therapy": Relation("therapy", Therapy)},
        many_to_many={"conditions": _CONDITIONS, "outcome_classes": _OUTCOMES},
        refresh=_refresh_trial,
    ),
    EntitySpec(
        "studies",
        Study,
        (
            "slug",
            "title",
            "authors_as_printed",
            "stage",
            "model_as_printed",
            "condition_as_printed",
            "cell_as_printed",
            "application_method",
            "route",
            "dose_as_printed",
            "scaffold",
            "findings",
            "year",
            "evidence_level_override",
            "evidence_level_reason",
        ),
        foreign_keys={
            "therapy": Relation("therapy", Therapy),
            "publication": Relation("publication", Publication),
        },
        many_to_many={"model_systems": _MODEL_SYSTEMS, "conditions": _CONDITIONS},
        refresh=_refresh_study,
    ),
    EntitySpec(
        "trial_counts",
        TrialCountSnapshot,
        ("slug", "series", "phase", "count", "as_of_year", "accessed"),
        converters={"accessed": _DATE},
    ),
    EntitySpec(
        "component_findings",
        ComponentFinding,
        ("slug", "model_as_printed", "statement"),
        foreign_keys={
            "component": Relation("component", Component),
            "effect": Relation("effect", Effect),
            "cell_source": Relation("cell_source", CellSource),
        },
        many_to_many={"conditions": _CONDITIONS, "model_systems": _MODEL_SYSTEMS},
    ),
    EntitySpec(
        "preconditioning",
        Preconditioning,
        ("slug", "name", "category", "agent", "effect_text"),
        many_to_many={"effects": Relation("effects", Effect)},
    ),
    EntitySpec(
        "genetic_modifications",
        GeneticModification,
        (
            "slug",
            "factor_as_printed",
            "source_as_printed",
            "method",
            "method_as_printed",
            "disease_as_printed",
        ),
        foreign_keys={
            "component": Relation("component", Component),
            "cell_source": Relation("cell_source", CellSource),
        },
        many_to_many={"conditions": _CONDITIONS},
    ),
)

SPECS_BY_NAME = {spec.name: spec for spec in SPECS}
SPECS_BY_MODEL = {spec.model: spec for spec in SPECS}

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
