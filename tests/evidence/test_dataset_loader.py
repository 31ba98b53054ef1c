"""The loader on small hand-made fixtures: idempotent, all-or-nothing, lossless export."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from evidence.dataset.export import dataset_export
from evidence.dataset.load import DatasetError, dataset_load
from evidence.models import Publication, Therapy
from trials.models import ClinicalTrial

REVIEW = {
    "slug": "test-review-2021",
    "doi": "10.1000/review.1",
    "title": "A review",
    "kind": "review",
    "year": 2021,
}


def provenance(locator: str, refs=(1,)) -> dict:
    return {"review": "test-review-2021", "locator": locator, "refs": list(refs)}


def write(directory: Path, name: str, entity: str, records: list[dict]) -> None:
    (directory / name).write_text(
        yaml.safe_dump({"entity": entity, "records": records}, allow_unicode=True)
    )


@pytest.fixture
def fixture_dir(tmp_path: Path) -> Path:
    write(tmp_path, "publications.yaml", "publications", [REVIEW])
    write(
        tmp_path,
        "refs.yaml",
        "review_references",
        [{"review": "test-review-2021", "number": n} for n in (1, 2)],
    )
    write(
        tmp_path,
        "conditions.yaml",
        "conditions",
        [{"slug": "covid-19", "name": "COVID-19", "category": "infectious"}],
    )
    write(
        tmp_path,
        "cells.yaml",
        "cell_sources",
        [
            {
                "slug": "bone-marrow-msc",
                "name": "Bone marrow MSC",
                "potency": "multipotent",
            }
        ],
    )
    write(
        tmp_path,
        "therapies.yaml",
        "therapies",
        [
            # Child first: the loader must order parents before children.
            {
                "slug": "bmsc-exosomes",
                "name": "BMSC exosomes",
                "modality": "exosomes",
                "cell_source": "bone-marrow-msc",
                "parent": "bmsc-cells",
                "provenance": provenance("Table 3, row 1"),
            },
            {
                "slug": "bmsc-cells",
                "name": "BMSCs",
                "modality": "cells",
                "cell_source": "bone-marrow-msc",
                "provenance": provenance("Table 2, row 1", refs=()),
            },
        ],
    )
    write(
        tmp_path,
        "trials.yaml",
        "trials",
        [
            {
                "slug": "nct04491240",
                "nct_id": "NCT04491240",
                # Without design text the evidence level is not determinable.
                "design_as_printed": "A phase 1 open-label study",
                "therapy": "bmsc-exosomes",
                "conditions": ["covid-19"],
                "route": "inhalation",
                "dose_as_printed": "0.5 − 2 × 10^10 exosomes",
                "dose_low": 0.5e10,
                "dose_high": 2e10,
                "dose_unit": "exosomes",
                "outcome_classes": ["no_side_effects"],
                "provenance": provenance("Table 3, row 1", refs=(1, 2)),
            }
        ],
    )
    return tmp_path


@pytest.mark.django_db
def test_load_creates_records_with_lineage_and_provenance(fixture_dir):
    result = dataset_load(directory=fixture_dir)
    assert result.created["trials"] == 1 and result.created["therapies"] == 2
    trial = ClinicalTrial.objects.get(nct_id="NCT04491240")
    assert trial.therapy.parent.slug == "bmsc-cells"
    assert trial.reference_numbers == [1, 2]
    assert trial.source_review.slug == "test-review-2021"
    assert list(trial.outcome_classes.values_list("slug", flat=True)) == [
        "no-side-effects"
    ]
    assert trial.evidence_level == "B"


@pytest.mark.django_db
def test_second_load_changes_nothing_and_says_so(fixture_dir, capsys):
    call_command("load_curated", str(fixture_dir))
    before = list(ClinicalTrial.history.values_list("history_id", flat=True))
    call_command("load_curated", str(fixture_dir))
    output = capsys.readouterr().out
    assert "No changes" in output
    assert list(ClinicalTrial.history.values_list("history_id", flat=True)) == before


@pytest.mark.django_db
def test_changed_value_is_updated(fixture_dir):
    dataset_load(directory=fixture_dir)
    path = fixture_dir / "trials.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["records"][0]["route"] = "intravenous"
    path.write_text(yaml.safe_dump(doc))
    result = dataset_load(directory=fixture_dir)
    assert result.updated["trials"] == 1
    assert ClinicalTrial.objects.get().route == "intravenous"
    assert ClinicalTrial.history.first().history_change_reason == "load_curated"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"nct_id": "NCT123"}, "nct_id"),
        ({"route": "telepathy"}, "route"),
        ({"therapy": "no-such-therapy"}, "therapy"),
        ({"conditions": ["no-such-condition"]}, "conditions"),
        (
            {"provenance": {"review": "test-review-2021", "locator": ""}},
            "provenance.locator",
        ),
        (
            {
                "provenance": {
                    "review": "test-review-2021",
                    "locator": "x",
                    "refs": [99],
                }
            },
            "provenance.refs",
        ),
        ({"colour": "blue"}, "colour"),
    ],
)
@pytest.mark.django_db
def test_invalid_record_aborts_whole_load_and_names_file_record_field(
    fixture_dir, change, field
):
    path = fixture_dir / "trials.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["records"][0].update(change)
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(DatasetError) as excinfo:
        dataset_load(directory=fixture_dir)
    message = str(excinfo.value)
    assert "file trials.yaml" in message
    assert "nct04491240" in message
    assert f"field {field}" in message
    # Everything before the bad record was rolled back too.
    assert Publication.objects.count() == 0
    assert Therapy.objects.count() == 0


@pytest.mark.django_db
def test_command_reports_error_and_leaves_database_unchanged(fixture_dir):
    call_command("load_curated", str(fixture_dir))
    (fixture_dir / "broken.yaml").write_text("entity: trials\nrecords: [ {unclosed\n")
    with pytest.raises(CommandError, match="database unchanged.*broken.yaml"):
        call_command("load_curated", str(fixture_dir))
    assert ClinicalTrial.objects.count() == 1


@pytest.mark.django_db
def test_duplicate_keys_across_files_are_refused(fixture_dir):
    write(
        fixture_dir,
        "more_conditions.yaml",
        "conditions",
        [{"slug": "covid-19", "name": "COVID 19", "category": "infectious"}],
    )
    with pytest.raises(DatasetError, match="duplicate key"):
        dataset_load(directory=fixture_dir)


@pytest.mark.django_db(transaction=True)
def test_export_load_export_is_identical(fixture_dir, tmp_path_factory):
    dataset_load(directory=fixture_dir)
    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second")
    dataset_export(directory=first)
    call_command("flush", interactive=False, verbosity=0)
    dataset_load(directory=first)
    dataset_export(directory=second)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_text() == (second / name).read_text(), name
    assert "NCT04491240" in (first / "trials.yaml").read_text()
