"""Export the atlas's trials to one flat SQLite file for Datasette, as a researcher would.

One row per trial with its therapy, modality and cell source inlined, conditions and
outcome classes as JSON arrays of slugs (Datasette facets them with `_facet_array`), and
a `trial_conditions` link table so that a condition filter is an indexed lookup, as it is
in the atlas. Indexes on every filtered column and an FTS5 table over the same text
fields the atlas's `q` searches.

    python bench/export_datasette.py ATLAS.sqlite3 FLAT.sqlite3
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import sqlite_utils

FLAT_SQL = """
SELECT t.id, t.slug, t.nct_id, t.phase, t.status, th.modality,
       th.name AS therapy, cs.slug AS cell_source, t.route, t.evidence_level,
       (SELECT json_group_array(c.slug) FROM src.trials_clinicaltrial_conditions tc
          JOIN src.evidence_condition c ON c.id = tc.condition_id
         WHERE tc.clinicaltrial_id = t.id) AS conditions,
       (SELECT json_group_array(o.slug) FROM src.trials_clinicaltrial_outcome_classes to_
          JOIN src.trials_outcomeclass o ON o.id = to_.outcomeclass_id
         WHERE to_.clinicaltrial_id = t.id) AS outcome_classes,
       t.design_as_printed, t.condition_as_printed, t.outcome_as_printed,
       t.dose_as_printed, t.route_as_printed, t.stem_cell_type_as_printed,
       t.donor_type, p.slug AS review, t.locator, t.flags
  FROM src.trials_clinicaltrial t
  JOIN src.evidence_therapy th ON th.id = t.therapy_id
  LEFT JOIN src.evidence_cellsource cs ON cs.id = th.cell_source_id
  JOIN src.evidence_publication p ON p.id = t.source_review_id
"""

INDEXED = [
    "phase",
    "status",
    "modality",
    "cell_source",
    "route",
    "evidence_level",
    "review",
    "slug",
    "nct_id",
]
# The same text the atlas's trial search looks in (TrialFilterSet.search_fields).
FTS_COLUMNS = [
    "nct_id",
    "slug",
    "design_as_printed",
    "condition_as_printed",
    "outcome_as_printed",
    "therapy",
]


def export(source: Path, target: Path) -> int:
    target.unlink(missing_ok=True)
    connection = sqlite3.connect(target)
    connection.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro",))
    connection.execute(
        "CREATE TABLE trials (id INTEGER PRIMARY KEY, slug TEXT, nct_id TEXT, "
        "phase TEXT, status TEXT, modality TEXT, therapy TEXT, cell_source TEXT, "
        "route TEXT, evidence_level TEXT, conditions TEXT, outcome_classes TEXT, "
        "design_as_printed TEXT, condition_as_printed TEXT, outcome_as_printed TEXT, "
        "dose_as_printed TEXT, route_as_printed TEXT, stem_cell_type_as_printed TEXT, "
        "donor_type TEXT, review TEXT, locator TEXT, flags TEXT)"
    )
    connection.execute(f"INSERT INTO trials {FLAT_SQL}")
    connection.execute(
        "CREATE TABLE trial_conditions (trial_id INTEGER REFERENCES trials(id), "
        "condition TEXT, PRIMARY KEY (condition, trial_id)) WITHOUT ROWID"
    )
    connection.execute(
        "INSERT INTO trial_conditions SELECT tc.clinicaltrial_id, c.slug "
        "FROM src.trials_clinicaltrial_conditions tc "
        "JOIN src.evidence_condition c ON c.id = tc.condition_id"
    )
    connection.commit()
    connection.execute("DETACH DATABASE src")
    db = sqlite_utils.Database(connection)
    table = db["trials"]
    for column in INDEXED:
        table.create_index([column])
    table.enable_fts(FTS_COLUMNS, create_triggers=False)
    db.execute("ANALYZE")
    count = table.count
    connection.commit()
    connection.close()
    return count


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = export(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"Exported {rows} trials to {sys.argv[2]}")
