"""How each entity of the curated dataset maps between YAML records and models.

The specs here are the single description of the fixture format (see fixtures/FORMAT.md):
the loader, the exporter and the report all read them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

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
    refresh: Callable[[models.Model], None] | None = None

    @property
    def yaml_fields(self) -> tuple[str, ...]:
        names = [*self.fields, *self.foreign_keys, *self.many_to_many]
        if self.provenance:
            names.append("provenance")
        return tuple(names)


def _refresh_trial(trial: models.Model) -> None:
    from trials.services import trial_refresh_evidence_level

    trial_refresh_evidence_level(trial=trial)


def _refresh_study(study: models.Model) -> None:
    from trials.services import study_refresh_evidence_level

    study_refresh_evidence_level(study=study)


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
