"""Restore drill: back up, change, restore, compare, on SQLite and on PostgreSQL.

Each drill runs the real commands (`manage.py backup` / `restore`, as `make backup` /
`make restore` do) in subprocesses against a scratch database: a temporary SQLite file,
and a scratch database in the private PostgreSQL cluster (never the shared server).
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest
import yaml
from django.apps import apps

from evidence.dataset.specs import specs
from tests.reliability.conftest import ROOT, manage, sqlite_from

CHANGE = """
from evidence.models import Condition
from trials.models import ClinicalTrial
Condition.objects.filter(slug="ischemic-stroke").delete()
ClinicalTrial.objects.filter(slug="nct02057900").update(design_as_printed="changed")
print(Condition.objects.count())
"""


def _same_tree(left, right) -> bool:
    comparison = filecmp.dircmp(left, right)
    if comparison.left_only or comparison.right_only:
        return False
    _, mismatch, errors = filecmp.cmpfiles(
        left, right, comparison.common_files, shallow=False
    )
    return not mismatch and not errors


def drill(env: dict[str, str], tmp_path, dump_name: str) -> None:
    """On a migrated database with the curated dataset loaded."""
    manage("export_curated", str(tmp_path / "before"), env=env)

    out = manage("backup", "--directory", str(tmp_path / "backups"), env=env)
    (folder,) = (tmp_path / "backups").iterdir()
    assert f"Backup written to {folder}" in out
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"] == dump_name
    assert (folder / dump_name).stat().st_size > 10_000
    assert manifest["tables"]["trials_clinicaltrial"] > 30
    # 1,095 records of the reviews and the 10 curator groupings of conditions.
    assert sum(manifest["curated_records"].values()) == 1105
    assert _same_tree(tmp_path / "before", folder / "curated")

    conditions_left = int(manage("shell", "-c", CHANGE, env=env).split()[-1])
    assert conditions_left == manifest["tables"]["evidence_condition"] - 1
    manage("export_curated", str(tmp_path / "changed"), env=env)
    assert not _same_tree(tmp_path / "before", tmp_path / "changed")

    out = manage(
        "restore", "latest", "--directory", str(tmp_path / "backups"), "--yes", env=env
    )
    assert f"Restored {folder}" in out
    manage("export_curated", str(tmp_path / "after"), env=env)
    assert _same_tree(tmp_path / "before", tmp_path / "after")


def test_sqlite_restore_drill(curated_sqlite, tmp_path):
    env = sqlite_from(curated_sqlite, tmp_path / "atlas.sqlite3")
    drill(env, tmp_path, "db.sqlite3")


def test_postgresql_restore_drill(private_postgres, curated_postgres, tmp_path):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("pg_dump and pg_restore are needed (postgresql-client)")
    private_postgres.psql("DROP DATABASE IF EXISTS drill")
    private_postgres.psql(f"CREATE DATABASE drill TEMPLATE {curated_postgres}")
    env = {**os.environ, "DATABASE_URL": private_postgres.url("drill")}
    try:
        drill(env, tmp_path, "database.dump")
    finally:
        private_postgres.psql("DROP DATABASE IF EXISTS drill WITH (FORCE)")


def test_restore_refuses_a_backup_of_another_engine(tmp_path):
    folder = tmp_path / "backups" / "20260101T000000000000Z"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(
        json.dumps({"engine": "postgresql", "tables": {}})
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(folder), "--yes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "The backup is of postgresql; the database is sqlite." in result.stderr


#
# A backup taken while the site writes is one snapshot (D7)
#

WRITER = """
import os
import pathlib

from evidence.models import Condition
from evidence.base.writes import record_save

folder = pathlib.Path(os.environ["BACKUP_WRITER_DIR"])
written = 0
while not (folder / "stop").exists():
    written += 1
    record_save(
        Condition(slug=f"backup-writer-{written}", name=f"Backup writer {written}"),
        channel="test",
        reason="written during a backup",
    )
    (folder / "progress.tmp").write_text(str(written))
    (folder / "progress.tmp").replace(folder / "progress")
