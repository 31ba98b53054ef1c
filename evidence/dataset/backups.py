"""Backups of the whole database and of the curated dataset, and their restore.

A backup is one folder `<BACKUP_DIR>/<UTC timestamp>/` holding:

- `database.dump`: `pg_dump -Fc` of the database (PostgreSQL), or `db.sqlite3`: a copy made
  with SQLite's online backup API (a plain copy of a live file can catch a half-written
  page);
- `curated/`: the curated records as YAML (`export_curated`), readable without a database;
- `manifest.json`, written last: when, which engine, the SHA-256 of the database file, and
  the row count of every table of the atlas, which a restore checks.

**One snapshot.** The database file, the row counts and the YAML describe the same moment,
even while the site writes:

- SQLite: the backup API copies the whole database in one step, under one read lock, into
  the backup file; the counts and the YAML are then read *from that copy* (a second,
  read-only connection alias), never from the live database.
- PostgreSQL: one REPEATABLE READ, READ ONLY transaction exports its snapshot
  (`pg_export_snapshot()`); `pg_dump --snapshot=<id>` dumps exactly that snapshot while
  the transaction is held open, and the counts and the YAML are read in the same
  transaction.

**A restore that fails its check changes nothing.** Before anything is replaced the
manifest is read and the database file is compared with its checksum. Then:

- SQLite: the backup is copied into a temporary file, which is checked (integrity check and
  the row count of every table against the manifest); only a copy that passes is written
  into the live database, by the backup API in one transaction, so other connections see
  either the old database or the whole restored one.
- PostgreSQL: `pg_restore --clean` as SQL, run by `psql --single-transaction` followed, in
  the same transaction, by a check of every table's row count against the manifest; a
  difference (or any error) rolls the whole transaction back, and the previous database is
  untouched. No scratch database (and no CREATE DATABASE privilege) is needed: what is
  checked is exactly what would be committed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.db import DatabaseError, connections, transaction
from django.db.utils import load_backend

from evidence import registry
from evidence.base.counts import data_changed
from evidence.dataset.export import dataset_export

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "db.sqlite3"
READ_ONLY_INIT = re.compile(r"PRAGMA\s+journal_mode\s*=\s*\w+\s*;?", re.IGNORECASE)
NOT_CHANGED = "The database was not changed."
_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message says why."""


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _pg_environment(alias: str = "default") -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore/psql (the password never on a command line)."""
    db = connections[alias].settings_dict
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


def _run(command: list[str], *, env: dict[str, str] | None = None) -> str:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not on PATH.")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}"
        )
    return result.stdout


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atlas_tables() -> list[str]:
    return [
        model._meta.db_table
        for label in registry.app_labels()
        for model in apps.get_app_config(label).get_models()
    ]


def table_counts(using: str = "default") -> dict[str, int]:
    """Rows of every table of the atlas apps (history tables included)."""
    return {
        model._meta.db_table: model._base_manager.using(using).count()
        for label in registry.app_labels()
        for model in apps.get_app_config(label).get_models()
    }


@contextmanager
def _sqlite_alias(path: Path, *, like: str) -> Iterator[str]:
    """A read-only connection alias to the SQLite file `path`, in this thread only."""
    alias = f"backup-{uuid.uuid4().hex}"
    # Django opens SQLite names as URIs: mode=ro guarantees the copy is only read.
    name = f"file:{quote(str(path.resolve()))}?mode=ro"
    settings_dict = {**connections[like].settings_dict, "NAME": name}
    # A read-only connection cannot change the journal mode (settings: WAL).
    options = dict(settings_dict.get("OPTIONS", {}))
    options["init_command"] = READ_ONLY_INIT.sub(
        "", options.get("init_command", "")
    ).strip()
    settings_dict["OPTIONS"] = options
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, alias
    )
    # Not added to settings.DATABASES: the alias exists for this thread and this block.
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


#
# Backup
#


def _sqlite_backup(target: Path, alias: str) -> tuple[dict[str, int], dict[str, int]]:
    live = connections[alias]
    live.ensure_connection()
    with closing(sqlite3.connect(target / SQLITE_COPY)) as copy:
        # pages=-1: the whole database in one step, under one read lock.
        live.connection.backup(copy, pages=-1)
        # The copy of a write-ahead-logged database is one too: made one file again.
        copy.execute("PRAGMA journal_mode=DELETE")
    with _sqlite_alias(target / SQLITE_COPY, like=alias) as snapshot:
        tables = table_counts(using=snapshot)
        curated = dataset_export(directory=target / "curated", using=snapshot)
    return tables, curated


def _pg_backup(target: Path, alias: str) -> tuple[dict[str, int], dict[str, int]]:
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside another transaction.")
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        # The snapshot lives as long as this transaction: dump it, then read it.
        _run(
            [
                "pg_dump",
                "-Fc",
                "--no-owner",
                f"--snapshot={snapshot}",
                "-f",
                str(target / PG_DUMP),
            ],
            env=_pg_environment(alias),
        )
        tables = table_counts(using=alias)
        curated = dataset_export(directory=target / "curated", using=alias)
    return tables, curated


def database_backup(*, directory: Path, alias: str = "default") -> Path:
    """Write a new backup folder under `directory`; return its path.

    The database file, the manifest's counts and the YAML are one snapshot (see the
    module docstring). A backup that fails leaves no folder behind.
    """
    engine = _engine(alias)
    started = datetime.datetime.now(datetime.UTC)
    target = Path(directory) / started.strftime("%Y%m%dT%H%M%S%fZ")
    target.mkdir(parents=True, exist_ok=False)
    database = PG_DUMP if engine == "postgresql" else SQLITE_COPY
    try:
        if engine == "postgresql":
            tables, curated = _pg_backup(target, alias)
        else:
            tables, curated = _sqlite_backup(target, alias)
        manifest = {
            "created": started.isoformat(),
            "engine": engine,
            "database": database,
            "sha256": _sha256(target / database),
            "snapshot": (
                "pg_dump --snapshot of the transaction that read the counts and YAML"
                if engine == "postgresql"
                else "SQLite backup API copy; counts and YAML read from the copy"
            ),
            "tables": tables,
            "curated_records": curated,
        }
        # Written last, atomically: a folder with a manifest is a complete backup.
        partial = target / f"{MANIFEST}.partial"
        partial.write_text(json.dumps(manifest, indent=2) + "\n")
        partial.replace(target / MANIFEST)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
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


#
# Restore
#


def read_manifest(backup: Path) -> dict:
    """The manifest of `backup`, checked for shape; BackupError when unusable."""
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"Cannot read {backup / MANIFEST}: {exc}") from exc
    tables = manifest.get("tables") if isinstance(manifest, dict) else None
    if not isinstance(tables, dict) or not all(
        isinstance(name, str)
        and _TABLE_NAME.fullmatch(name)
        and isinstance(count, int)
        and count >= 0
        for name, count in tables.items()
    ):
        raise BackupError(f"{backup / MANIFEST} has no valid table counts.")
    return manifest


def _differences(expected: dict[str, int], found: dict[str, int | None]) -> str:
    different = {
        table: (count, found.get(table))
        for table, count in expected.items()
        if found.get(table) != count
    }
    return ", ".join(
        f"{table}: {got if got is not None else 'missing'} rows, the manifest says "
        f"{count}"
        for table, (count, got) in sorted(different.items())
    )


def _sqlite_restore(file: Path, expected: dict[str, int], alias: str) -> None:
    live = connections[alias]
    live.ensure_connection()
    name = live.settings_dict["NAME"]
    # Next to the live file when there is one (same disk), else the temporary folder.
    folder = Path(name).parent if Path(name).is_file() else None
    with tempfile.TemporaryDirectory(prefix="atlas-restore-", dir=folder) as scratch:
        candidate_path = Path(scratch) / "candidate.sqlite3"
        source_uri = f"file:{quote(str(file.resolve()))}?mode=ro"
        try:
            with (
                closing(sqlite3.connect(source_uri, uri=True)) as source,
                closing(sqlite3.connect(candidate_path)) as candidate,
            ):
                source.backup(candidate, pages=-1)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{file} is not a usable SQLite database: {exc}") from exc
        # Checked through Django's backend, which provides the functions (REGEXP) the
        # check constraints call.
        with _sqlite_alias(candidate_path, like=alias) as checked:
            try:
                with connections[checked].cursor() as cursor:
                    cursor.execute("PRAGMA integrity_check")
                    problems = [row[0] for row in cursor.fetchall()]
                    found: dict[str, int | None] = {}
                    for table in expected:
                        try:
                            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                            (found[table],) = cursor.fetchone()
                        except DatabaseError:
                            found[table] = None
            except DatabaseError as exc:
                raise BackupError(
                    f"{file} is not a usable SQLite database: {exc}"
                ) from exc
            if problems != ["ok"]:
                raise BackupError(
                    f"{file} fails SQLite's integrity check: {'; '.join(problems[:5])}"
                )
            different = _differences(expected, found)
            if different:
                raise BackupError(
                    f"The backup's row counts differ from the manifest ({different})."
                )
            # Checked: now into the live database, in one transaction (SQLite rolls it
            # back if it fails half-way).
            try:
                connections[checked].connection.backup(live.connection, pages=-1)
            except sqlite3.Error as exc:
                raise BackupError(
                    f"Writing into the live database failed: {exc}"
                ) from exc


def _pg_restore(file: Path, expected: dict[str, int], alias: str) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    connection.close()  # our own session would hold locks the restore waits for
    # Table names are checked by read_manifest (lower-case identifiers only).
    values = ", ".join(
        f"('{table}', {count})" for table, count in sorted(expected.items())
    )
    schema_literal = "'" + schema.replace("'", "''") + "'"
    check = f"""DO $atlas_check$
