"""The secretome app's dataset specs: components, effects, findings, preconditioning and
genetic modifications (see evidence/dataset/specs.py); secretome/apps.py registers them."""

from evidence.dataset.specs import EntitySpec, Relation
from evidence.dataset.vocabulary import TO_CONDITIONS
from evidence.models import CellSource
from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)
from trials.dataset import MODEL_SYSTEMS

COMPONENTS = EntitySpec(
    "components",
    Component,
    ("slug", "name", "abbreviation", "kind", "aliases"),
    provenance=False,
)

EFFECTS = EntitySpec(
    "effects", Effect, ("slug", "name", "description"), provenance=False
)

COMPONENT_FINDINGS = EntitySpec(
    "component_findings",
    ComponentFinding,
    ("slug", "model_as_printed", "statement"),
    foreign_keys={
        "component": Relation("component", Component),
        "effect": Relation("effect", Effect),
        "cell_source": Relation("cell_source", CellSource),
    },
    many_to_many={"conditions": TO_CONDITIONS, "model_systems": MODEL_SYSTEMS},
)

PRECONDITIONING = EntitySpec(
    "preconditioning",
    Preconditioning,
    ("slug", "name", "category", "agent", "effect_text"),
    many_to_many={"effects": Relation("effects", Effect)},
)

GENETIC_MODIFICATIONS = EntitySpec(
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
    many_to_many={"conditions": TO_CONDITIONS},
)
