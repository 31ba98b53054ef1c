"""Backups of the whole database and of the curated dataset, and their restore.

A backup is one folder `<BACKUP_DIR>/<UTC timestamp>/` holding:

- `database.dump`: `pg_dump -Fc` of the database (PostgreSQL), or `db.sqlite3`: a
  consistent copy made with SQLite's online backup API (a plain copy of a live file can
  catch a half-written page);
- `curated/`: the curated records as YAML (`export_curated`), readable without a database;
- `manifest.json`: when, which engine, and the row count of every table of the atlas, which
  a restore checks afterwards.

A restore replaces the database with the backup in one step: `pg_restore --clean
--single-transaction` (all or nothing), or SQLite's backup API into the live file.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections

from evidence.services import dataset_export

ATLAS_APPS = ("evidence", "trials", "secretome")
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "db.sqlite3"


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message says why."""


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _pg_environment(alias: str = "default") -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore (the password never on a command line)."""
    db = settings.DATABASES[alias]
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(command: list[str], *, env: dict[str, str] | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not on PATH.")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}"
        )


def table_counts() -> dict[str, int]:
    """Rows of every table of the atlas apps (history tables included)."""
    return {
        model._meta.db_table: model._base_manager.count()
        for label in ATLAS_APPS
        for model in apps.get_app_config(label).get_models()
    }


def database_backup(*, directory: Path, alias: str = "default") -> Path:
    """Write a new backup folder under `directory`; return its path."""
    engine = _engine(alias)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = Path(directory) / stamp
    target.mkdir(parents=True, exist_ok=False)
    if engine == "postgresql":
        _run(
            ["pg_dump", "-Fc", "--no-owner", "-f", str(target / PG_DUMP)],
            env=_pg_environment(alias),
        )
    else:
        source = sqlite3.connect(settings.DATABASES[alias]["NAME"])
        destination = sqlite3.connect(target / SQLITE_COPY)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
    curated = dataset_export(directory=target / "curated")
    manifest = {
        "created": datetime.datetime.now(datetime.UTC).isoformat(),
        "engine": engine,
        "database": PG_DUMP if engine == "postgresql" else SQLITE_COPY,
        "tables": table_counts(),
        "curated_records": curated,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def backup_resolve(name: str, *, directory: Path) -> Path:
    """A backup folder by path or name under `directory`; "latest" is the newest."""
    if name == "latest":
        candidates = sorted(
            path for path in Path(directory).glob("*") if (path / MANIFEST).is_file()
        )
        if not candidates:
            raise BackupError(f"No backup in {directory}.")
        return candidates[-1]
    for path in (Path(name), Path(directory) / name):
        if (path / MANIFEST).is_file():
            return path
    raise BackupError(f"{name} is not a backup folder (no {MANIFEST}).")


def database_restore(*, backup: Path, alias: str = "default") -> dict[str, int]:
    """Replace the database with `backup`; return the restored table counts.

    Raises BackupError when the backup is of another engine or the restored row counts
    differ from the manifest's.
    """
    engine = _engine(alias)
    manifest = json.loads((backup / MANIFEST).read_text())
    if manifest["engine"] != engine:
        raise BackupError(
            f"The backup is of {manifest['engine']}; the database is {engine}."
        )
    # Our own open connection would hold locks (PostgreSQL) or a stale view (SQLite).
    connections[alias].close()
    if engine == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "-d",
                settings.DATABASES[alias]["NAME"],
                str(backup / PG_DUMP),
            ],
            env=_pg_environment(alias),
        )
    else:
        source = sqlite3.connect(backup / SQLITE_COPY)
        destination = sqlite3.connect(settings.DATABASES[alias]["NAME"])
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
    counts = table_counts()
    expected = manifest["tables"]
    different = {
        table: (expected[table], counts.get(table))
        for table in expected
        if counts.get(table) != expected[table]
    }
    if different:
        raise BackupError(
            f"Restored row counts differ from the backup's manifest: {different}"
        )
    return counts
