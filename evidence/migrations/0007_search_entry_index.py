"""Indexes for the normalised search (evidence.base.search_index), one path per database.

The index holds normalised text (lower-case ASCII words), and a query word matches when
it is part of an indexed word: `LIKE '%word%'` on both databases. For words of three
characters or more that is answered by a trigram index:

- SQLite: an FTS5 table with the trigram tokenizer over `text` and `names` (external
  content, so the text is not stored twice), kept in step by triggers; a quoted FTS5
  string is a substring match there, the same as LIKE on this text;
- PostgreSQL: pg_trgm GIN indexes over `text` and `names` (LIKE uses them directly).

Nothing here runs on another database than the one it is written for. SQLite rebuilds a
table for most ALTERs, which drops triggers: a later migration of evidence_searchentry
must create them again (tests/evidence/test_search_index.py checks they exist).
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations
from django.db.models import F

TABLE = "evidence_searchentry"
COLUMNS = ("text", "names")


def _sqlite_statements() -> list[str]:
    fts = f'"{TABLE}_fts"'
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    new = ", ".join(f'new."{c}"' for c in COLUMNS)
    old = ", ".join(f'old."{c}"' for c in COLUMNS)
    delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({names}, "
        f"content='{TABLE}', content_rowid='id', tokenize='trigram')",
        f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_fts_ai" AFTER INSERT ON "{TABLE}" '
        f"BEGIN {insert} END",
        f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_fts_ad" AFTER DELETE ON "{TABLE}" '
        f"BEGIN {delete} END",
        f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_fts_au" AFTER UPDATE ON "{TABLE}" '
        f"BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _postgres_indexes():
    return [
        GinIndex(OpClass(F(column), name="gin_trgm_ops"), name=f"searchentry_{column}_trgm")
        for column in COLUMNS
    ]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in _sqlite_statements():
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        model = apps.get_model("evidence", "SearchEntry")
        for index in _postgres_indexes():
            schema_editor.add_index(model, index)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_fts_{suffix}"')
        schema_editor.execute(f'DROP TABLE IF EXISTS "{TABLE}_fts"')
    elif vendor == "postgresql":
        model = apps.get_model("evidence", "SearchEntry")
        for index in _postgres_indexes():
            schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0006_search_entry")]

    operations = [migrations.RunPython(create, drop)]
