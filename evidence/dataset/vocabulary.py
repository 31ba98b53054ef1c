"""The vocabulary app's dataset specs: publications, review references, conditions, cell
sources, therapies and comparison points (see evidence/dataset/specs.py)."""

from evidence.dataset.specs import BOOLEAN, EntitySpec, Relation
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)

# Records of every app name their conditions by slug.
TO_CONDITIONS = Relation("conditions", Condition)

PUBLICATIONS = EntitySpec(
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
)

REVIEW_REFERENCES = EntitySpec(
    "review_references",
    ReviewReference,
    ("number", "citation_as_printed"),
    key=("review", "number"),
    foreign_keys={
        "review": Relation("review", Publication),
        "publication": Relation("publication", Publication),
    },
    provenance=False,
)

CONDITIONS = EntitySpec(
    "conditions",
    Condition,
    ("slug", "name", "category", "synonyms", "is_grouping", "curator_note"),
    foreign_keys={"parent": Relation("parent", Condition)},
    converters={"is_grouping": BOOLEAN},
    provenance=False,
)

CELL_SOURCES = EntitySpec(
    "cell_sources",
    CellSource,
    ("slug", "name", "tissue", "cell_type", "potency", "species"),
    provenance=False,
)

THERAPIES = EntitySpec(
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
)

COMPARISON_POINTS = EntitySpec(
    "comparison_points",
    ComparisonPoint,
    ("slug", "aspect", "side", "ordinal", "text"),
)
