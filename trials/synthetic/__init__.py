"""Synthetic trials and studies for benchmarks: realistic, marked, never mixed with curation.

`synthetic_generate` fills the current database (choose it with DATABASE_URL) with
clinical trials and studies whose vocabulary - conditions, cell sources, therapies,
routes, phases, outcome classes, model systems - comes from the curated fixtures, with
realistic many-to-many fan-out and text of realistic length. Every record is marked:
its source review is the `synthetic-benchmark` publication, its locator "Synthetic" and
its flags ["synthetic"]; NCT ids are drawn from NCT90000000 upwards, a range the registry
has not reached. A database that holds curated records is refused, so synthetic rows are
never mixed with curated ones.

Rows are written in batches of multi-row INSERTs inside one transaction (vocabulary with
`bulk_create`). Bulk inserts skip django-simple-history (no historical rows) and model
signals: that is intended for synthetic data, which has no curation history to keep.

The package: `constants` (markers, errors), `guards` (never mix with curation),
`vocabulary` (from the curated fixtures), `values` (realistic rows) and `generate` (the
command's entry point); rows are written with evidence.dataset.bulk.
"""

from trials.synthetic.constants import (
    NCT_BASE,
    NCT_MAX,
    SYNTHETIC_FLAG,
    SYNTHETIC_LOCATOR,
    SYNTHETIC_REVIEW,
    SyntheticError,
    SyntheticResult,
)
from trials.synthetic.generate import synthetic_generate
from trials.synthetic.guards import curated_record_counts

__all__ = [
    "NCT_BASE",
    "NCT_MAX",
    "SYNTHETIC_FLAG",
    "SYNTHETIC_LOCATOR",
    "SYNTHETIC_REVIEW",
    "SyntheticError",
    "SyntheticResult",
    "curated_record_counts",
    "synthetic_generate",
]
