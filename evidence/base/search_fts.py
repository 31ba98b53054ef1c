"""SQLite's FTS5 table over the search index (evidence 0007): its triggers, and bulk
writes that rebuild it once instead of row by row."""

from contextlib import contextmanager

from django.db import connection, transaction

from evidence.base.models import SearchEntry

FTS_TABLE = f"{SearchEntry._meta.db_table}_fts"
FTS_TRIGGERS = ("ai", "ad", "au")


def _fts_trigger_statements() -> list[str]:
    """The SQLite triggers that keep the FTS5 table in step (as evidence 0007 made)."""
    table = SearchEntry._meta.db_table
    fts = f'"{FTS_TABLE}"'
    names = '"text", "names"'
    delete = (
        f"INSERT INTO {fts}({fts}, rowid, {names}) "
        'VALUES (\'delete\', old.id, old."text", old."names");'
    )
    insert = (
        f'INSERT INTO {fts}(rowid, {names}) VALUES (new.id, new."text", new."names");'
    )
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{table}_fts_ai" AFTER INSERT ON "{table}" '
        f"BEGIN {insert} END",
        f'CREATE TRIGGER IF NOT EXISTS "{table}_fts_ad" AFTER DELETE ON "{table}" '
        f"BEGIN {delete} END",
        f'CREATE TRIGGER IF NOT EXISTS "{table}_fts_au" AFTER UPDATE ON "{table}" '
        f"BEGIN {delete} {insert} END",
    ]


@contextmanager
def bulk_writes():
    """SQLite: the FTS5 table rebuilt once after bulk writes instead of row by row.

    The triggers are dropped for the writes and created again after; the FTS5
    `rebuild` re-reads the whole index table in one pass. At 120k entries the row
    triggers cost more than everything else (a delete re-tokenises the old text).
    Inside a transaction, so no other writer sees the index without its triggers.
    """
    if connection.vendor != "sqlite":
        yield
        return
    table = SearchEntry._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        for suffix in FTS_TRIGGERS:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_fts_{suffix}"')
        yield
        cursor.execute(f'INSERT INTO "{FTS_TABLE}"("{FTS_TABLE}") VALUES (\'rebuild\')')
        for statement in _fts_trigger_statements():
            cursor.execute(statement)
