"""Curators' CSV/JSON import: natural keys, dry run, per-row refusal, history."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import (
    ClinicalTrialFactory,
    ConditionFactory,
    ReviewFactory,
    ReviewReferenceFactory,
)
from trials.models import ClinicalTrial

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(tmp_path):
    review = ReviewFactory(slug="foo-2021")
    ReviewReferenceFactory(review=review, number=140)
    ConditionFactory(slug="covid-19")
    ClinicalTrialFactory.create_batch(2, source_review=review)
    out = io.StringIO()
    call_command("export_records", "trials", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 2
    return tmp_path, rows


def write_csv(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_reimport_updates_instead_of_duplicating(exported):
    tmp_path, rows = exported
    rows[0]["route"] = "intrathecal"
    rows[0]["conditions"] = "covid-19"
    rows[0]["refs"] = "140"
    path = write_csv(tmp_path / "trials.csv", rows)
    call_command("import_records", "trials", str(path))
    assert ClinicalTrial.objects.count() == 2
    trial = ClinicalTrial.objects.get(slug=rows[0]["slug"])
    assert trial.route == "intrathecal"
    assert [c.slug for c in trial.conditions.all()] == ["covid-19"]
    assert trial.reference_numbers == [140]
    assert trial.history.first().history_change_reason == "import"


def test_dry_run_writes_nothing(exported, capsys):
    tmp_path, rows = exported
    rows[0]["route"] = "intrathecal"
    rows.append({**rows[1], "slug": "nct99999999", "nct_id": "NCT99999999"})
    path = write_csv(tmp_path / "trials.csv", rows)
    call_command("import_records", "trials", str(path), "--dry-run")
    assert "Dry run, nothing written: 1 new, 1 update" in capsys.readouterr().out
    assert ClinicalTrial.objects.count() == 2
    assert ClinicalTrial.objects.get(slug=rows[0]["slug"]).route == "intravenous"


def test_bad_rows_refuse_the_whole_file_with_reasons(exported, capsys):
    tmp_path, rows = exported
    rows[0]["route"] = "intrathecal"  # a good change, which must not be half-applied
    rows[1]["nct_id"] = "NCT123"
    rows.append({**rows[1], "slug": "new-trial", "nct_id": "", "therapy": "no-such"})
    path = write_csv(tmp_path / "trials.csv", rows)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_records", "trials", str(path))
    errors = capsys.readouterr().err
    assert "followed by 8 digits" in errors
    assert "no therapy with slug 'no-such'" in errors
    assert ClinicalTrial.objects.get(slug=rows[0]["slug"]).route == "intravenous"
    assert ClinicalTrial.objects.count() == 2


def test_json_round_trip(exported):
    tmp_path, _ = exported
    out = io.StringIO()
    call_command("export_records", "trials", "--format", "json", stdout=out)
    records = json.loads(out.getvalue())
    records[0]["dose_as_printed"] = "0.5 mL"
    path = tmp_path / "trials.json"
    path.write_text(json.dumps(records))
    call_command("import_records", "trials", str(path))
    assert (
        ClinicalTrial.objects.get(slug=records[0]["slug"]).dose_as_printed == "0.5 mL"
    )


def test_admin_import_page_offers_preview(admin_client_logged):
    response = admin_client_logged.get("/admin/trials/clinicaltrial/import/")
    assert response.status_code == 200
    assert b"import_file" in response.content
