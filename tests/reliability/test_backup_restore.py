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

import pytest

from tests.reliability.conftest import manage

pytestmark = pytest.mark.reliability

CHANGE = """
from evidence.models import Condition
from trials.models import ClinicalTrial
Condition.objects.filter(slug="stroke").delete()
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
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    manage("load_curated", env=env)
    manage("export_curated", str(tmp_path / "before"), env=env)

    out = manage("backup", "--directory", str(tmp_path / "backups"), env=env)
    (folder,) = (tmp_path / "backups").iterdir()
    assert f"Backup written to {folder}" in out
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"] == dump_name
    assert (folder / dump_name).stat().st_size > 10_000
    assert manifest["tables"]["trials_clinicaltrial"] > 30
    assert sum(manifest["curated_records"].values()) == 1095
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


def test_sqlite_restore_drill(tmp_path):
    database = tmp_path / "atlas.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    drill(env, tmp_path, "db.sqlite3")


def test_postgresql_restore_drill(private_postgres, tmp_path):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("pg_dump and pg_restore are needed (postgresql-client)")
    private_postgres.psql("DROP DATABASE IF EXISTS drill")
    private_postgres.psql("CREATE DATABASE drill")
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
    import subprocess
    import sys

    from tests.reliability.conftest import ROOT

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
