"""The secretome's tables: the columns a page shows, and the columns and values its
downloads add (export-only columns, many-valued cells as text)."""

import pytest

from evidence.base.exports import table_rows
from secretome.models import Component, GeneticModification, Preconditioning
from secretome.tables import (
    ComponentTable,
    GeneticModificationTable,
    PreconditioningTable,
)
from tests.secretome.world import build_secretome

pytestmark = pytest.mark.django_db

PROVENANCE_HEADERS = [
    "Source review",
    "Locator",
    "Review reference numbers",
    "Primary publication DOI",
    "Verification",
    "Flags",
    "Slug",
]


def shown(table) -> list[str]:
    return [str(column.header) for column in table.columns]


def download(table_class, queryset) -> tuple[list[str], dict[str, dict]]:
    """(headers, rows by slug) of the table's download."""
    names, headers, rows = table_rows(table_class(queryset, default=""))
    by_slug = {}
    for values in rows:
        row = dict(zip(names, values, strict=True))
        by_slug[row["slug"]] = row
    return headers, by_slug


@pytest.fixture
def secretome(db) -> dict:
    return build_secretome()


def test_component_table(secretome):
    queryset = Component.objects.with_list_related()
    assert shown(ComponentTable(queryset)) == [
        "Name",
        "Abbreviation",
        "Kind",
        "Findings",
    ]
    headers, rows = download(ComponentTable, queryset)
    assert headers == ["Name", "Abbreviation", "Kind", "Findings", "Aliases", "Slug"]
    assert rows["vegf"] == {
        "name": "Vascular endothelial growth factor",
        "abbreviation": "VEGF",
        "kind": "Growth factor",
        "finding_count": 2,
        "aliases": "VEGF-A",
        "slug": "vegf",
    }


def test_component_aliases_are_joined_in_downloads(secretome):
    Component.objects.filter(slug="vegf").update(aliases=["VEGF-A", "VEGF165"])
    _, rows = download(ComponentTable, Component.objects.with_list_related())
    assert rows["vegf"]["aliases"] == "VEGF-A; VEGF165"


def test_preconditioning_table(secretome):
    queryset = Preconditioning.objects.with_list_related().prefetch_related("effects")
    assert shown(PreconditioningTable(queryset)) == [
        "Name",
        "Category",
        "Agent",
        "Effects",
    ]
    headers, rows = download(PreconditioningTable, queryset)
    assert headers == [
        "Name",
        "Category",
        "Agent",
        "Effects",
        *PROVENANCE_HEADERS,
        "Effect (as printed)",
    ]
    hypoxia = rows["hypoxia"]
    assert hypoxia["effects"] == "Angiogenesis; Neuroprotection"
    assert (hypoxia["category"], hypoxia["source_review"]) == (
        "Culturing condition",
        "foo-2021",
    )


def test_genetic_modification_table(secretome):
    queryset = GeneticModification.objects.with_list_related()
    assert shown(GeneticModificationTable(queryset)) == [
        "Factor",
        "Component",
        "Cell source",
        "Method",
        "Conditions",
        "Disease model (as printed)",
    ]
    headers, rows = download(GeneticModificationTable, queryset)
    assert headers[-2:] == ["MSC source (as printed)", "Method (as printed)"]
    akt = rows["t5-r01"]
    assert {
        name: akt[name]
        for name in ("factor_as_printed", "cell_source", "method", "conditions")
    } == {
        "factor_as_printed": "Akt",
        "cell_source": "Umbilical cord MSC",
        "method": "Adenovirus",
        "conditions": "Ischaemic stroke",
    }
    assert (akt["source_as_printed"], akt["method_as_printed"]) == (
        "Human umbilical cord",
        "Adenovirus",
    )
