"""evidence.dataset.backups in process, on the test database (SQLite or DATABASE_URL's PostgreSQL).

The subprocess drills with a writer process, on a SQLite file and a private PostgreSQL,
are in tests/reliability/test_backup_restore.py; these run in every test run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from collections import Counter

import pytest
import yaml
from django.db import connection

from evidence.base.writes import record_save
from evidence.dataset.backups import (
    MANIFEST,
    BackupError,
    backup_resolve,
    database_backup,
    database_restore,
    table_counts,
)
from evidence.dataset.specs import specs
from evidence.models import Condition
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database cannot take a second writer; the "
    "SQLite writer drill is in tests/reliability/test_backup_restore.py",
)


def some_records():
    for n in range(3):
        f.ClinicalTrialFactory()
        f.ConditionFactory(slug=f"backup-test-{n}", name=f"Backup test {n}")


def yaml_counts(folder) -> dict[str, int]:
    return {
        path.stem: len(yaml.safe_load(path.read_text(encoding="utf-8"))["records"])
        for path in (folder / "curated").glob("*.yaml")
    }


def dump_counts(dump) -> dict[str, int]:
    """Rows per table in a pg_dump archive, read from its COPY blocks (no restore)."""
    script = subprocess.run(
        ["pg_restore", "--data-only", "-f", "-", str(dump)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    counts: Counter[str] = Counter()
    table = None
    for line in script.splitlines():
        if table is None:
            match = re.match(r"COPY (?:\w+\.)?(\w+) \(.*\) FROM stdin;$", line)
            if match:
                table = match.group(1)
                counts[table] += 0
        elif line == "\\.":
            table = None
        else:
            counts[table] += 1
    return dict(counts)


def test_backup_and_restore_round_trip(tmp_path):
    some_records()
    folder = database_backup(directory=tmp_path)
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"] == table_counts()
    assert yaml_counts(folder) == manifest["curated_records"]
    for spec in specs():
        assert (
            manifest["curated_records"][spec.name]
            == (manifest["tables"][spec.model._meta.db_table])
        )
    assert backup_resolve("latest", directory=tmp_path) == folder

    Condition.objects.filter(slug="backup-test-0").delete()
    f.ConditionFactory(slug="after-the-backup")
    assert table_counts() != manifest["tables"]
    assert database_restore(backup=folder) == manifest["tables"]
    assert table_counts() == manifest["tables"]
    assert Condition.objects.filter(slug="backup-test-0").exists()
    assert not Condition.objects.filter(slug="after-the-backup").exists()


def _tamper_counts(folder):
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["tables"]["evidence_condition"] += 1
    (folder / MANIFEST).write_text(json.dumps(manifest))


def _tamper_counts_without_checksum(folder):
    _tamper_counts(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    del manifest["sha256"]
    (folder / MANIFEST).write_text(json.dumps(manifest))


def _tamper_file(folder):
    (path,) = [p for p in folder.iterdir() if p.name in ("db.sqlite3", "database.dump")]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _tamper_table_name(folder):
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["tables"]['evidence_condition"; DROP TABLE x; --'] = 1
    (folder / MANIFEST).write_text(json.dumps(manifest))


def _tamper_json(folder):
    (folder / MANIFEST).write_text("{not json")


def _tamper_missing_table(folder):
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["tables"]["evidence_nosuchtable"] = 0
    (folder / MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_tamper_counts, "differ from the manifest"),
        (_tamper_counts_without_checksum, "differ from the manifest"),
        (_tamper_missing_table, "evidence_nosuchtable: missing rows"),
        (_tamper_file, "checksum"),
        (_tamper_table_name, "no valid table counts"),
        (_tamper_json, "Cannot read"),
    ],
)
def test_a_restore_that_fails_its_check_changes_nothing(tmp_path, tamper, message):
    some_records()
    folder = database_backup(directory=tmp_path)
    Condition.objects.filter(slug="backup-test-0").delete()
    f.ConditionFactory(slug="after-the-backup")
    before = table_counts()
    tamper(folder)
    with pytest.raises(BackupError, match=re.escape(message)):
        database_restore(backup=folder)
    assert table_counts() == before
    assert Condition.objects.filter(slug="after-the-backup").exists()
    assert not Condition.objects.filter(slug="backup-test-0").exists()


def test_a_failed_backup_leaves_no_folder(tmp_path, monkeypatch):
    some_records()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("evidence.dataset.backups.dataset_export", broken)
    with pytest.raises(RuntimeError):
        database_backup(directory=tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(BackupError, match="No backup"):
        backup_resolve("latest", directory=tmp_path)


@postgresql_only
def test_postgresql_backup_while_a_thread_writes_is_one_snapshot(tmp_path):
    if shutil.which("pg_restore") is None:
        pytest.fail("pg_restore is needed (postgresql-client)")
    some_records()
    base = table_counts()
    stop = threading.Event()
    written = []
    errors = []

    def writer():
        try:
            while not stop.is_set():
                n = len(written) + 1
                record_save(
                    Condition(slug=f"thread-writer-{n}", name=f"Thread writer {n}"),
                    channel="test",
                    reason="written during a backup",
                )
                written.append(n)
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(written) < 10 and time.monotonic() < deadline and not errors:
            time.sleep(0.01)
        before = len(written)
        folder = database_backup(directory=tmp_path)
        after = len(written)
        while len(written) < after + 10 and time.monotonic() < deadline + 60:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(60)
    assert not errors, errors
    assert after - before >= 5, (before, after)

    manifest = json.loads((folder / MANIFEST).read_text())
    counts = manifest["tables"]
    new = Condition.objects.filter(slug__startswith="thread-writer-")
    in_backup = counts["evidence_condition"] - base["evidence_condition"]
    assert before <= in_backup <= after
    assert new.count() == len(written) > in_backup
    # The dump, the manifest and the YAML are one snapshot.
    dumped = dump_counts(folder / "database.dump")
    assert {table: dumped.get(table) for table in counts} == counts
    yamls = yaml_counts(folder)
    assert yamls == manifest["curated_records"]
    assert yamls["conditions"] == counts["evidence_condition"]
    historical = counts["evidence_historicalcondition"]
    assert historical - base["evidence_historicalcondition"] == in_backup

    assert database_restore(backup=folder) == counts
    assert table_counts() == counts
    assert new.count() == in_backup
