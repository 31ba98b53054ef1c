"""The real curated dataset: a second load changes nothing; export -> load -> export is
identical; a corrupted fixture leaves the database as it was."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from evidence.dataset.export import dataset_export
from evidence.dataset.load import DatasetError, dataset_load
from evidence.dataset.specs import specs

FIXTURES = Path(settings.FIXTURES_DIR)


def counts() -> dict[str, int]:
    return {spec.name: spec.model._default_manager.count() for spec in specs()}


@pytest.mark.django_db(transaction=True)
def test_curated_round_trip_and_idempotent_reload(tmp_path):
    first_load = dataset_load(directory=FIXTURES)
    assert sum(first_load.created.values()) == sum(counts().values())
    second_load = dataset_load(directory=FIXTURES)
    assert not second_load.changed

    first, second = tmp_path / "first", tmp_path / "second"
    dataset_export(directory=first)
    call_command("flush", interactive=False, verbosity=0)
    dataset_load(directory=first)
    dataset_export(directory=second)
    for path in sorted(first.iterdir()):
        assert path.read_text() == (second / path.name).read_text(), path.name


@pytest.mark.django_db(transaction=True)
def test_corrupted_curated_fixture_leaves_database_unchanged(tmp_path):
    dataset_load(directory=FIXTURES)
    before = counts()
    broken = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, broken)
    path = broken / "foo2021_table3_trials.yaml"
    text = path.read_text()
    assert "nct_id: NCT04753476" in text
    path.write_text(text.replace("nct_id: NCT04753476", "nct_id: NCT4753476"))
    # A new record earlier in the load order, which must be rolled back too.
    (broken / "extra_conditions.yaml").write_text(
        "entity: conditions\nrecords:\n- slug: brand-new-condition\n  name: New\n"
    )
    with pytest.raises(DatasetError) as excinfo:
        dataset_load(directory=broken)
    assert "foo2021_table3_trials.yaml" in str(excinfo.value)
    assert "nct04753476" in str(excinfo.value)
    assert "field nct_id" in str(excinfo.value)
    assert counts() == before