DECLARE
  expected record;
  n bigint;
  problems text[] := '{{}}';
BEGIN
  FOR expected IN SELECT * FROM (VALUES {values}) AS v(name, count) LOOP
    IF to_regclass(format('%I.%I', {schema_literal}, expected.name)) IS NULL THEN
      problems := problems || format('%s: missing rows, the manifest says %s',
                                     expected.name, expected.count);
    ELSE
      EXECUTE format('SELECT count(*) FROM %I.%I', {schema_literal}, expected.name)
        INTO n;
      IF n <> expected.count THEN
        problems := problems || format('%s: %s rows, the manifest says %s',
                                       expected.name, n, expected.count);
      END IF;
    END IF;
  END LOOP;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'The backup''s row counts differ from the manifest (%).',
      array_to_string(problems, ', ');
  END IF;
END
$atlas_check$;
"""
    with tempfile.TemporaryDirectory(prefix="atlas-restore-") as scratch:
        script = Path(scratch) / "restore.sql"
        check_file = Path(scratch) / "check.sql"
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "-f",
                str(script),
                str(file),
            ]
        )
        check_file.write_text(check)
        # All of it in one transaction; any error (the check included) rolls it back.
        try:
            _run(
                [
                    "psql",
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "--single-transaction",
                    "-f",
                    str(script),
                    "-f",
                    str(check_file),
                ],
                env=_pg_environment(alias),
            )
        except BackupError as exc:
            error = re.search(r"ERROR:\s+(.*)", str(exc))
            reason = error.group(1) if error else str(exc)
            reason = reason.strip().rstrip(".")
            raise BackupError(f"{reason}; the restore was rolled back.") from exc


def database_restore(*, backup: Path, alias: str = "default") -> dict[str, int]:
    """Replace the database with `backup`; return the restored table counts.

    Raises BackupError, with the database unchanged, when the backup is of another
    engine, its file does not match the manifest's checksum, or its row counts differ
    from the manifest's.
    """
    engine = _engine(alias)
    backup = Path(backup)
    manifest = read_manifest(backup)
    if manifest.get("engine") != engine:
        raise BackupError(
            f"The backup is of {manifest.get('engine')}; the database is {engine}."
        )
    file = backup / (PG_DUMP if engine == "postgresql" else SQLITE_COPY)
    if not file.is_file():
        raise BackupError(f"{file} is missing.")
    if "sha256" in manifest and _sha256(file) != manifest["sha256"]:
        raise BackupError(
            f"{file} does not match the checksum in its manifest: the file was changed "
            "or damaged after the backup."
        )
    expected = manifest["tables"]
    if engine == "postgresql":
        _pg_restore(file, expected, alias)
    else:
        _sqlite_restore(file, expected, alias)
    # Cached counts (evidence/base/counts.py) describe the replaced data.
    data_changed()
    return dict(expected)