print(written)
"""


class Writer:
    """`manage.py shell` creating conditions through the write path until stopped."""

    def __init__(self, env: dict[str, str], folder):
        self.folder = folder
        folder.mkdir()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", WRITER],
            cwd=ROOT,
            env={**env, "BACKUP_WRITER_DIR": str(folder)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def written(self) -> int:
        try:
            return int((self.folder / "progress").read_text())
        except FileNotFoundError:
            return 0

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.written() < count:
            assert self.process.poll() is None, self.process.communicate()
            assert time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.05)

    def stop(self) -> int:
        (self.folder / "stop").touch()
        out, err = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, out + err
        return int(out.split()[-1])


def sqlite_counts(path, tables) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return {
            t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables
        }


def pg_counts(server, database: str, tables) -> dict[str, int]:
    query = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)
    rows = server.psql(query, database=database).splitlines()
    return {name: int(count) for name, count in (row.split("|") for row in rows)}


def yaml_counts(folder) -> dict[str, int]:
    return {
        path.stem: len(yaml.safe_load(path.read_text(encoding="utf-8"))["records"])
        for path in (folder / "curated").glob("*.yaml")
    }


def backup_while_writing(env, tmp_path, count_live, count_copy) -> None:
    """On a migrated database with the curated dataset loaded."""
    tables = [
        model._meta.db_table
        for label in ("evidence", "trials", "secretome")
        for model in apps.get_app_config(label).get_models()
    ]
    base = count_live(tables)

    writer = Writer(env, tmp_path / "writer")
    try:
        writer.wait_for(20)
        before = writer.written()
        out = manage("backup", "--directory", str(tmp_path / "backups"), env=env)
        after = writer.written()
        writer.wait_for(after + 20)
    finally:
        total = writer.stop()
    # The writer really wrote while the backup ran, and after it.
    assert after - before >= 10, (before, after)
    (folder,) = (tmp_path / "backups").iterdir()
    assert f"Backup written to {folder}" in out
    manifest = json.loads((folder / "manifest.json").read_text())
    counts = manifest["tables"]
    assert set(counts) == set(tables)
    conditions = counts["evidence_condition"]
    new = conditions - base["evidence_condition"]
    assert before <= new <= after, (before, new, after)
    # Each condition written has its history row: one snapshot across the tables.
    historical = counts["evidence_historicalcondition"]
    assert historical - base["evidence_historicalcondition"] == new
    # The manifest, the database copy and the YAML are the same snapshot.
    assert count_copy(folder, tables) == counts
    yamls = yaml_counts(folder)
    assert yamls == manifest["curated_records"]
    assert yamls["conditions"] == conditions
    for spec in specs():
        assert yamls[spec.name] == counts[spec.model._meta.db_table], spec.name
    # Since then the live database has moved on.
    assert (
        count_live(tables)["evidence_condition"] == base["evidence_condition"] + total
    )
    assert total > new

    out = manage("restore", str(folder), "--yes", env=env)
    assert f"Restored {folder}" in out
    assert count_live(tables) == counts


def test_sqlite_backup_while_writing_is_one_snapshot(curated_sqlite, tmp_path):
    database = tmp_path / "atlas.sqlite3"
    env = sqlite_from(curated_sqlite, database)
    backup_while_writing(
        env,
        tmp_path,
        count_live=lambda tables: sqlite_counts(database, tables),
        count_copy=lambda folder, tables: sqlite_counts(folder / "db.sqlite3", tables),
    )


def test_postgresql_backup_while_writing_is_one_snapshot(
    private_postgres, curated_postgres, tmp_path
):
    server = private_postgres
    for name in ("h_backup_live", "h_backup_copy"):
        server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    server.psql(f"CREATE DATABASE h_backup_live TEMPLATE {curated_postgres}")
    # The copy is restored into an empty database.
    server.psql("CREATE DATABASE h_backup_copy")
    env = {**os.environ, "DATABASE_URL": server.url("h_backup_live")}

    def count_copy(folder, tables):
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "-d",
                server.url("h_backup_copy"),
                str(folder / "database.dump"),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        return pg_counts(server, "h_backup_copy", tables)

    try:
        backup_while_writing(
            env,
            tmp_path,
            count_live=lambda tables: pg_counts(server, "h_backup_live", tables),
            count_copy=count_copy,
        )
    finally:
        for name in ("h_backup_live", "h_backup_copy"):
            server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


#
# A restore that fails its check changes nothing (D7)
#


def tamper_manifest(folder) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["tables"]["evidence_condition"] += 1
    path.write_text(json.dumps(manifest))


def tamper_database(folder) -> None:
    (path,) = [p for p in folder.iterdir() if p.name in ("db.sqlite3", "database.dump")]
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(
        byte ^ 0xFF for byte in data[middle : middle + 64]
    )
    path.write_bytes(bytes(data))


def failed_restore(env, tmp_path, tamper, expected_message: str) -> None:
    """On a migrated database with the curated dataset loaded."""
    manage("backup", "--directory", str(tmp_path / "backups"), env=env)
    (folder,) = (tmp_path / "backups").iterdir()
    manage("shell", "-c", CHANGE, env=env)
    manage("export_curated", str(tmp_path / "changed"), env=env)
    tamper(folder)

    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(folder), "--yes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected_message in result.stderr, result.stderr
    assert "The database was not changed." in result.stderr
    assert "Restored" not in result.stdout
    # The live database is the one from before the restore, with its changes.
    manage("export_curated", str(tmp_path / "after"), env=env)
    assert _same_tree(tmp_path / "changed", tmp_path / "after")


TAMPERING = [
    pytest.param(tamper_manifest, "differ from the manifest", id="manifest-counts"),
    pytest.param(tamper_database, "checksum", id="database-file"),
]


@pytest.mark.parametrize(("tamper", "message"), TAMPERING)
def test_sqlite_failed_restore_leaves_the_database(
    curated_sqlite, tmp_path, tamper, message
):
    env = sqlite_from(curated_sqlite, tmp_path / "atlas.sqlite3")
    failed_restore(env, tmp_path, tamper, message)


@pytest.mark.parametrize(("tamper", "message"), TAMPERING)
def test_postgresql_failed_restore_leaves_the_database(
    private_postgres, curated_postgres, tmp_path, tamper, message
):
    private_postgres.psql("DROP DATABASE IF EXISTS h_backup_failed WITH (FORCE)")
    private_postgres.psql(
        f"CREATE DATABASE h_backup_failed TEMPLATE {curated_postgres}"
    )
    env = {**os.environ, "DATABASE_URL": private_postgres.url("h_backup_failed")}
    try:
        failed_restore(env, tmp_path, tamper, message)
    finally:
        private_postgres.psql("DROP DATABASE IF EXISTS h_backup_failed WITH (FORCE)")
