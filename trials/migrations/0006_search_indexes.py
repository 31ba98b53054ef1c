"""Search indexes of trials and studies, one path per database (see evidence/search.py).

SQLite: an FTS5 table with the trigram tokenizer per table (external content, so the text
is not stored twice), kept in step by triggers. PostgreSQL: pg_trgm, a trigram GIN index
over the upper-cased concatenated text fields and a GIN index over the full-text vector.
Nothing here runs on another database than the one it is written for.

The field lists are a copy of evidence.base.search.INDEXED_SEARCH (and of the FilterSets'
`vector_fields`) at the time of writing: a migration must not change when code does.

Note for later migrations on SQLite: Django rebuilds a table for most ALTERs, which drops
its triggers; tests/bench/test_search_index.py fails if that happens, and the fix is to
run `create_sqlite` again from the later migration.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import TextField, Value
from django.db.models.functions import Concat, Upper

INDEXED = {
    "clinicaltrial": (
        "nct_id",
        "slug",
        "design_as_printed",
        "condition_as_printed",
        "outcome_as_printed",
    ),
    "study": (
        "slug",
        "title",
        "authors_as_printed",
        "condition_as_printed",
        "findings",
        "cell_as_printed",
    ),
}
VECTOR = {
    "clinicaltrial": ("design_as_printed", "condition_as_printed", "outcome_as_printed"),
    "study": ("title", "findings", "condition_as_printed"),
}


def _sqlite_statements(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = f'"{table}_fts"'
    names = ", ".join(f'"{c}"' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    old = ", ".join(f'old."{c}"' for c in columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({names}, "
        f"content='{table}', content_rowid='id', tokenize='trigram')",
        f'CREATE TRIGGER IF NOT EXISTS "{table}_fts_ai" AFTER INSERT ON "{table}" '
        f"BEGIN {insert} END",
        f'CREATE TRIGGER IF NOT EXISTS "{table}_fts_ad" AFTER DELETE ON "{table}" '
        f"BEGIN {delete} END",
        f'CREATE TRIGGER IF NOT EXISTS "{table}_fts_au" AFTER UPDATE ON "{table}" '
        f"BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _document(fields):
    parts = []
    for field in fields:
        if parts:
            parts.append(Value("\n"))
        parts.append(field)
    return Upper(Concat(*parts, output_field=TextField()))


def _postgres_indexes(model_name: str):
    return [
        GinIndex(
            OpClass(_document(INDEXED[model_name]), name="gin_trgm_ops"),
            name=f"{model_name[:12]}_search_trgm",
        ),
        GinIndex(
            SearchVector(*VECTOR[model_name], config="english"),
            name=f"{model_name[:12]}_search_fts",
        ),
    ]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for model_name, columns in INDEXED.items():
            table = apps.get_model("trials", model_name)._meta.db_table
            for statement in _sqlite_statements(table, columns):
                schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for model_name in INDEXED:
            model = apps.get_model("trials", model_name)
            for index in _postgres_indexes(model_name):
                schema_editor.add_index(model, index)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for model_name in INDEXED:
            table = apps.get_model("trials", model_name)._meta.db_table
            for suffix in ("ai", "ad", "au"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_fts_{suffix}"')
            schema_editor.execute(f'DROP TABLE IF EXISTS "{table}_fts"')
    elif vendor == "postgresql":
        for model_name in INDEXED:
            model = apps.get_model("trials", model_name)
            for index in _postgres_indexes(model_name):
                schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [("trials", "0005_filter_indexes")]

    operations = [migrations.RunPython(create, drop)]
