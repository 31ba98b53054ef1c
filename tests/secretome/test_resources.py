"""The secretome's import/export resources (secretome/resources.py), through the
curators' commands: exact columns out, an unchanged file changes nothing, edits are
applied, a bad row refuses the whole file with its reason."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evidence.dataset.resources import resource_named
from secretome import resources
from secretome.models import Component, ComponentFinding
from tests.secretome.world import build_secretome

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretome(db) -> dict:
    return build_secretome()


def export(entity: str) -> str:
    out = io.StringIO()
    call_command("export_records", entity, stdout=out)
    return out.getvalue()


def import_file(tmp_path, entity: str, text: str) -> str:
    path = tmp_path / f"{entity}.csv"
    path.write_text(text)
    out = io.StringIO()
    call_command("import_records", entity, str(path), stdout=out)
    return out.getvalue()


def test_every_secretome_entity_imports_through_its_resource():
    assert resource_named("components") is resources.ComponentResource
    assert resource_named("effects") is resources.EffectResource
    assert resource_named("component_findings") is resources.ComponentFindingResource
    assert resource_named("preconditioning") is resources.PreconditioningResource
    assert (
        resource_named("genetic_modifications") is resources.GeneticModificationResource
    )


def test_components_export_in_the_record_format(secretome):
    assert export("components").splitlines() == [
        "slug,name,abbreviation,kind,aliases",
        "hgf,Hepatocyte growth factor,,growth_factor,",
        "il-10,Interleukin 10,IL-10,cytokine_anti_inflammatory,",
        "mir-21,miR-21,,mirna,",
        "vegf,Vascular endothelial growth factor,VEGF,growth_factor,VEGF-A",
    ]


def test_findings_export_relations_by_slug_and_provenance_as_columns(secretome):
    rows = {
        row["slug"]: row
        for row in csv.DictReader(io.StringIO(export("component_findings")))
    }
    assert sorted(rows) == ["il10-immuno", "vegf-angio", "vegf-neuro"]
    row = rows["vegf-angio"]
    assert {name: row[name] for name in ("component", "effect", "cell_source")} == {
        "component": "vegf",
        "effect": "angiogenesis",
        "cell_source": "bone-marrow-msc",
    }
    assert row["conditions"] == "knee-osteoarthritis; stroke"
    assert (row["review"], row["verification"]) == ("foo-2021", "extracted")


@pytest.mark.parametrize(
    "entity",
    [
        "components",
        "effects",
        "component_findings",
        "preconditioning",
        "genetic_modifications",
    ],
)
def test_an_unchanged_export_reimports_with_no_change(secretome, tmp_path, entity):
    summary = import_file(tmp_path, entity, export(entity))
    assert "0 changed" in summary


def test_edited_aliases_are_imported_one_per_line(secretome, tmp_path):
    # Aliases may hold ";" themselves: a text list's items are separated by line breaks.
    rows = list(csv.DictReader(io.StringIO(export("components"))))
    rows[2]["aliases"] = "miR-21-5p\nhsa-miR-21; mature"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    assert "1 changed" in import_file(tmp_path, "components", out.getvalue())
    component = Component.objects.get(slug="mir-21")
    assert component.aliases == ["miR-21-5p", "hsa-miR-21; mature"]
    # and the export writes them back the same way
    exported = list(csv.DictReader(io.StringIO(export("components"))))
    assert exported[2]["aliases"] == "miR-21-5p\nhsa-miR-21; mature"


def test_a_bad_kind_refuses_the_file_with_the_row_and_reason(secretome, tmp_path):
    text = (
        export("components")
        .replace("mir-21,miR-21,,mirna,", "mir-21,microRNA-21,,gas,")
        .replace("hgf,Hepatocyte growth factor,", "hgf,HGF,")
    )
    errors = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        path = tmp_path / "components.csv"
        path.write_text(text)
        call_command("import_records", "components", str(path), stderr=errors)
    assert "nothing was written" in str(excinfo.value)
    assert "row 3: kind: Value 'gas' is not a valid choice." in errors.getvalue()
    # The valid edit of row 1 was not written either.
    assert Component.objects.get(slug="hgf").name == "Hepatocyte growth factor"
    assert Component.objects.get(slug="mir-21").kind == "mirna"


def test_a_finding_naming_an_unknown_component_is_refused(secretome, tmp_path):
    text = export("component_findings").replace(
        ",vegf,angiogenesis,", ",vegf-b,angiogenesis,"
    )
    errors = io.StringIO()
    with pytest.raises(CommandError):
        path = tmp_path / "component_findings.csv"
        path.write_text(text)
        call_command("import_records", "component_findings", str(path), stderr=errors)
    assert "vegf-b" in errors.getvalue()
    assert ComponentFinding.objects.get(slug="vegf-angio").component.slug == "vegf"
