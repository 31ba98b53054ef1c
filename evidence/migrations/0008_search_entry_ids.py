"""Index entries keyed by their entity and record: id = (entity code << 40) | object_id
(evidence.base.search_index.entry_id), so a match read from the trigram index says its
entity and record without reading the entry's row.

The entries of before are deleted; `post_migrate` builds the index again when it is
empty and records exist (evidence.base.search_index.ensure_built). On SQLite the FTS5
table is emptied with its `delete-all` command, not row by row through the delete
trigger (which re-tokenises every old text: minutes at 100k entries).
"""

from django.db import migrations

TABLE = "evidence_searchentry"


def clear(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        fts = f'"{TABLE}_fts"'
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_fts_ad"')
        schema_editor.execute(f'DELETE FROM "{TABLE}"')
        schema_editor.execute(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")
        schema_editor.execute(
            f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_fts_ad" AFTER DELETE ON "{TABLE}" '
            f"BEGIN INSERT INTO {fts}({fts}, rowid, \"text\", \"names\") "
            "VALUES ('delete', old.id, old.\"text\", old.\"names\"); END"
        )
    else:
        apps.get_model("evidence", "SearchEntry").objects.all()._raw_delete(
            connection.alias
        )


class Migration(migrations.Migration):
    dependencies = [("evidence", "0007_search_entry_index")]

    operations = [migrations.RunPython(clear, clear)]
