"""The vocabulary app's dataset specs: publications, review references, conditions, cell
sources, therapies and comparison points (see evidence/dataset/specs.py)."""

from evidence.base.citation_parsing import name_from_text, name_text
from evidence.dataset.specs import BOOLEAN, Converter, EntitySpec, Relation
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


def _names_to_db(value):
    """The record format's authors ("Family, Given" per item) as {family, given}."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.splitlines()
    return [name_from_text(item) for item in value if str(item).strip()]


def _names_to_yaml(value):
    return [name_text(name) for name in value or []]


# Authors are written "Family, Given" in the fixtures, CSV and JSON (flat values).
AUTHOR_NAMES = Converter(_names_to_db, _names_to_yaml)


def _flag_to_db(value):
    """A yes/no cell: YAML and JSON booleans, or the CSV's "true"/"false"."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise ValueError(f"{value!r} is not true or false")


FLAG = Converter(_flag_to_db, bool)

PUBLICATIONS = EntitySpec(
    "publications",
    Publication,
    (
        "slug",
        "doi",
        "pmid",
        "title",
        "authors",
        "author_names",
        "et_al",
        "journal",
        "year",
        "volume_pages",
        "volume",
        "issue",
        "first_page",
        "last_page",
        "kind",
        "citation_as_printed",
        "record_source",
    ),
    converters={"author_names": AUTHOR_NAMES, "et_al": FLAG},
    provenance=False,
)

REVIEW_REFERENCES = EntitySpec(
    "review_references",
    ReviewReference,
    ("number", "citation_as_printed", "resolution_source"),
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
