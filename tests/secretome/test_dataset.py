"""The secretome's dataset specs (secretome/dataset.py): each entity is written in the
fixtures' format and read back unchanged."""

from pathlib import Path

import pytest
import yaml

from evidence.dataset.export import dataset_export
from evidence.dataset.load import dataset_load
from secretome import dataset
from secretome.models import (
    Component,
    ComponentFinding,
    Effect,
    GeneticModification,
    Preconditioning,
)
from tests.secretome.world import build_secretome

pytestmark = pytest.mark.django_db

SECRETOME_FILES = [
    f"{spec.name}.yaml"
    for spec in (
        dataset.COMPONENTS,
        dataset.EFFECTS,
        dataset.COMPONENT_FINDINGS,
        dataset.PRECONDITIONING,
        dataset.GENETIC_MODIFICATIONS,
    )
]


def records(directory: Path, name: str) -> dict[str, dict]:
    document = yaml.safe_load((directory / f"{name}.yaml").read_text())
    assert document["entity"] == name
    return {record["slug"]: record for record in document["records"]}


def delete_secretome() -> None:
    # Children before the components and effects they protect.
    for model in (
        ComponentFinding,
        GeneticModification,
        Preconditioning,
        Component,
        Effect,
    ):
        model.objects.all().delete()


def test_component_and_finding_are_written_in_the_fixture_format(tmp_path):
    build_secretome()
    dataset_export(directory=tmp_path)
    assert records(tmp_path, "components")["vegf"] == {
        "slug": "vegf",
        "name": "Vascular endothelial growth factor",
        "abbreviation": "VEGF",
        "kind": "growth_factor",
        "aliases": ["VEGF-A"],
    }
    finding = ComponentFinding.objects.get(slug="vegf-angio")
    assert records(tmp_path, "component_findings")["vegf-angio"] == {
        "slug": "vegf-angio",
        "model_as_printed": "Rat model of stroke",
        "statement": "VEGF promoted angiogenesis in ischaemic tissue.",
        "component": "vegf",
        "effect": "angiogenesis",
        "cell_source": "bone-marrow-msc",
        "conditions": ["knee-osteoarthritis", "stroke"],
        "model_systems": [],
        "provenance": {
            "review": "foo-2021",
            "locator": finding.locator,
            "refs": [],
            "primary_doi": None,
            "verification": "extracted",
            "confirmed_by": "",
            "flags": [],
        },
    }
    assert records(tmp_path, "preconditioning")["hypoxia"]["effects"] == [
        "angiogenesis",
        "neuroprotection",
    ]
    assert records(tmp_path, "genetic_modifications")["t5-r01"]["component"] is None


def test_export_load_export_of_the_secretome_is_unchanged(tmp_path):
    build_secretome()
    first, second = tmp_path / "first", tmp_path / "second"
    dataset_export(directory=first)
    # Loading what was just exported changes nothing.
    assert not dataset_load(directory=first).changed

    delete_secretome()
    result = dataset_load(directory=first)
    assert {
        name: result.created[name]
        for name in (
            "components",
            "effects",
            "component_findings",
            "preconditioning",
            "genetic_modifications",
        )
    } == {
        "components": 4,
        "effects": 3,
        "component_findings": 3,
        "preconditioning": 2,
        "genetic_modifications": 2,
    }
    dataset_export(directory=second)
    for name in SECRETOME_FILES:
        assert (second / name).read_text() == (first / name).read_text(), name


def test_a_changed_component_is_updated_by_the_load(tmp_path):
    build_secretome()
    dataset_export(directory=tmp_path)
    path = tmp_path / "components.yaml"
    text = path.read_text()
    assert "  kind: mirna\n" in text
    path.write_text(
        text.replace(
            "- slug: mir-21\n  name: miR-21\n", "- slug: mir-21\n  name: microRNA-21\n"
        )
    )
    result = dataset_load(directory=tmp_path)
    assert result.updated["components"] == 1
    assert sum(result.updated.values()) == 1
    assert Component.objects.get(slug="mir-21").name == "microRNA-21"
